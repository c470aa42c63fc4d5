// Saving a unit: create or update with If-Match, and a conflict shown side by side to resolve.
import { $, h, say } from "./dom.js";
import { formatDate, t } from "./i18n.js";
import { api, problemText, unitPath } from "./api.js";
import { editor, state } from "./state.js";
import { unitHref } from "./views.js";
import { composeSource, currentSource, formFields, keepFrontMatter, setSourceMode } from "./form.js";
import { forgetUnsaved, loadDraft, showDraftMeta } from "./edit.js";
import { showParseErrors } from "./preview.js";
import { showDiff, showRevisions } from "./history.js";

export async function save() {
  if ($("#save").disabled) return;
  const source = currentSource();
  const message = $("#save-message").value.trim();
  $("#save").disabled = true;
  say(t("saving"), $("#save-status"));
  try {
    if (editor.isNew) await createUnit(source, message);
    else await updateUnit(source, message, editor.etag);
  } finally {
    $("#save").disabled = false;
  }
}

async function createUnit(source, message) {
  const result = await api("POST", "/api/v1/drafts/units", { body: { source, message } });
  if (result.ok) {
    const draft = result.data;
    state.overview = [];
    editor.isNew = false;
    say(t("created", { id: draft.unit_id, locale: draft.locale }));
    location.hash = unitHref(draft.unit_id, draft.locale);
    return;
  }
  if (result.status === 409) say(t("exists"), $("#save-status"));
  else failSave(result);
}

async function updateUnit(source, message, etag) {
  const token = editor.token;
  const path = unitPath();
  const result = await api("PUT", path, { body: { source, message }, etag });
  if (token !== editor.token) return;
  if (result.ok) {
    const draft = result.data;
    editor.etag = result.etag;
    editor.revision = draft.revision;
    editor.loadedSource = source;
    // The saved front matter is kept as written from now on, if it is what the form shows.
    if (!editor.sourceMode && source === currentSource()) keepFrontMatter(source);
    forgetUnsaved();
    $("#conflict").hidden = true;
    $("#save-message").value = "";
    $("#edit-h").textContent = draft.title;
    showDraftMeta(draft);
    say(
      draft.outcome === "unchanged" ? t("savedUnchanged", { n: draft.revision }) : t("saved", { n: draft.revision }),
      $("#save-status")
    );
    state.overview = [];
    if (!$("#revisions").hidden) await showRevisions();
    if (!$("#diff-view").hidden) await showDiff();
    return;
  }
  if (result.status === 412) {
    await showConflict(source);
    return;
  }
  failSave(result);
}

function failSave(result) {
  if (result.status === 422 && result.problem && result.problem.errors) showParseErrors(result.problem.errors);
  say(t("saveFailed", { detail: problemText(result) }), $("#save-status"));
}

/** Which lines of `a` and of `b` are outside their longest common subsequence. */
function changedLines(a, b) {
  const changedA = a.map(() => true);
  const changedB = b.map(() => true);
  if (a.length * b.length > 4_000_000) return [changedA, changedB];
  const table = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      changedA[i++] = false;
      changedB[j++] = false;
    } else if (table[i + 1][j] >= table[i][j + 1]) i++;
    else j++;
  }
  return [changedA, changedB];
}

/** Two texts in two <pre>s, the lines only one of them has marked. */
function showSideBySide(preA, textA, preB, textB) {
  const a = textA.replace(/\n$/, "").split("\n");
  const b = textB.replace(/\n$/, "").split("\n");
  const [changedA, changedB] = changedLines(a, b);
  const lines = (all, changed) =>
    all.map((line, i) => h("span", { class: changed[i] ? "src-line src-changed" : "src-line" }, `${line}\n`));
  preA.replaceChildren(...lines(a, changedA));
  preB.replaceChildren(...lines(b, changedB));
}

/** Someone saved in between: show both versions side by side and let the editor choose. */
async function showConflict(mine) {
  const path = unitPath();
  const result = await api("GET", path);
  if (!result.ok) {
    failSave(result);
    return;
  }
  const theirs = result.data;
  editor.theirs = { draft: theirs, etag: result.etag, mine };
  $("#conflict-meta").textContent = t("conflictMeta", {
    revision: theirs.revision,
    author: theirs.author,
    date: formatDate(theirs.updated_at),
  });
  // Both sides written the same way, so that only what differs is marked.
  const mineText = editor.sourceMode ? mine : composeSource(formFields(), $("#u-body").value, { verbatim: false });
  const theirsText = theirs.fields
    ? composeSource(theirs.fields, theirs.body, { verbatim: false, carryFrom: theirs.source })
    : theirs.source;
  showSideBySide($("#conflict-mine"), mineText, $("#conflict-theirs"), theirsText);
  $("#conflict-theirs-h").textContent = t("conflictTheirsRev", { n: theirs.revision });
  $("#save-status").textContent = t("conflictTitle");
  const box = $("#conflict");
  box.hidden = false;
  box.focus();
}

export async function keepTheirs() {
  const { draft, etag } = editor.theirs;
  editor.theirs = null;
  $("#conflict").hidden = true;
  setSourceMode(false);
  forgetUnsaved();
  await loadDraft(draft, etag);
  say(t("keptTheirs", { n: draft.revision }), $("#save-status"));
  $("#u-body").focus();
}

export async function overwriteTheirs() {
  const { etag, mine } = editor.theirs;
  $("#conflict-overwrite").disabled = true;
  try {
    await updateUnit(mine, $("#save-message").value.trim(), etag);
  } finally {
    $("#conflict-overwrite").disabled = false;
  }
  if ($("#conflict").hidden) $("#save").focus();
}
