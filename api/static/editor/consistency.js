// The consistency view: duplicates (merge into the suggested unit), contradictions (both units,
// sources, values and sentences) and repeated values (make a snippet), read from the drafts.
import { $, h, say } from "./dom.js";
import { t } from "./i18n.js";
import { api, problemText } from "./api.js";
import { showView, unitHref } from "./views.js";

const REPORT = "/api/v1/consistency?drafts=true";

/** The report last loaded, and each unit it names by "id:locale" (title, revision, source). */
const shown = { report: null, units: new Map() };

const unitKey = (id, locale) => `${id}:${locale}`;

export async function showConsistency(focus) {
  showView("consistency", { focus });
  await loadReport();
}

async function loadReport(after = "") {
  const summary = $("#consistency-summary");
  summary.textContent = t("loading");
  const result = await api("GET", REPORT);
  if (!result.ok) {
    summary.textContent = t("failed", { detail: problemText(result) });
    return;
  }
  shown.report = result.data;
  shown.units = new Map(result.data.units.map((u) => [unitKey(u.unit_id, u.locale), u]));
  const { duplicates, contradictions, repeated_values: repeated } = result.data;
  $("#duplicates").replaceChildren(...duplicates.map(duplicateItem));
  $("#contradictions").replaceChildren(...contradictions.map(contradictionItem));
  $("#repeated").replaceChildren(...repeated.map(repeatedItem));
  for (const [list, items] of [
    ["#duplicates", duplicates],
    ["#contradictions", contradictions],
    ["#repeated", repeated],
  ]) {
    if (!items.length) $(list).replaceChildren(h("li", { class: "muted" }, t("consistencyNone")));
  }
  const counts = t("consistencyCounts", {
    duplicates: duplicates.length,
    contradictions: contradictions.length,
    repeated: repeated.length,
  });
  summary.textContent = after ? `${after} ${counts}` : counts;
}

function titleOf(id, locale) {
  const unit = shown.units.get(unitKey(id, locale));
  return unit ? unit.title : id;
}

function unitLink(id, locale) {
  return h(
    "a",
    { href: unitHref(id, locale), lang: locale },
    titleOf(id, locale),
    " ",
    h("span", { class: "muted small" }, `(${id})`)
  );
}

function sourceTag(id, locale) {
  const unit = shown.units.get(unitKey(id, locale));
  return h("span", { class: "tag" }, unit ? unit.source : "kb");
}

/** The revision the report saw of each unit, for the action to send back (as If-Match). */
function revisions(ids, locale) {
  return Object.fromEntries(ids.map((id) => [id, shown.units.get(unitKey(id, locale))?.revision ?? 0]));
}

function duplicateItem(group, index) {
  const selectId = `keep-${index}`;
  const select = h(
    "select",
    { id: selectId },
    group.units.map((id) =>
      h(
        "option",
        { value: id, selected: id === group.keep, lang: group.locale },
        `${titleOf(id, group.locale)} (${id})`
      )
    )
  );
  const status = h("p", { class: "row-status small", role: "status" });
  const button = h(
    "button",
    { type: "button", class: "primary" },
    t("mergeInto", { keep: group.keep })
  );
  select.addEventListener("change", () => {
    button.textContent = t("mergeInto", { keep: select.value });
  });
  button.addEventListener("click", () => merge(group, select.value, button, status));
  return h(
    "li",
    { class: "finding-card", "data-duplicate": group.units.join(" ") },
    h(
      "ul",
      { class: "unit-list" },
      group.units.map((id) =>
        h(
          "li",
          {},
          unitLink(id, group.locale),
          " ",
          sourceTag(id, group.locale),
          id === group.keep ? [" ", h("span", { class: "tag tag-ok" }, t("keepTag"))] : null
        )
      )
    ),
    h("p", { class: "muted small" }, `${group.locale} · ${group.reason}`),
    h(
      "div",
      { class: "filters" },
      h("div", { class: "field" }, h("label", { for: selectId }, t("keepLabel")), select),
      button
    ),
    status
  );
}

