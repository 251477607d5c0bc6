// Browsing: the product list with search, facets and filters, and the product page with images and reviews.

import { api, cartAdd, query, session } from "./api.js";
import { flash, formError, html, imageMarkup, money, shopUrl, show } from "./dom.js";
import { navigate, navRender } from "./app.js";

const PAGE_SIZE = 24;
// The filters the shop's URL carries straight to the API (the attribute ones are attr_<slug>).
const PLAIN_FILTERS = ["search", "category", "min_price", "max_price", "in_stock", "ordering", "page"];

function apiFilters(params) {
  const filters = new URLSearchParams();
  for (const [name, value] of params) {
    if (PLAIN_FILTERS.includes(name) || name.startsWith("attr_")) filters.append(name, value);
  }
  return filters;
}

const stars = (rating) => html`<span class="stars" aria-label="${rating} out of 5">${"★".repeat(Math.round(rating))}${"☆".repeat(5 - Math.round(rating))}</span>`;

function productCard(product) {
  return html`<li class="card">
    <a href="${shopUrl(`p/${product.slug}`)}">
      ${imageMarkup(product.images[0], "(min-width: 800px) 220px, 45vw")}
      <span class="name">${product.name}</span>
    </a>
    <span class="price">${money(product.final_price)}
      ${product.discount_price ? html`<s>${money(product.price)}</s>` : ""}</span>
    ${product.in_stock ? "" : html`<span class="muted">Sold out</span>`}
  </li>`;
}

function facetsMarkup(facets, params) {
  const chosen = (name, value) => params.getAll(name).flatMap((item) => item.split(",")).includes(value);
  const band = params.get("min_price") ? `${params.get("min_price")}-${params.get("max_price") || ""}` : "";
  const categories = html`<fieldset><legend>Category</legend>
    <label><input type="radio" name="category" value="" ${params.get("category") ? "" : "checked"}> All</label>
    ${facets.categories.map((category) => html`<label><input type="radio" name="category" value="${category.id}"
      ${params.get("category") === String(category.id) ? "checked" : ""}> ${category.name} (${category.count})</label>`)}
  </fieldset>`;
  const prices = html`<fieldset><legend>Price</legend>
    <label><input type="radio" name="price" value="" ${band ? "" : "checked"}> Any</label>
    ${facets.price_bands.filter((priceBand) => priceBand.count).map((priceBand) => {
      const value = `${priceBand.min}-${priceBand.max ? (Number(priceBand.max) - 0.01).toFixed(2) : ""}`;
      const text = priceBand.max ? `${money(priceBand.min)} – ${money(priceBand.max)}` : `${money(priceBand.min)} and up`;
      return html`<label><input type="radio" name="price" value="${value}" ${band === value ? "checked" : ""}> ${text} (${priceBand.count})</label>`;
    })}
  </fieldset>`;
  const range = (attribute, end, text) => {
    const name = `attr_${attribute.slug}_${end}`;
    return html`<label>${text} <input type="number" step="any" name="${name}" value="${params.get(name) || ""}"
      placeholder="${attribute[end]}" class="bound"></label>`;
  };
  const attributes = facets.attributes.map((attribute) => html`<fieldset>
    <legend>${attribute.name}</legend>
    ${attribute.values
      ? attribute.values.map((value) => html`<label><input type="checkbox" name="attr_${attribute.slug}" value="${value.slug}"
          ${chosen(`attr_${attribute.slug}`, value.slug) ? "checked" : ""}> ${value.value} (${value.count})</label>`)
      : html`${range(attribute, "min", "From")} ${range(attribute, "max", "to")}`}
  </fieldset>`);
  return html`${categories}${prices}${attributes}
    <label><input type="checkbox" name="in_stock" value="true" ${params.get("in_stock") ? "checked" : ""}> In stock only</label>`;
}

// The filter form's fields become the page's query string (price bands split into min_price and max_price).
function filtersQuery(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (!value) continue;
    if (name === "price") {
      const [low, high] = value.split("-");
      params.set("min_price", low);
      if (high) params.set("max_price", high);
    } else {
      params.append(name, value);
    }
  }
  return query(params);
}

