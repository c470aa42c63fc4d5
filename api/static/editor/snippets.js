// The snippets view: shared values, where each is used, saving one with If-Match, a new one.
import { $, fillSelect, h, say } from "./dom.js";
import { t } from "./i18n.js";
import { api, draftPath, problemText } from "./api.js";
import { state } from "./state.js";
import { showView, unitHref } from "./views.js";
import { snippetHref } from "./review.js";

export async function showSnippets(focus) {
  showView("snippets", { focus });
  const result = await api("GET", "/api/v1/drafts/snippets");
  if (!result.ok) {
    say(t("failed", { detail: problemText(result) }));
    return;
  }
  state.snippets = result.data;
  fillSelect($("#s-locale"), [...new Set(state.snippets.map((s) => s.locale))].sort());
  renderSnippets();
}

export function renderSnippets() {
  const locale = $("#s-locale").value;
  const needle = $("#s-text").value.trim().toLowerCase();
  const rows = state.snippets.filter(
    (s) =>
      (!locale || s.locale === locale) &&
      (!needle || `${s.name} ${s.value} ${(s.used_by || []).join(" ")}`.toLowerCase().includes(needle))
  );
  $("#snippets-table tbody").replaceChildren(...rows.map(snippetRow));
}

function snippetRow(snippet) {
  const id = `sv-${snippet.name}-${snippet.locale}`;
  const multiline = snippet.type === "markdown" || snippet.value.includes("\n");
  const input = multiline
    ? h("textarea", { id, rows: 3 }, snippet.value)
    : h("input", { id, value: snippet.value, autocomplete: "off" });
  const status = h("span", { class: "row-status muted small" });
  const button = h(
    "button",
    { type: "button", "aria-label": t("snippetSaveLabel", { name: snippet.name, locale: snippet.locale }) },
    t("snippetSave")
  );
  button.addEventListener("click", () => saveSnippet(snippet, input, button, status));
  const used = snippet.used_by || [];
  return h(
    "tr",
    { "data-snippet": `${snippet.name}:${snippet.locale}` },
    h(
      "th",
      { scope: "row" },
      h(
        "a",
        {
          href: snippetHref(snippet.name, snippet.locale),
          "aria-label": t("snippetOpenLabel", { name: snippet.name, locale: snippet.locale }),
        },
        h("code", {}, snippet.name)
      ),
      snippet.archived ? [" ", h("span", { class: "tag tag-archived" }, t("badgeArchived"))] : null
    ),
    h("td", {}, snippet.locale),
    h("td", {}, snippet.type),
    h(
      "td",
      { class: "value-cell" },
      h(
        "label",
        { for: id, class: "visually-hidden" },
        t("snippetValueLabel", { name: snippet.name, locale: snippet.locale })
      ),
      input,
      " ",
      button,
      " ",
      status
    ),
    h(
      "td",
      {},
      used.length
        ? h(
            "ul",
            { class: "used-by" },
            used.map((unitId) => h("li", {}, h("a", { href: unitHref(unitId, snippet.locale) }, unitId)))
          )
        : h("span", { class: "muted" }, t("snippetUnused"))
    )
  );
}

async function saveSnippet(snippet, input, button, status) {
  const path = draftPath("snippets", snippet.name, snippet.locale);
  const report = (text) => {
    status.textContent = text;
    say(text);
  };
  // Someone else saved since this list was loaded: say what is there now; the row takes
  // their revision, so saving again replaces it knowingly.
  const conflict = (current) => {
    snippet.revision = current.revision;
    report(
      t("snippetConflict", {
        name: snippet.name,
        locale: snippet.locale,
        author: current.author,
        value: current.value,
      })
    );
  };
  button.disabled = true;
  try {
    // Read it again: its ETag is what the change must name.
    const current = await api("GET", path);
    if (!current.ok) {
      report(t("failed", { detail: problemText(current) }));
      return;
    }
    if (current.data.revision !== snippet.revision) {
      conflict(current.data);
      return;
    }
    const result = await api("PUT", path, {
      body: { type: snippet.type, value: input.value, message: "" },
      etag: current.etag,
    });
    if (result.ok) {
      snippet.revision = result.data.revision;
      snippet.value = result.data.value;
      report(t("snippetSaved", { name: snippet.name, locale: snippet.locale, n: result.data.revision }));
    } else if (result.status === 412) {
      const again = await api("GET", path);
      if (again.ok) conflict(again.data);
      else report(t("failed", { detail: problemText(again) }));
    } else {
      report(t("failed", { detail: problemText(result) }));
    }
  } finally {
    button.disabled = false;
  }
}

export async function createSnippet(event) {
  event.preventDefault();
  const body = {
    name: $("#sn-name").value.trim(),
    locale: $("#sn-locale").value.trim(),
    type: $("#sn-type").value,
    value: $("#sn-value").value,
    message: "",
  };
  const result = await api("POST", "/api/v1/drafts/snippets", { body });
  const status = $("#snippet-new-status");
  if (!result.ok) {
    status.textContent = t("failed", { detail: problemText(result) });
    return;
  }
  status.textContent = t("snippetCreated", { name: body.name, locale: body.locale });
  $("#snippet-new").reset();
  await showSnippets(false);
}
