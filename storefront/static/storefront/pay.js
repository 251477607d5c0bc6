// Paying a pending order on its page: one way to pay per provider the shop takes (card through Stripe, M-Pesa,
// the development provider), then what the started attempt asks of the customer. Stripe.js, a third-party
// script, is loaded only once the customer has chosen to pay by card.

import { api } from "./api.js";
import { formError, html, label, money, shopUrl } from "./dom.js";

// While the customer answers on their phone (or Stripe confirms a card), the page asks how the attempt stands.
const POLL_SECONDS = 4;
const POLL_TIMES = 15;

// Stripe's answer on its return to the order page, when the card payment went through to Stripe.
const CARD_CONFIRMED = ["succeeded", "processing"];

const section = (content) => html`<section class="pay" aria-labelledby="pay-heading">
  <h2 id="pay-heading">Payment</h2>${content}<p class="error" role="alert"></p></section>`;

function waitingMarkup(payment, text) {
  return section(html`<p id="payment-waiting">${text}</p>
    <button type="button" id="check-payment">Check again</button>`);
}

function choicesMarkup(order, payment, providers) {
  const total = money(order.total_amount);
  const offered = new Set(providers.map((provider) => provider.id));
  return section(html`
    ${payment && payment.status === "failed" ? html`<p>The last attempt failed: ${payment.failure_message || label(payment.failure_code)}.</p>` : ""}
    ${offered.size ? "" : html`<p>This shop takes no payments online yet.</p>`}
    ${offered.has("stripe") ? html`<p><button type="button" id="pay-card">Pay ${total} by card</button></p>` : ""}
    ${offered.has("mpesa") ? html`<form id="mpesa-form" class="stack">
      <p class="field"><label for="mpesa-phone">M-Pesa phone number</label>
        <input id="mpesa-phone" name="phone" type="tel" autocomplete="tel" required value="${order.phone}"></p>
      <p><button type="submit">Pay ${total} with M-Pesa</button></p></form>` : ""}
    ${offered.has("fake") ? html`<p><button type="button" id="pay">Pay ${total} (development provider)</button></p>` : ""}`);
}

export function paymentMarkup(order, payment, providers) {
  if (order.status !== "pending") return "";
  const action = payment && payment.next_action;
  if (action && action.type === "fake_confirm") {
    return section(html`<p>A development payment of ${money(payment.amount)} is waiting for you.</p>
      <button type="button" data-outcome="succeeded">Confirm payment</button>
      <button type="button" data-outcome="failed">Decline payment</button>`);
  }
  if (action && action.type === "mpesa_stk_push") {
    return waitingMarkup(payment, html`Check your phone: enter your M-Pesa PIN to pay ${money(payment.amount)}.
      <span class="muted">(${action.message})</span>`);
  }
  if (action && action.type === "stripe_payment") {
    const returned = new URLSearchParams(location.search).get("redirect_status");
    if (CARD_CONFIRMED.includes(returned)) {
      return waitingMarkup(payment, html`Your card payment of ${money(payment.amount)} is being confirmed.`);
    }
    return section(html`${returned ? html`<p>The card payment did not go through; try again or use another card.</p>` : ""}
      <form id="card-form" class="stack">
      <div id="payment-element"></div>
      <p><button type="submit" disabled>Pay ${money(payment.amount)}</button></p></form>`);
  }
  return choicesMarkup(order, payment, providers);
}

let stripeScript = null;
function stripeLoad(url) {
  stripeScript ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = () => resolve(window.Stripe);
    script.onerror = () => {
      stripeScript = null;
      script.remove();
      reject(new Error("The card form could not be loaded; check your connection and try again."));
    };
    document.head.append(script);
  });
  return stripeScript;
}

async function cardFormMount(form, payment, stripeProvider) {
  if (!stripeProvider) throw new Error("Card payments are not available at the moment.");
  const Stripe = await stripeLoad(stripeProvider.js_url);
  const stripe = Stripe(payment.next_action.publishable_key);
  const elements = stripe.elements({ clientSecret: payment.next_action.client_secret });
  elements.create("payment").mount("#payment-element");
  const button = form.querySelector("button");
  button.disabled = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    const returnUrl = new URL(shopUrl(`orders/${payment.order_id}`), location.origin).href;
    // Stripe goes on to the return URL once the card is confirmed: an answer here is a refusal to show.
    const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: returnUrl } });
    formError(form.closest(".pay"), error);
    button.disabled = false;
  });
}

// Asks a few times how the attempt stands, and shows the page again once it is settled; stops when the customer
// has left the page.
function pollUntilSettled(payment, waiting, reload) {
  let times = 0;
  const tick = async () => {
    if (!waiting.isConnected) return;
    times += 1;
    const now = await api(`/payments/${payment.id}/`).catch(() => null);
    if (now && now.status !== "pending") return reload();
    if (times < POLL_TIMES) setTimeout(tick, POLL_SECONDS * 1000);
  };
  setTimeout(tick, POLL_SECONDS * 1000);
}

// Makes the payment section work; `reload` shows the order page again.
export function paymentWire(order, payment, providers, reload) {
  const box = document.querySelector(".pay");
  if (!box) return;
  const step = (action) => async (event) => {
    event.preventDefault();
    box.querySelectorAll("button").forEach((button) => { button.disabled = true; });
    try {
      await action();
      await reload();
    } catch (error) {
      formError(box, error);
      box.querySelectorAll("button").forEach((button) => { button.disabled = false; });
    }
  };
  const start = (body) => api(`/orders/${order.id}/pay/`, { method: "POST", body });
  document.getElementById("pay")?.addEventListener("click", step(() => start({ provider: "fake" })));
  document.getElementById("pay-card")?.addEventListener("click", step(() => start({ provider: "stripe" })));
  const mpesaForm = document.getElementById("mpesa-form");
  mpesaForm?.addEventListener("submit", step(() => start({ provider: "mpesa", phone: mpesaForm.phone.value })));
  box.querySelectorAll("[data-outcome]").forEach((button) => button.addEventListener(
    "click", step(() => api(payment.next_action.url, { method: "POST", body: { outcome: button.dataset.outcome } })),
  ));
  document.getElementById("check-payment")?.addEventListener("click", step(async () => {}));
  const waiting = document.getElementById("payment-waiting");
  if (waiting) pollUntilSettled(payment, waiting, reload);
  const cardForm = document.getElementById("card-form");
  if (cardForm) {
    cardFormMount(cardForm, payment, providers.find((provider) => provider.id === "stripe"))
      .catch((error) => formError(box, error));
  }
}