export async function catalogPage({ params }) {
  const filters = apiFilters(params);
  const listFilters = new URLSearchParams(filters);
  listFilters.set("page_size", PAGE_SIZE);
  filters.delete("page");
  filters.delete("ordering");
  const [products, facets] = await Promise.all([api(`/products/${query(listFilters)}`), api(`/products/facets/${query(filters)}`)]);
  const page = Number(params.get("page") || 1);
  const pageLink = (number) => {
    const next = new URLSearchParams(params);
    next.set("page", number);
    return shopUrl(query(next));
  };
  show(params.get("search") ? `“${params.get("search")}”` : "Shop", html`
    <h1>${params.get("search") ? html`Results for “${params.get("search")}”` : "Shop"}</h1>
    <form id="filters" class="catalog" role="search">
      <div class="search">
        <label for="search">Search products</label>
        <input id="search" name="search" type="search" value="${params.get("search") || ""}">
        <label for="ordering">Sort by</label>
        <select id="ordering" name="ordering">
          ${[["", "Newest"], ["price", "Price, low to high"], ["-price", "Price, high to low"], ["-rating", "Best rated"]].map(
            ([value, text]) => html`<option value="${value}" ${params.get("ordering") === value ? "selected" : ""}>${text}</option>`,
          )}
        </select>
        <button type="submit">Search</button>
      </div>
      <div class="facets">${facetsMarkup(facets, params)}</div>
    </form>
    <section aria-labelledby="results-heading" class="results">
      <h2 id="results-heading">${products.count} product${products.count === 1 ? "" : "s"}</h2>
      <ul class="grid" id="products">${products.results.map(productCard)}</ul>
      <nav aria-label="Pages" class="pages">
        ${products.previous ? html`<a href="${pageLink(page - 1)}" rel="prev">Previous page</a>` : ""}
        ${products.next ? html`<a href="${pageLink(page + 1)}" rel="next">Next page</a>` : ""}
      </nav>
    </section>`);
  const form = document.getElementById("filters");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(shopUrl(filtersQuery(form)));
  });
  // A facet applies at once; focus stays on it (in the re-rendered form), so keyboard users keep their place.
  form.querySelector(".facets").addEventListener("change", async (event) => {
    const { name, value } = event.target;
    await navigate(shopUrl(filtersQuery(form)), { replace: true });
    document.querySelector(`#filters [name="${CSS.escape(name)}"][value="${CSS.escape(value)}"]`)?.focus();
  });
}

function reviewsMarkup(product, reviews) {
  if (!reviews.count) return html`<p>No reviews yet.</p>`;
  return html`<p>${stars(product.rating_average)} ${product.rating_average} from ${product.rating_count} review${product.rating_count === 1 ? "" : "s"}</p>
    <ul class="reviews">${reviews.results.map((review) => html`<li>
      <p>${stars(review.rating)} <strong>${review.title}</strong></p>
      <p>${review.body}</p>
      <p class="muted">${review.author.name}, ${new Date(review.created_at).toLocaleDateString()}</p>
    </li>`)}</ul>`;
}

export async function productPage({ args: [slug] }) {
  const [product, reviews] = await Promise.all([api(`/products/${slug}/`), api(`/products/${slug}/reviews/`)]);
  const [first, ...others] = product.images;
  show(product.name, html`
    <article class="product">
      <div class="gallery">
        <div id="main-image">${imageMarkup(first, "(min-width: 800px) 480px, 100vw")}</div>
        ${others.length ? html`<ul class="thumbs">${product.images.map((image, index) => html`<li>
          <button type="button" data-image="${index}" aria-label="Show picture ${index + 1}">${imageMarkup(image, "80px")}</button></li>`)}</ul>` : ""}
      </div>
      <div class="details">
        <h1>${product.name}</h1>
        <p class="price">${money(product.final_price)} ${product.discount_price ? html`<s>${money(product.price)}</s>` : ""}</p>
        <p>${product.in_stock ? `${product.stock} in stock` : "Sold out"}</p>
        ${product.attributes.length ? html`<dl class="attributes">${product.attributes.map((attribute) => html`<dt>${attribute.name}</dt><dd>${attribute.label ?? attribute.value}</dd>`)}</dl>` : ""}
        ${product.in_stock ? html`<form id="add-to-cart" class="inline">
          <label for="quantity">Quantity</label>
          <input id="quantity" name="quantity" type="number" min="1" max="${product.stock}" value="1" required>
          <button type="submit">Add to cart</button>
          <p class="error" role="alert"></p>
        </form>` : ""}
        ${session.loggedIn ? html`<button type="button" id="save-to-wishlist">Save to wishlist</button>` : ""}
        <p class="description">${product.description}</p>
      </div>
    </article>
    <section aria-labelledby="reviews-heading"><h2 id="reviews-heading">Reviews</h2>${reviewsMarkup(product, reviews)}</section>`);
  document.querySelectorAll("[data-image]").forEach((button) => button.addEventListener("click", () => {
    document.getElementById("main-image").innerHTML = imageMarkup(product.images[Number(button.dataset.image)], "(min-width: 800px) 480px, 100vw").text;
  }));
  const form = document.getElementById("add-to-cart");
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await cartAdd(product.id, Number(form.quantity.value));
      formError(form, null);
      flash(`${product.name} is in your cart.`);
      await navRender();
    } catch (error) {
      formError(form, error);
    }
  });
  document.getElementById("save-to-wishlist")?.addEventListener("click", async (event) => {
    await api("/wishlist/", { method: "POST", body: { product_id: product.id } });
    event.target.textContent = "Saved to your wishlist";
    event.target.disabled = true;
  });
}
