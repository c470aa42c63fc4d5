// The page frame: which view shows, the navigation and the release badge, links to units.
import { $, $$ } from "./dom.js";
import { t } from "./i18n.js";
import { api } from "./api.js";
import { editor, state } from "./state.js";

const VIEWS = ["signin", "units", "edit", "snippets", "snippet", "consistency", "insights", "publish"];

export function showView(name, { focus = false } = {}) {
  for (const view of VIEWS) $(`#view-${view}`).hidden = view !== name;
  const navName = name === "edit" && editor.isNew ? "new" : name === "snippet" ? "snippets" : name;
  for (const link of $$("#nav a")) {
    if (link.dataset.view === navName) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (focus) {
    const heading = $(`#view-${name} h1`);
    heading.tabIndex = -1;
    heading.focus();
  }
}

export function showChrome(signedIn) {
  $("#nav").hidden = !signedIn;
  $("#who").hidden = !signedIn;
}

export async function refreshRelease() {
  const result = await api("GET", "/api/v1/releases/current");
  state.currentRelease = result.ok ? result.data.kb_version : null;
  $("#release-badge").textContent =
    state.currentRelease === null ? t("noRelease") : t("release", { n: state.currentRelease });
}

export function unitHref(id, locale) {
  return `#/edit/${encodeURIComponent(locale)}/${encodeURIComponent(id)}`;
}
