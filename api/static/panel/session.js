// Signing in with an operator key (checked by an empty search) and out again.
import { el, show, state } from "./page.js";
import { t } from "./i18n.js";
import { api, explain, storeKey } from "./api.js";
import { cancelSearch, renderHits, searchNow } from "./search.js";
import { clearTold, loadTold } from "./told.js";

export function signIn(event) {
  event.preventDefault();
  var key = el.key.value.trim();
  if (!key) {
    el.keyError.textContent = t("keyMissing");
    el.key.setAttribute("aria-invalid", "true");
    el.key.focus();
    return;
  }
  state.key = key;
  el.signInButton.disabled = true;
  el.keyError.textContent = "";
  el.key.setAttribute("aria-busy", "true");
  // An empty search proves the key may use the operator channel without searching anything.
  api("api/v1/search", { q: "", channel: "operator", limit: 1 })
    .then(function () {
      storeKey(key);
      el.key.value = "";
      el.key.removeAttribute("aria-invalid");
      startSearching(true);
    })
    .catch(function (error) {
      state.key = null;
      el.keyError.textContent = explain(error);
      el.key.setAttribute("aria-invalid", "true");
      el.key.focus();
      el.key.select();
    })
    .then(function () {
      el.signInButton.disabled = false;
      el.key.removeAttribute("aria-busy");
    });
}

/** Forget the key (sign out, or the server stopped accepting it) and ask for one again. */
export function signOut(message) {
  state.key = null;
  storeKey(null);
  cancelSearch();
  state.hits = [];
  state.pending = null;
  el.q.value = "";
  renderHits(null, "");
  el.unitBody.replaceChildren();
  el.unitFlag.replaceChildren();
  clearTold();
  state.copyText = "";
  show("sign-in");
  el.keyError.textContent = message || "";
  el.key.focus();
}

export function startSearching(focus) {
  show("search");
  loadTold();
  if (state.pending) {
    var query = state.pending;
    var note = state.pendingNote;
    state.pending = null;
    state.pendingNote = null;
    searchNow(query, note);
  }
  if (focus) el.q.focus();
}
