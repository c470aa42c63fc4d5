// What the editor page knows: the key and its role, lists loaded from the API, the unit being edited.

export const KEY_STORE = "kb-editor-key";
export const ROLE_STORE = "kb-editor-role";
export const CHANNELS = ["web", "chatbot", "operator", "ivr", "email", "sms", "messenger"];

export const state = {
  key: sessionStorage.getItem(KEY_STORE) || "",
  // "publisher", "editor" (publishing was refused) or "" (not tried yet).
  role: sessionStorage.getItem(ROLE_STORE) || "",
  overview: [],
  snippets: [],
  releases: [],
  currentRelease: null,
};

export const editor = {
  token: 0, // bumped whenever another unit is opened, so late answers are dropped
  isNew: false,
  unitId: "",
  locale: "",
  etag: null,
  revision: 0,
  loadedSource: "", // what the form showed when loaded or last saved (to tell unsaved edits)
  keptFront: null, // the loaded front matter as written, reused while its fields are unchanged
  sourceMode: false,
  explicitChannels: false,
  previewSeq: 0,
  previewApplied: 0,
  lastGood: null, // {source, data} of the newest preview that parsed
  audioUrl: null,
  theirs: null, // the current version after a 412
  prefill: null, // {locale, questions} for the next new unit (a content gap's "Start a new unit")
};
