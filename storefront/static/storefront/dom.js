// Small DOM helpers: escaped HTML templates, money, links inside the shop, messages.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const BASE = document.body.dataset.base;
const CURRENCY = document.body.dataset.currency;

class Markup {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

function piece(value) {
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(piece).join("");
  if (value === null || value === undefined || value === false) return "";
  return String(value).replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

// html`<p>${text}</p>`: interpolated values are escaped, unless they are html`` themselves (or arrays of them).
export function html(strings, ...values) {
  return new Markup(strings.reduce((text, string, index) => text + string + (index < values.length ? piece(values[index]) : ""), ""));
}

const moneyFormat = new Intl.NumberFormat(undefined, { style: "currency", currency: CURRENCY });
export const money = (amount) => moneyFormat.format(Number(amount));

export const dateTime = (text) => new Date(text).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

// A code as words: "out_for_delivery" is "Out for delivery".
export function label(code) {
  const words = String(code).replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// A path inside the shop: shopUrl("cart") is "/shop/cart".
export const shopUrl = (path = "") => BASE + path;

export const view = () => document.getElementById("view");

// Shows the page and moves focus to its heading, so keyboard and screen-reader users start there.
export function show(title, markup) {
  document.title = `${title} · Duka`;
  const main = view();
  main.innerHTML = piece(markup);
  const heading = main.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

export function flash(message) {
  document.getElementById("flash").textContent = message;
}

// The error of a form, announced in its role="alert" box.
export function formError(form, error) {
  const box = form.querySelector(".error");
  box.textContent = error ? error.message : "";
}

export function formValues(form) {
  return Object.fromEntries([...new FormData(form)].filter(([, value]) => value !== ""));
}

export function imageMarkup(image, sizes) {
  if (!image) return html`<div class="no-image" role="img" aria-label="No picture"></div>`;
  const srcset = image.renditions.map((rendition) => `${rendition.url} ${rendition.width}w`).join(", ");
  const src = image.renditions.length ? image.renditions[0].url : image.url;
  return html`<img src="${src}" ${srcset ? html`srcset="${srcset}" sizes="${sizes}"` : ""}
    width="${image.width}" height="${image.height}" alt="${image.alt_text}" loading="lazy">`;
}
