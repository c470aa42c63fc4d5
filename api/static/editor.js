// The editor page's entry module: wires the page's controls to the modules in editor/, then starts.
/*
 * Plain JavaScript modules, no build step and no libraries. Everything the page shows comes from
 * the JSON API, called with the key the editor signs in with (kept in sessionStorage, this tab
 * only). Text is always inserted with textContent; the only HTML inserted as HTML is the web and
 * operator renderings the server produced (safe HTML by contract).
 */
import { $ } from "./editor/dom.js";
import { translatePage } from "./editor/i18n.js";
import { whenKeyExpired } from "./editor/api.js";
import { state } from "./editor/state.js";
import { refreshRelease } from "./editor/views.js";
import { route } from "./editor/router.js";
import { signIn, signOut } from "./editor/session.js";
import { loadOverview, refilterUnits } from "./editor/units.js";
import { onEdited, toggleSourceMode } from "./editor/edit.js";
import { keepTheirs, overwriteTheirs, save } from "./editor/save.js";
import { showDiff, showRevisions } from "./editor/history.js";
import { createSnippet, renderSnippets } from "./editor/snippets.js";
import { cancelRollback, confirmPublish, doRollback, reviewPublish, setRole } from "./editor/publish.js";
import { loadInsights } from "./editor/insights.js";

function wire() {
  $("#signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("#key-input").value.trim();
    if (key) signIn(key);
  });
  $("#sign-out").addEventListener("click", () => signOut());

  $("#filters").addEventListener("submit", (event) => event.preventDefault());
  for (const id of ["#f-locale", "#f-category", "#f-status"]) $(id).addEventListener("change", () => loadOverview());
  $("#f-text").addEventListener("input", refilterUnits);

  $("#unit-form").addEventListener("input", onEdited);
  $("#unit-form").addEventListener("change", onEdited);
  $("#unit-form").addEventListener("submit", (event) => event.preventDefault());
  $("#u-body").addEventListener("input", onEdited);
  $("#u-source").addEventListener("input", onEdited);
  $("#mode-toggle").addEventListener("click", toggleSourceMode);
  $("#save").addEventListener("click", save);
  $("#save-message").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      save();
    }
  });
  $("#view-edit").addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      save();
    }
  });
  $("#conflict-theirs-keep").addEventListener("click", keepTheirs);
  $("#conflict-overwrite").addEventListener("click", overwriteTheirs);
  $("#show-history").addEventListener("click", showRevisions);
  $("#diff-published").addEventListener("click", () => showDiff());

  $("#snippet-filters").addEventListener("submit", (event) => event.preventDefault());
  $("#s-locale").addEventListener("change", renderSnippets);
  $("#s-text").addEventListener("input", renderSnippets);
  $("#snippet-new").addEventListener("submit", createSnippet);

  $("#insights-filters").addEventListener("submit", (event) => event.preventDefault());
  for (const id of ["#i-since", "#i-channel", "#i-locale"]) $(id).addEventListener("change", () => loadInsights());

  $("#publish-form").addEventListener("submit", reviewPublish);
  $("#publish-confirm").addEventListener("click", confirmPublish);
  $("#publish-cancel").addEventListener("click", () => {
    $("#publish-summary").hidden = true;
    $("#publish-review").focus();
  });
  $("#rollback-go").addEventListener("click", doRollback);
  $("#rollback-cancel").addEventListener("click", cancelRollback);

  window.addEventListener("hashchange", route);
}

function start() {
  whenKeyExpired(signOut);
  translatePage();
  wire();
  if (state.key) {
    setRole(state.role);
    refreshRelease();
  }
  route();
}

start();
