// The router: paths under the shop's base map to pages; links inside the shop change the page without a reload.

import { api, logOut, session } from "./api.js";
import { BASE, flash, html, shopUrl, show } from "./dom.js";
import { catalogPage, productPage } from "./catalog.js";
import { cartPage, checkoutPage } from "./checkout.js";
import { addressesPage, loginPage, orderPage, ordersPage, registerPage, wishlistPage } from "./account.js";
import { forgotPasswordPage, resetPasswordPage, verifyEmailPage } from "./recovery.js";

const ROUTES = [
  [/^$/, catalogPage],
  [/^p\/([^/]+)$/, productPage],
  [/^cart$/, cartPage],
  [/^checkout$/, checkoutPage],
  [/^login$/, loginPage],
  [/^register$/, registerPage],
  [/^orders$/, ordersPage],
  [/^orders\/(\d+)$/, orderPage],
  [/^wishlist$/, wishlistPage],
  [/^addresses$/, addressesPage],
  [/^forgot-password$/, forgotPasswordPage],
  [/^reset-password$/, resetPasswordPage],
  [/^verify-email$/, verifyEmailPage],
];

export function navigate(path, { replace = false } = {}) {
  history[replace ? "replaceState" : "pushState"](null, "", path);
  return render();
}
window.dukaNavigate = navigate;

async function cartCount() {
  if (!session.loggedIn && !session.cartToken) return 0;
  try {
    return (await api("/cart/?page_size=100")).results.reduce((count, line) => count + line.quantity, 0);
  } catch (error) {
    if (error.body.code === "cart_not_found") session.forgetCartToken();
    return 0;
  }
}

export async function navRender() {
  const count = await cartCount();
  const account = session.loggedIn
    ? html`<a href="${shopUrl("wishlist")}">Wishlist</a><a href="${shopUrl("orders")}">Orders</a>
        <a href="${shopUrl("addresses")}">Addresses</a><button type="button" id="logout" class="link">Log out</button>`
    : html`<a href="${shopUrl("login")}">Log in</a><a href="${shopUrl("register")}">Register</a>`;
  document.getElementById("nav").innerHTML = html`<a class="brand" href="${shopUrl()}">Duka</a>
    <a href="${shopUrl("cart")}" id="cart-link">Cart <span class="badge" aria-label="${count} items">${count}</span></a>
    ${account}`.text;
}

async function render() {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length).replace(/\/$/, "") : "";
  const params = new URLSearchParams(location.search);
  const nav = navRender();
  for (const [pattern, page] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      try {
        await page({ params, args: match.slice(1) });
      } catch (error) {
        show("Something went wrong", html`<h1>Something went wrong</h1><p class="error" role="alert">${error.message}</p>`);
      }
      await nav;
      return;
    }
  }
  show("Not found", html`<h1>Not found</h1><p>No such page. <a href="${shopUrl()}">Back to the shop</a>.</p>`);
  await nav;
}

document.addEventListener("click", async (event) => {
  if (event.target.closest("#logout")) {
    await logOut();
    flash("You are logged out.");
    navigate(shopUrl());
    return;
  }
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.origin !== location.origin || !link.pathname.startsWith(BASE)) return;
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  flash("");
  navigate(link.pathname + link.search);
});

window.addEventListener("popstate", render);
render();
