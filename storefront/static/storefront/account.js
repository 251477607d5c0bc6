// Accounts: log in and register (the guest cart moves into the account), addresses, orders with payment (pay.js)
// and shipment tracking, the wishlist.

import { api, logIn, session } from "./api.js";
import { dateTime, flash, formError, formValues, html, label, money, shopUrl, show } from "./dom.js";
import { navigate } from "./app.js";
import { paymentMarkup, paymentWire } from "./pay.js";

// Where a log-in or registration continues: ?next=checkout or ?next=orders/5, else the cart. Only a path inside
// the shop: no scheme, no leading slash, so never another site.
const nextPath = (params) => shopUrl(/^[a-z0-9][a-z0-9/-]*$/.test(params.get("next") || "") ? params.get("next") : "cart");

function mergeMessage(report) {
  if (!report) return "You are logged in.";
  const moved = report.lines.reduce((count, line) => count + line.merged, 0);
  return `You are logged in. ${moved} item${moved === 1 ? "" : "s"} from your guest cart moved into your cart.`;
}

const field = (id, name, text, attributes = html``) => html`<p class="field"><label for="${id}">${text}</label>
  <input id="${id}" name="${name}" ${attributes}></p>`;

export function loginPage({ params }) {
  show("Log in", html`<h1>Log in</h1>
    <form id="login" class="stack">
      ${field("login-username", "username", "Username", html`autocomplete="username" required`)}
      ${field("login-password", "password", "Password", html`type="password" autocomplete="current-password" required`)}
      <button type="submit">Log in</button>
      <p class="error" role="alert"></p>
    </form>
    <p><a href="${shopUrl("forgot-password")}">Forgot your password?</a></p>
    <p>New here? <a href="${shopUrl(`register?next=${encodeURIComponent(params.get("next") || "cart")}`)}">Create an account</a>.</p>`);
  const form = document.getElementById("login");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const report = await logIn(form.username.value, form.password.value);
      flash(mergeMessage(report));
      navigate(nextPath(params));
    } catch (error) {
      formError(form, error);
    }
  });
}

export function registerPage({ params }) {
  show("Create an account", html`<h1>Create an account</h1>
    <form id="register" class="stack">
      ${field("register-username", "username", "Username", html`autocomplete="username" required maxlength="150"`)}
      ${field("register-email", "email", "Email", html`type="email" autocomplete="email" required`)}
      ${field("register-password", "password", "Password", html`type="password" autocomplete="new-password" required minlength="8"`)}
      <button type="submit">Create account</button>
      <p class="error" role="alert"></p>
    </form>
    <p>Have an account? <a href="${shopUrl(`login?next=${encodeURIComponent(params.get("next") || "cart")}`)}">Log in</a>.</p>`);
  const form = document.getElementById("register");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/auth/register/", { method: "POST", body: formValues(form) });
      const report = await logIn(form.username.value, form.password.value);
      flash(mergeMessage(report));
      navigate(nextPath(params));
    } catch (error) {
      formError(form, error);
    }
  });
}

function requireLogin(path) {
  if (session.loggedIn) return false;
  navigate(shopUrl(`login?next=${encodeURIComponent(path)}`), { replace: true });
  return true;
}

export const addressText = (address) =>
  [address.label && `${address.label}:`, address.name, address.line1, address.line2, address.city, address.region, address.postal_code, address.country]
    .filter(Boolean).join(", ");

export function addressForm(id) {
  const input = (name, text, attributes = html``) => field(`${id}-${name}`, name, text, attributes);
  return html`<form id="${id}" class="stack address-form">
    ${input("label", "Label (optional)", html`maxlength="50"`)}
    ${input("name", "Full name", html`autocomplete="name" required`)}
    ${input("phone", "Phone", html`type="tel" autocomplete="tel" required`)}
    ${input("line1", "Street address", html`autocomplete="address-line1" required`)}
    ${input("line2", "Flat, floor (optional)", html`autocomplete="address-line2"`)}
    ${input("city", "City", html`autocomplete="address-level2" required`)}
    ${input("region", "Region (optional)", html`autocomplete="address-level1"`)}
    ${input("postal_code", "Postal code (optional)", html`autocomplete="postal-code"`)}
    ${input("country", "Country code (two letters, e.g. KE)", html`autocomplete="country" required pattern="[A-Za-z]{2}" maxlength="2" value="KE"`)}
    <button type="submit">Save address</button>
    <p class="error" role="alert"></p>
  </form>`;
}

export async function addressesPage() {
  if (requireLogin("addresses")) return;
  const addresses = (await api("/addresses/?page_size=100")).results;
  show("Addresses", html`<h1>Addresses</h1>
    <ul class="lines">${addresses.map((address) => html`<li class="line">
      <span>${addressText(address)}${address.is_default_shipping ? html` <strong>(default)</strong>` : ""}</span>
      <button type="button" data-delete="${address.id}" aria-label="Delete ${addressText(address)}">Delete</button>
    </li>`)}</ul>
    ${addresses.length ? "" : html`<p>No addresses yet.</p>`}
    <h2>Add an address</h2>${addressForm("address-add")}`);
  document.querySelectorAll("[data-delete]").forEach((button) => button.addEventListener("click", async () => {
    await api(`/addresses/${button.dataset.delete}/`, { method: "DELETE" });
    addressesPage();
  }));
  const form = document.getElementById("address-add");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/addresses/", { method: "POST", body: formValues(form) });
      flash("Address saved.");
      addressesPage();
    } catch (error) {
      formError(form, error);
    }
  });
}

