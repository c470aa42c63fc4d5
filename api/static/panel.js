// The operator panel's entry module: wires the panel's controls to the modules in panel/, then starts.
/*
 * Plain JavaScript modules, no libraries, no build step. Untrusted text goes in with textContent;
 * the only HTML inserted as HTML is what the server renders as safe HTML (search snippets with
 * <mark>, rendered unit bodies). Who may send the panel messages: see panel/host.js.
 */
import { el, framed, show, state } from "./panel/page.js";
import { applyLanguage } from "./panel/i18n.js";
import { storedKey, whenKeyRejected } from "./panel/api.js";
import { signIn, signOut, startSearching } from "./panel/session.js";
import { backToResults, onSearchKey, runSearch, scheduleSearch, searchNow } from "./panel/search.js";
import { copyAnswer, onBodyClick } from "./panel/answer.js";
import { onMessage, requestContext } from "./panel/host.js";
import { loadTold } from "./panel/told.js";

var ORIGINS_SLOT = "__KB_PANEL_ORIGINS__";

function start() {
  var meta = document.querySelector('meta[name="kb-trusted-origins"]');
  if (meta && meta.getAttribute("content") === ORIGINS_SLOT) {
    // Opened as a raw static file: go to /panel, which sets who may frame it.
    location.replace(new URL("../panel" + location.search, location.href).href);
    return;
  }
  whenKeyRejected(signOut);
  applyLanguage();
  window.addEventListener("message", onMessage);
  el.signInForm.addEventListener("submit", signIn);
  el.signOut.addEventListener("click", function () {
    signOut("");
  });
  el.searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    runSearch(el.q.value);
  });
  el.q.addEventListener("input", scheduleSearch);
  el.q.addEventListener("keydown", onSearchKey);
  el.suggestionButton.addEventListener("click", function () {
    searchNow(el.suggestionButton.textContent);
    el.q.focus();
  });
  el.fromConversation.addEventListener("click", requestContext);
  el.back.addEventListener("click", backToResults);
  el.toldRefresh.addEventListener("click", loadTold);
  el.copy.addEventListener("click", copyAnswer);
  el.unitBody.addEventListener("click", onBodyClick);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !el.unitView.hidden) {
      event.preventDefault();
      backToResults();
    }
  });

  state.key = storedKey();
  if (state.key) startSearching(!framed);
  else {
    show("sign-in");
    if (!framed) el.key.focus(); // a framed panel does not take focus from the conversation
  }
  requestContext();
}

start();
