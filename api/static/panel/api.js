// The JSON API client: the operator key kept for this tab, calls, and what a failure means.
import { state } from "./page.js";
import { t } from "./i18n.js";

var KEY_STORE = "kb-panel-operator-key";

export function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORE);
  } catch (e) {
    return null; // storage may be blocked in a third-party frame: keep the key in memory
  }
}

export function storeKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORE, key);
    else sessionStorage.removeItem(KEY_STORE);
  } catch (e) {
    /* the key lives in memory only */
  }
}

function ApiError(status, detail) {
  this.name = "ApiError";
  this.status = status;
  this.detail = detail;
}

/** GET a JSON route of the API with the operator key; problem details become ApiError. */
export function api(path, query, signal) {
  var url = new URL(path, document.baseURI);
  Object.keys(query).forEach(function (name) {
    if (query[name] !== null && query[name] !== undefined) url.searchParams.set(name, query[name]);
  });
  return fetch(url, {
    headers: { Authorization: "Bearer " + state.key, Accept: "application/json" },
    signal: signal
  }).then(readBody);
}

/** POST `body` as JSON to a route of the API with the operator key; resolves to the reply. */
export function post(path, body) {
  return fetch(new URL(path, document.baseURI), {
    method: "POST",
    headers: {
      Authorization: "Bearer " + state.key,
      Accept: "application/json",
      "Content-Type": "application/json"
    },
    body: JSON.stringify(body)
  }).then(readBody);
}

function readBody(response) {
  return response.json().then(
    function (body) {
      if (response.ok) return body;
      throw new ApiError(response.status, (body && body.detail) || response.statusText);
    },
    function () {
      throw new ApiError(response.status, response.statusText);
    }
  );
}

/** What to tell the operator about a failed call; a rejected key signs the panel out. */
export function explain(error, notFound) {
  if (error instanceof ApiError) {
    if (error.status === 401) return t("keyWrong");
    if (error.status === 403) return t("keyNotOperator");
    if (error.status === 404 && notFound) return notFound;
    return t("failed", { detail: error.detail });
  }
  return t("offline");
}

function keyRejected(error) {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

var onKeyRejected = function () {};

/** What to do when the server stops accepting the key: sign out, set by the entry module. */
export function whenKeyRejected(handler) {
  onKeyRejected = handler;
}

/** After a failed call: if the server refused the key, sign out saying why; true if it did. */
export function signOutIfRejected(error) {
  if (!keyRejected(error)) return false;
  onKeyRejected(error.status === 401 ? t("keyExpired") : t("keyNotOperator"));
  return true;
}
