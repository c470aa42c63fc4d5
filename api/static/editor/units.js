// The list of units: filters, the table and each unit's status badges.
import { $, fillSelect, h } from "./dom.js";
import { formatDate, t } from "./i18n.js";
import { api, problemText } from "./api.js";
import { state } from "./state.js";
import { refreshRelease, showView, unitHref } from "./views.js";

export async function showUnits(focus) {
  showView("units", { focus });
  refreshRelease();
  await loadOverview({ everything: true });
}

function fillDatalist(list, values) {
  list.replaceChildren(...values.map((v) => h("option", { value: v })));
}

/** The list as filtered; with `everything`, also the whole list again (for the filters'
 * choices), as on entering the view. */
export async function loadOverview({ everything = false } = {}) {
  const params = new URLSearchParams();
  for (const [name, id] of [
    ["locale", "#f-locale"],
    ["category", "#f-category"],
    ["status", "#f-status"],
  ]) {
    if ($(id).value) params.set(name, $(id).value);
  }
  $("#units-count").textContent = t("loading");
  const filtered = params.toString() !== "";
  const [all, rows, lapsed] = await Promise.all([
    // The unfiltered list names every locale and category for the filters.
    everything || !state.overview.length ? api("GET", "/api/v1/drafts/overview") : null,
    filtered ? api("GET", `/api/v1/drafts/overview?${params}`) : null,
    api("GET", "/api/v1/verification/unverified"),
  ]);
  // Units whose owner has not verified them in time (issue 18): a badge, not a failure.
  unverified = new Set(lapsed.ok ? lapsed.data.map((v) => `${v.locale}/${v.unit_id}`) : []);
  if (all && all.ok) state.overview = all.data;
  const shown = filtered ? rows : all || { ok: true, data: state.overview };
  if (!shown.ok) {
    $("#units-count").textContent = t("failed", { detail: problemText(shown) });
    return;
  }
  const locales = [...new Set(state.overview.map((u) => u.locale))].sort();
  const categories = [...new Set(state.overview.map((u) => u.category).filter(Boolean))].sort();
  fillSelect($("#f-locale"), locales);
  fillSelect($("#f-category"), categories);
  fillDatalist($("#locales-list"), locales);
  fillDatalist($("#categories-list"), categories);
  renderUnits(shown.data);
}

let shownUnits = [];
let unverified = new Set();

/** The list shown again, as the text filter now finds it. */
export function refilterUnits() {
  renderUnits(shownUnits);
}

export function renderUnits(rows) {
  shownUnits = rows;
  const needle = $("#f-text").value.trim().toLowerCase();
  const visible = needle
    ? rows.filter((u) => `${u.title} ${u.unit_id} ${u.category || ""}`.toLowerCase().includes(needle))
    : rows;
  const body = $("#units-table tbody");
  body.replaceChildren(
    ...visible.map((u) =>
      h(
        "tr",
        {},
        h("td", {}, h("a", { href: unitHref(u.unit_id, u.locale) }, u.title)),
        h("td", {}, h("code", {}, u.unit_id)),
        h("td", {}, u.locale),
        h("td", {}, u.category || ""),
        h(
          "td",
          {},
          u.published_revision
            ? t("revisionOf", { draft: u.revision, published: u.published_revision })
            : t("revisionDraftOnly", { draft: u.revision })
        ),
        h("td", {}, statusBadges(u)),
        h("td", {}, t("byOn", { author: u.author, date: formatDate(u.updated_at) }))
      )
    )
  );
  $("#units-count").textContent = t("unitsCount", { shown: visible.length, n: state.overview.length });
}

function statusBadges(u) {
  const badges = [];
  if (u.archived) badges.push(["archived", t("badgeArchived")]);
  if (!u.published) badges.push(["new", t("badgeNew")]);
  else if (u.changed) badges.push(["changed", t("badgeChanged")]);
  if (u.stale) badges.push(["stale", t("badgeStale")]);
  if (unverified.has(`${u.locale}/${u.unit_id}`)) badges.push(["warning", t("badgeUnverified")]);
  if (u.errors) badges.push(["error", t("nErrors", { n: u.errors })]);
  if (u.warnings) badges.push(["warning", t("nWarnings", { n: u.warnings })]);
  if (!badges.length) badges.push(["ok", t("badgeOk")]);
  return h("span", { class: "badges" }, badges.map(([kind, text]) => h("span", { class: `tag tag-${kind}` }, text)));
}