export async function ordersPage() {
  if (requireLogin("orders")) return;
  const orders = await api("/orders/?page_size=50");
  show("Your orders", html`<h1>Your orders</h1>
    ${orders.count ? html`<ul class="lines">${orders.results.map((order) => html`<li class="line">
      <a href="${shopUrl(`orders/${order.id}`)}">Order ${order.id}</a>
      <span>${dateTime(order.created_at)}</span>
      <span class="status status-${order.status}">${label(order.status)}</span>
      <span>${money(order.total_amount)}</span>
    </li>`)}</ul>` : html`<p>No orders yet.</p>`}`);
}

function timelineMarkup(shipments) {
  if (!shipments.length) return html`<p>Not shipped yet.</p>`;
  return shipments.map((shipment) => html`<section class="shipment">
    <h3>${shipment.carrier} parcel ${shipment.tracking_url
      ? html`<a href="${shipment.tracking_url}" rel="noopener">${shipment.tracking_number}</a>`
      : shipment.tracking_number}: <span class="status">${label(shipment.status)}</span></h3>
    <ol class="timeline">
      ${shipment.events.map((event) => html`<li><time datetime="${event.occurred_at}">${dateTime(event.occurred_at)}</time>
        ${label(event.status)}${event.location ? `, ${event.location}` : ""}${event.note ? html` <span class="muted">${event.note}</span>` : ""}</li>`)}
    </ol>
  </section>`);
}

export async function orderPage({ args: [id] }) {
  if (requireLogin(`orders/${id}`)) return;
  const [order, shipments, payments, { providers }] = await Promise.all([
    api(`/orders/${id}/`),
    api(`/orders/${id}/shipments/`),
    api(`/orders/${id}/payments/`),
    api("/payments/providers/"),
  ]);
  const payment = payments[0];
  show(`Order ${order.id}`, html`<h1>Order ${order.id}</h1>
    <p>Placed ${dateTime(order.created_at)}. Status: <strong class="status status-${order.status}" id="order-status">${label(order.status)}</strong></p>
    ${paymentMarkup(order, payment, providers)}
    <ul class="lines">${order.items.map((item) => html`<li class="line">
      <span>${item.product_name} × ${item.quantity}</span><span>${money(item.gross_amount)}</span></li>`)}</ul>
    <dl class="summary">
      <dt>Subtotal</dt><dd>${money(order.subtotal_amount)}</dd>
      ${Number(order.discount_amount) ? html`<dt>Discount (${order.voucher_code})</dt><dd>${money(-order.discount_amount)}</dd>` : ""}
      <dt>Shipping (${order.shipping_method_name || "none"})</dt><dd>${money(order.shipping_amount)}</dd>
      <dt>${order.prices_include_tax ? "Tax included" : "Tax"}</dt><dd>${money(order.tax_amount)}</dd>
      <dt class="total">Total</dt><dd class="total">${money(order.total_amount)}</dd>
    </dl>
    <p>Ships to ${[order.name, order.address, order.line2, order.city, order.region, order.postal_code, order.country].filter(Boolean).join(", ")}</p>
    <section aria-labelledby="shipping-heading" id="shipments"><h2 id="shipping-heading">Shipping</h2>${timelineMarkup(shipments)}</section>`);
  paymentWire(order, payment, providers, () => orderPage({ args: [id] }));
}

export async function wishlistPage() {
  if (requireLogin("wishlist")) return;
  const saved = await api("/wishlist/?page_size=100");
  show("Wishlist", html`<h1>Wishlist</h1>
    ${saved.count ? html`<ul class="lines" id="wishlist">${saved.results.map(({ product }) => html`<li class="line">
      <a href="${shopUrl(`p/${product.slug}`)}">${product.name}</a>
      <span>${money(product.final_price)}</span>
      ${product.available && product.in_stock
        ? html`<button type="button" data-move="${product.id}">Move to cart</button>`
        : html`<span class="muted">Not available</span>`}
      <button type="button" data-remove="${product.id}" aria-label="Remove ${product.name} from the wishlist">Remove</button>
    </li>`)}</ul>` : html`<p>Nothing saved yet.</p>`}`);
  document.querySelectorAll("[data-move]").forEach((button) => button.addEventListener("click", async () => {
    await api(`/wishlist/${button.dataset.move}/move-to-cart/`, { method: "POST", body: { quantity: 1 } });
    flash("Moved to your cart.");
    navigate(shopUrl("cart"));
  }));
  document.querySelectorAll("[data-remove]").forEach((button) => button.addEventListener("click", async () => {
    await api(`/wishlist/${button.dataset.remove}/`, { method: "DELETE" });
    wishlistPage();
  }));
}
