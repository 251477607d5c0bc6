// The REST API client: JWT in the Authorization header, a guest's cart token in X-Cart-Token, and a
// transparent refresh when an access token has expired. Every request that still fails is recorded in
// window.dukaFailedRequests (the browser tests read it).

const API = document.body.dataset.api;
const storage = window.localStorage;
const KEYS = { access: "duka.access", refresh: "duka.refresh", cart: "duka.cartToken" };

export const failedRequests = [];
export const stats = { refreshes: 0 };
window.dukaFailedRequests = failedRequests;
window.dukaStats = stats;

export const session = {
  get access() { return storage.getItem(KEYS.access); },
  get refresh() { return storage.getItem(KEYS.refresh); },
  get cartToken() { return storage.getItem(KEYS.cart); },
  get loggedIn() { return Boolean(storage.getItem(KEYS.refresh)); },
  saveTokens({ access, refresh }) {
    storage.setItem(KEYS.access, access);
    storage.setItem(KEYS.refresh, refresh);
  },
  saveCartToken(token) { storage.setItem(KEYS.cart, token); },
  forgetCartToken() { storage.removeItem(KEYS.cart); },
  logOut() {
    storage.removeItem(KEYS.access);
    storage.removeItem(KEYS.refresh);
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    super(errorText(body) || `The shop answered ${status}.`);
    this.status = status;
    this.body = body || {};
  }
}

// `{detail}` for errors, `{field: [messages]}` for validation errors.
function errorText(body) {
  if (!body || typeof body !== "object") return "";
  if (body.detail) return String(body.detail);
  return Object.entries(body)
    .map(([field, messages]) => `${field.replaceAll("_", " ")}: ${[].concat(messages).join(" ")}`)
    .join(" ");
}

// One refresh at a time: concurrent 401s wait for the same rotation (a refresh token works once).
let refreshing = null;
function accessRefresh() {
  refreshing ??= fetch(`${API}/auth/token/refresh/`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ refresh: session.refresh }),
  })
    .then(async (response) => {
      if (!response.ok) {
        session.logOut();
        return false;
      }
      session.saveTokens(await response.json());
      stats.refreshes += 1;
      return true;
    })
    .finally(() => { refreshing = null; });
  return refreshing;
}

function send(path, { method, body, headers }) {
  const sent = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (session.access) sent.Authorization = `Bearer ${session.access}`;
  else if (session.cartToken) sent["X-Cart-Token"] = session.cartToken;
  return fetch(API + path, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
}

// The JSON answer, or null without a body; a proxy's HTML error page becomes a plain message.
async function responseBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: `The shop answered ${response.status}; please try again.` };
  }
}

// `path` is relative to the API root (`/products/`); absolute API paths (a payment's next_action URL) work too.
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const relative = path.startsWith(`${API}/`) ? path.slice(API.length) : path;
  let response;
  try {
    response = await send(relative, { method, body, headers });
    if (response.status === 401 && session.refresh && (await accessRefresh())) {
      response = await send(relative, { method, body, headers });
    }
  } catch {
    failedRequests.push({ method, path: relative, status: 0 });
    throw new ApiError(0, { detail: "The shop cannot be reached; check your connection." });
  }
  const data = await responseBody(response);
  if (!response.ok) {
    failedRequests.push({ method, path: relative, status: response.status });
    throw new ApiError(response.status, data);
  }
  return data;
}

export function query(params) {
  const text = new URLSearchParams(params).toString();
  return text ? `?${text}` : "";
}

// A guest's first line opens a guest cart; a token that expired meanwhile is replaced once.
export async function cartAdd(productId, quantity) {
  const line = { product_id: productId, quantity };
  if (session.loggedIn) return api("/cart/", { method: "POST", body: line });
  if (session.cartToken) {
    try {
      return await api("/cart/", { method: "POST", body: line });
    } catch (error) {
      if (error.body.code !== "cart_not_found") throw error;
    }
  }
  session.saveCartToken((await api("/cart/guest/", { method: "POST" })).cart_token);
  return api("/cart/", { method: "POST", body: line });
}

export async function logIn(username, password) {
  const credentials = { username, password };
  if (session.cartToken) credentials.cart_token = session.cartToken;
  const answer = await api("/auth/token/", { method: "POST", body: credentials });
  session.saveTokens(answer);
  session.forgetCartToken();
  return answer.cart_merge || null;
}

export async function logOut() {
  const refresh = session.refresh;
  if (refresh) await api("/auth/logout/", { method: "POST", body: { refresh } }).catch(() => null);
  session.logOut();
}
