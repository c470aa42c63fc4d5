// Signing in with a key and out again (which forgets the key and unsaved edits of this tab).
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { api, problemText } from "./api.js";
import { KEY_STORE, ROLE_STORE, state } from "./state.js";
import { refreshRelease, showChrome, showView } from "./views.js";
import { leaveEditor } from "./edit.js";
import { setRole } from "./publish.js";
import { route } from "./router.js";

export async function signIn(key) {
  state.key = key;
  const result = await api("GET", "/api/v1/releases");
  if (!result.ok) {
    state.key = "";
    const message =
      result.status === 401 ? t("keyRejected") : result.status === 403 ? t("keyTooLow") : problemText(result);
    $("#signin-error").textContent = message;
    return;
  }
  state.releases = result.data;
  sessionStorage.setItem(KEY_STORE, key);
  setRole("");
  refreshRelease();
  $("#signin-error").textContent = "";
  $("#key-input").value = "";
  if (!location.hash || location.hash === "#/signin") location.hash = "#/units";
  else route();
}

export function signOut(message = "") {
  state.key = "";
  sessionStorage.removeItem(KEY_STORE);
  sessionStorage.removeItem(ROLE_STORE);
  // Whoever signs in next in this tab does not get these edits.
  for (let i = sessionStorage.length - 1; i >= 0; i--) {
    const name = sessionStorage.key(i);
    if (name && name.startsWith("kb-editor-unsaved:")) sessionStorage.removeItem(name);
  }
  state.role = "";
  leaveEditor();
  showChrome(false);
  showView("signin");
  $("#signin-error").textContent = message;
  $("#key-input").focus();
}