async function merge(group, keep, button, status) {
  const others = group.units.filter((id) => id !== keep);
  button.disabled = true;
  const result = await api("POST", "/api/v1/consistency/merge", {
    body: {
      locale: group.locale,
      keep,
      others,
      revisions: revisions(group.units, group.locale),
      message: t("mergeMessage", { keep }),
    },
  });
  button.disabled = false;
  if (!result.ok) {
    refused(result, status);
    return;
  }
  const text = t("merged", { keep, others: others.join(", "), n: result.data.revision });
  say(text);
  await loadReport(text);
}

/** Say why an action was refused; when a unit changed since the report, load it again. */
function refused(result, status) {
  const stale = result.status === 409;
  const text = t(stale ? "consistencyStale" : "failed", { detail: problemText(result) });
  status.textContent = text;
  say(text);
  if (stale) loadReport(text);
}

function mentionRow(label, mention) {
  return h(
    "tr",
    {},
    h("th", { scope: "row" }, label),
    h("td", {}, unitLink(mention.unit_id, mention.locale)),
    h("td", {}, h("span", { class: "tag" }, mention.source)),
    h("td", {}, h("strong", { class: "fact-value" }, mention.value)),
    h("td", {}, h("q", { lang: mention.locale }, mention.sentence))
  );
}

function contradictionItem(found) {
  const caption = t("contradictionCaption", { kind: t(`kind_${found.kind}`), locale: found.locale });
  return h(
    "li",
    { class: "finding-card" },
    h(
      "table",
      { class: "contradiction" },
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("td", {}),
          h("th", { scope: "col" }, t("colUnit")),
          h("th", { scope: "col" }, t("colSource")),
          h("th", { scope: "col" }, t("colValue")),
          h("th", { scope: "col" }, t("colSentence"))
        )
      ),
      h("tbody", {}, mentionRow(t("first"), found.first), mentionRow(t("second"), found.second))
    )
  );
}

function repeatedItem(repeated, index) {
  const inputId = `snippet-name-${index}`;
  const input = h("input", {
    id: inputId,
    value: repeated.snippet,
    autocomplete: "off",
    spellcheck: "false",
    pattern: "[a-z][a-z0-9_]*",
    required: true,
  });
  const status = h("p", { class: "row-status small", role: "status" });
  // A snippet holding the value exists already: the units are to use it (its name is kept).
  const button = h(
    "button",
    { type: "button", class: "primary" },
    t(repeated.snippet_exists ? "useSnippet" : "makeSnippet")
  );
  button.addEventListener("click", () => makeSnippet(repeated, input, button, status));
  return h(
    "li",
    { class: "finding-card", "data-repeated": repeated.value },
    h(
      "p",
      {},
      h("code", {}, repeated.value),
      " ",
      h("span", { class: "muted small" }, `${t(`kind_${repeated.kind}`)} · ${repeated.locale}`)
    ),
    h(
      "ul",
      { class: "unit-list", "aria-label": t("repeatedIn", { value: repeated.value }) },
      repeated.units.map((id) => h("li", {}, unitLink(id, repeated.locale)))
    ),
    h(
      "div",
      { class: "filters" },
      h(
        "div",
        { class: "field" },
        h("label", { for: inputId }, t("snippetNameFor", { value: repeated.value })),
        input
      ),
      button
    ),
    status
  );
}

async function makeSnippet(repeated, input, button, status) {
  const name = input.value.trim();
  button.disabled = true;
  const result = await api("POST", "/api/v1/consistency/snippets", {
    body: {
      locale: repeated.locale,
      name,
      value: repeated.value,
      units: repeated.units,
      revisions: revisions(repeated.units, repeated.locale),
    },
  });
  button.disabled = false;
  if (!result.ok) {
    refused(result, status);
    return;
  }
  const text = t("snippetMade", { name, value: repeated.value, n: result.data.units.length });
  say(text);
  await loadReport(text);
}
