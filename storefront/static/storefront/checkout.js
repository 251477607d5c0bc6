// The cart (a guest's or a customer's) and checkout: address, shipping method, voucher, the summary, the order.

import { api, query, session } from "./api.js";
import { formError, formValues, html, money, shopUrl, show } from "./dom.js";
import { navigate, navRender } from "./app.js";
import { addressForm, addressText } from "./account.js";

function summaryMarkup(summary) {
  const row = (name, amount) => html`<dt>${name}</dt><dd>${money(amount)}</dd>`;
  return html`<dl class="summary" id="summary">
    ${row("Subtotal", summary.subtotal)}
    ${Number(summary.discount) ? row(`Discount${summary.voucher ? ` (${summary.voucher.code})` : ""}`, -summary.discount) : ""}
    ${summary.shipping_method ? row(`Shipping (${summary.shipping_method.name})`, summary.shipping) : ""}
    ${row(summary.prices_include_tax ? "Tax included" : "Tax", summary.tax)}
    <dt class="total">Total</dt><dd class="total" id="total">${money(summary.total)}</dd>
  </dl>
  ${summary.voucher_error ? html`<p class="error">${summary.voucher_error.detail}</p>` : ""}`;
}

export async function cartPage() {
  if (!session.loggedIn && !session.cartToken) {
    show("Your cart", html`<h1>Your cart</h1><p>Your cart is empty. <a href="${shopUrl()}">Browse the shop</a>.</p>`);
    return;
  }
  const [{ results: lines }, summary] = await Promise.all([api("/cart/?page_size=100"), api("/cart/summary/")]);
  if (!lines.length) {
    show("Your cart", html`<h1>Your cart</h1><p>Your cart is empty. <a href="${shopUrl()}">Browse the shop</a>.</p>`);
    return;
  }
  show("Your cart", html`<h1>Your cart</h1>
    <ul class="lines" id="cart-lines">${lines.map((line) => html`<li class="line">
      <a href="${shopUrl(`p/${line.product.slug}`)}">${line.product.name}</a>
      <span>${money(line.unit_price)}</span>
      <form class="inline quantity" data-line="${line.id}">
        <label for="quantity-${line.id}">Quantity</label>
        <input id="quantity-${line.id}" name="quantity" type="number" min="1" max="${line.product.stock}" value="${line.quantity}" required>
        <button type="submit">Update</button>
        <button type="button" class="remove" aria-label="Remove ${line.product.name}">Remove</button>
        <p class="error" role="alert"></p>
      </form>
      <span class="line-total">${money(line.line_total)}</span>
    </li>`)}</ul>
    ${summaryMarkup(summary)}
    ${session.loggedIn
      ? html`<p><a class="button" href="${shopUrl("checkout")}">Check out</a></p>`
      : html`<p>To check out, <a href="${shopUrl("login?next=checkout")}">log in</a> or
          <a href="${shopUrl("register?next=checkout")}">create an account</a>: your cart comes with you.</p>`}`);
  document.querySelectorAll("form[data-line]").forEach((form) => {
    const path = `/cart/${form.dataset.line}/`;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api(path, { method: "PATCH", body: { quantity: Number(form.quantity.value) } });
        await cartPage();
        await navRender();
      } catch (error) {
        formError(form, error);
      }
    });
    form.querySelector(".remove").addEventListener("click", async () => {
      await api(path, { method: "DELETE" });
      await cartPage();
      await navRender();
    });
  });
}

function newIdempotencyKey() {
  return window.crypto.randomUUID ? window.crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

// The checkout page keeps its choices in the URL (?address=&method=), so a reload shows the same summary.
export async function checkoutPage({ params }) {
  if (!session.loggedIn) {
    navigate(shopUrl("login?next=checkout"), { replace: true });
    return;
  }
  const addresses = (await api("/addresses/?page_size=100")).results;
  const addressId = params.get("address") || (addresses[0] && String(addresses[0].id));
  const methods = addressId ? await api(`/cart/shipping-methods/${query({ address_id: addressId })}`) : [];
  const methodId = methods.some((method) => String(method.id) === params.get("method")) ? params.get("method") : methods[0] && String(methods[0].id);
  const choice = { address_id: addressId, shipping_method_id: methodId };
  Object.keys(choice).forEach((key) => choice[key] || delete choice[key]);
  const summary = await api(`/cart/summary/${query(choice)}`);
  const choose = (changes) => navigate(shopUrl(`checkout${query({ address: addressId || "", method: methodId || "", ...changes })}`), { replace: true });
  show("Checkout", html`<h1>Checkout</h1>
    <form id="address-choice">
      <fieldset><legend>Ship to</legend>
        ${addresses.map((address) => html`<label class="choice"><input type="radio" name="address" value="${address.id}"
          ${String(address.id) === addressId ? "checked" : ""}> ${addressText(address)}</label>`)}
        ${addresses.length ? "" : html`<p>Add the address to ship to.</p>`}
      </fieldset>
    </form>
    <details ${addresses.length ? "" : "open"}><summary>New address</summary>${addressForm("new-address")}</details>
    ${addressId ? html`<form id="method-choice"><fieldset><legend>Shipping method</legend>
      ${methods.length ? methods.map((method) => html`<label class="choice"><input type="radio" name="method" value="${method.id}"
        ${String(method.id) === methodId ? "checked" : ""}> ${method.name}: ${Number(method.cost) ? money(method.cost) : "free"},
        ${method.days_min}–${method.days_max} days</label>`) : html`<p>We do not deliver to this address yet.</p>`}
    </fieldset></form>` : ""}
    <form id="voucher" class="inline">
      <label for="voucher-code">Voucher code</label>
      <input id="voucher-code" name="code" autocomplete="off" required>
      <button type="submit">Apply</button>
      <p class="error" role="alert"></p>
    </form>
    ${summaryMarkup(summary)}
    <form id="place-order">
      <button type="submit" ${addressId && methodId && summary.lines ? "" : "disabled"}>Place order (${money(summary.total)})</button>
      <p class="error" role="alert"></p>
    </form>`);
  document.getElementById("address-choice").addEventListener("change", (event) => choose({ address: event.target.value, method: "" }));
  document.getElementById("method-choice")?.addEventListener("change", (event) => choose({ method: event.target.value }));
  const addressSave = document.getElementById("new-address");
  addressSave.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const address = await api("/addresses/", { method: "POST", body: formValues(addressSave) });
      choose({ address: address.id, method: "" });
    } catch (error) {
      formError(addressSave, error);
    }
  });
  const voucher = document.getElementById("voucher");
  voucher.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/cart/voucher/", { method: "POST", body: { code: voucher.code.value } });
      choose({});
    } catch (error) {
      formError(voucher, error);
    }
  });
  const place = document.getElementById("place-order");
  const idempotencyKey = newIdempotencyKey();
  place.addEventListener("submit", async (event) => {
    event.preventDefault();
    place.querySelector("button").disabled = true;
    try {
      const order = await api("/checkout/", {
        method: "POST",
        headers: { "Idempotency-Key": idempotencyKey },
        body: { ...choice, expected_total: summary.total },
      });
      navigate(shopUrl(`orders/${order.id}`));
    } catch (error) {
      formError(place, error);
      place.querySelector("button").disabled = false;
    }
  });
}
