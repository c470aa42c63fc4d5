// The edit view: opening a unit or a new one, edits kept unsaved in this tab, form or source mode.
import { $, debounce, say } from "./dom.js";
import { LANG, formatDate, t } from "./i18n.js";
import { api, draftPath, problemText } from "./api.js";
import { CHANNELS, editor } from "./state.js";
import { showView } from "./views.js";
import { composeSource, currentSource, fillForm, formFields, isDirty, keepFrontMatter, setSourceMode } from "./form.js";
import { runPreview } from "./preview.js";
import { hideFlags, showFlags } from "./flags.js";
import { hideVerification, showVerification } from "./verification.js";
import { hideReview, showUnitReview } from "./review.js";

// The preview follows the edits once typing pauses.
const schedulePreview = debounce(() => runPreview(), 300);

export function leaveEditor() {
  editor.token += 1;
  schedulePreview.cancel();
  $("#conflict").hidden = true;
}

function resetEditorPanels() {
  $("#conflict").hidden = true;
  hideFlags();
  hideVerification();
  hideReview();
  $("#parse-errors").hidden = true;
  $("#findings").replaceChildren();
  $("#findings-summary").textContent = "";
  $("#save-status").textContent = "";
  $("#save-message").value = "";
  $("#preview-note").textContent = "";
  $("#revisions").hidden = true;
  $("#revision-view").hidden = true;
  $("#diff-view").hidden = true;
  for (const channel of CHANNELS) {
    $(`#pv-${channel} .pv-body`).replaceChildren();
    $(`#pv-${channel} .pv-findings`).replaceChildren();
  }
  if (editor.audioUrl) URL.revokeObjectURL(editor.audioUrl);
  editor.audioUrl = null;
  editor.lastGood = null;
  editor.theirs = null;
  editor.keptFront = null;
  $(".previews").removeAttribute("aria-busy");
  setSourceMode(false);
}

export async function openUnit(unitId, locale, focus) {
  if (!unitId || !locale) {
    location.hash = "#/units";
    return;
  }
  leaveEditor();
  const token = editor.token;
  Object.assign(editor, { isNew: false, unitId, locale, etag: null, revision: 0 });
  resetEditorPanels();
  showView("edit", { focus });
  $("#edit-h").textContent = unitId;
  $("#edit-meta").textContent = t("loading");
  $("#save").textContent = t("saveDraft");
  const result = await api("GET", draftPath("units", unitId, locale));
  if (token !== editor.token) return;
  if (!result.ok) {
    $("#edit-meta").textContent = t("failed", { detail: problemText(result) });
    return;
  }
  await loadDraft(result.data, result.etag);
  showFlags();
  showVerification();
  if (focus) $("#edit-h").focus();
}

/** Put a stored draft (DraftOut) into the form, remember its ETag and preview it. */
export async function loadDraft(draft, etag) {
  const token = editor.token;
  editor.etag = etag;
  editor.revision = draft.revision;
  let fields = draft.fields;
  let body = draft.body;
  if (!fields || body === undefined) {
    // An older server sends only the source: let the preview parse it.
    const parsed = await api("POST", "/api/v1/drafts/preview", { body: { source: draft.source } });
    if (token !== editor.token) return;
    if (parsed.ok) ({ fields, body } = parsed.data);
  }
  $("#edit-h").textContent = draft.title;
  showDraftMeta(draft);
  $("#u-id").readOnly = true;
  $("#u-locale").readOnly = true;
  if (fields) {
    fillForm(fields, body);
    keepFrontMatter(draft.source);
  } else {
    $("#u-source").value = draft.source;
    setSourceMode(true);
  }
  editor.loadedSource = currentSource();
  if (restoreUnsaved()) say(t("restored"), $("#save-status"));
  runPreview();
}

export function showDraftMeta(draft) {
  const meta = t("editMeta", { revision: draft.revision, author: draft.author, date: formatDate(draft.updated_at) });
  $("#edit-meta").textContent = draft.archived ? `${meta} · ${t("editMetaArchived")}` : meta;
  showUnitReview(); // after loading and after each save: the newest revision's review
}

// Edits not saved yet are kept in this tab's sessionStorage, with the ETag they started
// from: leaving the unit or reloading the page loses nothing, and saving them after someone
// else saved is a conflict shown side by side like any other.

function unsavedKey() {
  return `kb-editor-unsaved:${editor.locale}/${editor.unitId}`;
}

function rememberUnsaved() {
  if (editor.isNew || !editor.unitId) return;
  if (!isDirty()) {
    sessionStorage.removeItem(unsavedKey());
    return;
  }
  const kept = {
    etag: editor.etag,
    sourceMode: editor.sourceMode,
    source: $("#u-source").value,
    fields: formFields(),
    body: $("#u-body").value,
    explicitChannels: editor.explicitChannels,
    keptFront: editor.keptFront,
  };
  try {
    sessionStorage.setItem(unsavedKey(), JSON.stringify(kept));
  } catch {
    // Storage full or refused: the edits still live in the page.
  }
}

export function forgetUnsaved() {
  if (editor.unitId) sessionStorage.removeItem(unsavedKey());
}

/** Put this unit's kept edits back into the form; true when there were any. */
function restoreUnsaved() {
  let kept = null;
  try {
    kept = JSON.parse(sessionStorage.getItem(unsavedKey()) || "null");
  } catch {
    kept = null;
  }
  if (!kept || !kept.fields) return false;
  fillForm(kept.fields, kept.body);
  editor.explicitChannels = Boolean(kept.explicitChannels);
  editor.keptFront = kept.keptFront || null;
  if (kept.sourceMode) {
    $("#u-source").value = kept.source;
    setSourceMode(true);
  }
  editor.etag = kept.etag;
  return isDirty();
}

export function openNewUnit(focus) {
  leaveEditor();
  Object.assign(editor, { isNew: true, unitId: "", locale: "", etag: null, revision: 0, loadedSource: "" });
  resetEditorPanels();
  showView("edit", { focus });
  $("#edit-h").textContent = t("newUnitTitle");
  $("#edit-meta").textContent = t("editMetaNew");
  $("#save").textContent = t("createUnit");
  $("#u-id").readOnly = false;
  $("#u-locale").readOnly = false;
  // A content gap's "Start a new unit" fills in its questions (once).
  const prefill = editor.prefill || {};
  editor.prefill = null;
  const locale = prefill.locale || $("#f-locale").value || (LANG === "ru" ? "ru" : "en");
  const questions = prefill.questions || [];
  fillForm({ id: "", locale, title: "", questions, category: "", tags: [], audience: "public", channels: null }, "");
  editor.loadedSource = currentSource();
  if (questions.length) say(t("prefilled", { n: questions.length }), $("#save-status"));
  $("#u-id").focus();
}

export async function toggleSourceMode() {
  if (!editor.sourceMode) {
    $("#u-source").value = composeSource();
    setSourceMode(true);
    $("#u-source").focus();
    return;
  }
  const source = $("#u-source").value;
  let good = editor.lastGood && editor.lastGood.source === source ? editor.lastGood.data : null;
  if (!good) {
    const result = await api("POST", "/api/v1/drafts/preview", { body: { source } });
    if (result.ok) good = result.data;
  }
  if (!good) {
    say(t("fixFirst"), $("#save-status"));
    return;
  }
  fillForm(good.fields, good.body);
  keepFrontMatter(source);
  setSourceMode(false);
  $("#u-body").focus();
  schedulePreview();
}

export function onEdited() {
  $("#save-status").textContent = isDirty() ? t("unsaved") : "";
  rememberUnsaved();
  schedulePreview();
}
