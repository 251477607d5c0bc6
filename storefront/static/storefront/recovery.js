// The pages the account emails link to ({STOREFRONT_URL}/reset-password and /verify-email, with uid and token in
// the query string), and the request for a password-reset link.

import { api } from "./api.js";
import { formError, html, shopUrl, show } from "./dom.js";

export function forgotPasswordPage() {
  show("Forgot your password?", html`<h1>Forgot your password?</h1>
    <form id="forgot-password" class="stack">
      <p class="field"><label for="forgot-email">Your account's email</label>
        <input id="forgot-email" name="email" type="email" autocomplete="email" required></p>
      <button type="submit">Email me a link</button>
      <p class="error" role="alert"></p>
    </form>`);
  const form = document.getElementById("forgot-password");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/auth/password/reset/", { method: "POST", body: { email: form.email.value } });
      form.outerHTML = html`<p id="forgot-sent">If an account has that address, a link to choose a new password is on its way.</p>`.text;
    } catch (error) {
      formError(form, error);
    }
  });
}

export function resetPasswordPage({ params }) {
  show("Choose a new password", html`<h1>Choose a new password</h1>
    <form id="reset-password" class="stack">
      <p class="field"><label for="reset-new-password">New password</label>
        <input id="reset-new-password" name="new_password" type="password" autocomplete="new-password" required minlength="8"></p>
      <button type="submit">Save the password</button>
      <p class="error" role="alert"></p>
    </form>`);
  const form = document.getElementById("reset-password");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = { uid: params.get("uid") || "", token: params.get("token") || "", new_password: form.new_password.value };
      await api("/auth/password/reset/confirm/", { method: "POST", body });
      form.outerHTML = html`<p id="reset-done">Your password is changed. <a href="${shopUrl("login")}">Log in</a>.</p>`.text;
    } catch (error) {
      formError(form, error);
    }
  });
}

export async function verifyEmailPage({ params }) {
  let message;
  try {
    const answer = await api("/auth/email/verify/", { method: "POST", body: { uid: params.get("uid") || "", token: params.get("token") || "" } });
    message = html`<p id="verify-result">Thank you: ${answer.email} is verified.</p>`;
  } catch (error) {
    message = html`<p id="verify-result" class="error" role="alert">${error.message}</p>`;
  }
  show("Email address", html`<h1>Email address</h1>${message}<p><a href="${shopUrl()}">Back to the shop</a></p>`);
}
