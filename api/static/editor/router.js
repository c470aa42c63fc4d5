// The address after # decides the view: units, a unit, a new unit, snippets, a snippet,
// consistency, insights or publishing.
import { $ } from "./dom.js";
import { LANG } from "./i18n.js";
import { state } from "./state.js";
import { showChrome, showView } from "./views.js";
import { showUnits } from "./units.js";
import { leaveEditor, openNewUnit, openUnit } from "./edit.js";
import { showSnippets } from "./snippets.js";
import { showConsistency } from "./consistency.js";
import { showInsights } from "./insights.js";
import { showPublish } from "./publish.js";
import { showSnippetPage } from "./review.js";

let firstRoute = true;

export function route() {
  const focus = !firstRoute;
  firstRoute = false;
  updateLanguageLinks();
  if (!state.key) {
    showChrome(false);
    showView("signin");
    return;
  }
  showChrome(true);
  let parts;
  try {
    parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  } catch {
    parts = ["units"]; // a hand-made address that is not valid percent-encoding
  }
  if (parts[0] !== "edit" && parts[0] !== "new") leaveEditor();
  switch (parts[0]) {
    case "edit":
      openUnit(parts[2], parts[1], focus);
      break;
    case "new":
      openNewUnit(focus);
      break;
    case "snippets":
      showSnippets(focus);
      break;
    case "snippet":
      showSnippetPage(parts[2], parts[1], focus);
      break;
    case "consistency":
      showConsistency(focus);
      break;
    case "insights":
      showInsights(focus);
      break;
    case "publish":
      showPublish(focus);
      break;
    default:
      showUnits(focus);
  }
}

function updateLanguageLinks() {
  for (const lang of ["en", "ru"]) {
    const link = $(`#lang-${lang}`);
    link.href = `?lang=${lang}${location.hash}`;
    if (lang === LANG) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
}
