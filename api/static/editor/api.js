// The JSON API client: calls with the signed-in key, what a problem response says, API paths.
import { t } from "./i18n.js";
import { editor, state } from "./state.js";

let keyExpired = () => {};

/** Where the app is served: this module is ROOT/static/editor/api.js, under a proxy's prefix too. */
const ROOT = new URL("../../", import.meta.url);

/** What to do when the server stops accepting the signed-in key: sign out, set by the entry. */
export function whenKeyExpired(handler) {
  keyExpired = handler;
}

/** Call the API with the signed-in key; resolves to {ok, status, data, etag, problem}. */
export async function api(method, path, { body, etag, blob = false } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (state.key) headers.Authorization = `Bearer ${state.key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-Match"] = etag;
  let response;
  try {
    response = await fetch(new URL(path.replace(/^\//, ""), ROOT), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (error) {
    const detail = String(error && error.message ? error.message : error);
    return { ok: false, status: 0, data: null, problem: { detail: t("unreachable", { detail }) } };
  }
  const result = { ok: response.ok, status: response.status, data: null, etag: response.headers.get("ETag") };
  const type = response.headers.get("Content-Type") || "";
  if (blob && response.ok) {
    result.data = await response.blob();
  } else if (type.includes("json")) {
    try {
      result.data = await response.json();
    } catch {
      result.data = null;
    }
  }
  if (!response.ok) result.problem = result.data || { detail: `${response.status} ${response.statusText}` };
  if (response.status === 401 && state.key) {
    keyExpired(t("keyExpired"));
  }
  return result;
}

/** One line saying what a problem response reported (detail plus its errors). */
export function problemText(result) {
  const problem = result.problem || {};
  const parts = [problem.detail || problem.title || String(result.status)];
  for (const error of problem.errors || []) {
    const message = error.message || error.msg;
    if (message && !parts[0].includes(message)) parts.push(describeError(error));
  }
  return parts.join(" ");
}

export function describeError(error) {
  const message = error.message || error.msg || "";
  if (error.line && error.field) return t("lineField", { line: error.line, field: error.field, message });
  if (error.line) return t("lineOnly", { line: error.line, message });
  if (error.field) return t("fieldOnly", { field: error.field, message });
  return message;
}

/** An API path for one draft unit (or snippet) in one locale, with more query `params`. */
export function draftPath(kind, name, locale, suffix = "", params = {}) {
  const query = new URLSearchParams({ locale, ...params });
  return `/api/v1/drafts/${kind}/${encodeURIComponent(name)}${suffix}?${query}`;
}

/** The API path of the unit being edited. */
export function unitPath(suffix = "", params = {}) {
  return draftPath("units", editor.unitId, editor.locale, suffix, params);
}
