// The unit form: its fields and body to and from the unit's source (front matter and Markdown).
import { $, $$ } from "./dom.js";
import { t } from "./i18n.js";
import { CHANNELS, editor } from "./state.js";

export function fillForm(fields, body) {
  $("#u-id").value = fields.id || "";
  $("#u-locale").value = fields.locale || "";
  $("#u-title").value = fields.title || "";
  $("#u-questions").value = (fields.questions || []).join("\n");
  $("#u-category").value = fields.category || "";
  $("#u-tags").value = (fields.tags || []).join(", ");
  $("#u-audience").value = fields.audience || "public";
  editor.explicitChannels = Array.isArray(fields.channels);
  const enabled = fields.channels || CHANNELS;
  for (const box of $$('#u-channels input[name="channel"]')) box.checked = enabled.includes(box.value);
  $("#u-routing").value = fields.routing || "";
  $("#u-owner").value = fields.owner || "";
  $("#u-review").value = fields.review_by || "";
  $("#u-verify-every").value = fields.verify_every ?? "";
  $("#u-body").value = body || "";
  for (const input of $$("#unit-form [aria-invalid]")) input.removeAttribute("aria-invalid");
}

export function formFields() {
  const lines = (text) =>
    text
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
  const checked = $$('#u-channels input[name="channel"]:checked').map((box) => box.value);
  const allChecked = checked.length === CHANNELS.length;
  return {
    id: $("#u-id").value.trim(),
    locale: $("#u-locale").value.trim(),
    title: $("#u-title").value.trim(),
    questions: lines($("#u-questions").value),
    category: $("#u-category").value.trim(),
    tags: $("#u-tags")
      .value.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    audience: $("#u-audience").value,
    // Every channel ticked means the default (all) unless the unit named them itself.
    channels: allChecked && !editor.explicitChannels ? null : checked,
    routing: $("#u-routing").value.trim(),
    owner: $("#u-owner").value.trim(),
    review_by: $("#u-review").value.trim(),
    verify_every: $("#u-verify-every").value.trim(),
  };
}

/** `source`'s front matter lines, its `---` lines included, or null when it has none. */
function frontMatterLines(source) {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const end = lines[0].trim() === "---" ? lines.findIndex((line, i) => i > 0 && line.trim() === "---") : -1;
  return end > 0 ? lines.slice(0, end + 1) : null;
}

/** Remember `source`'s front matter as written, for the fields the form shows now. */
export function keepFrontMatter(source) {
  const lines = frontMatterLines(source);
  editor.keptFront = lines ? { fields: JSON.stringify(formFields()), text: lines.join("\n") } : null;
}

/** The front-matter keys the form writes from its fields; it carries every other key over. */
const FORM_KEYS = new Set([
  "id",
  "locale",
  "title",
  "questions",
  "category",
  "tags",
  "audience",
  "channels",
  "routing",
  "owner",
  "review_by",
  "verify_every",
]);

// A top-level mapping key at the start of a line, plain or quoted, followed by its colon.
const TOP_LEVEL_KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s#'"{}[\],&*!|>%@`-][^#]*?))[ \t]*:(?:[ \t]|$)/;

/** The lines of `front` (a front matter as written) under the top-level keys the form does not
 * write (`draft`, `source`, `publish_after`, `expires`, any added later): each key's line, the
 * lines under it and the comment lines just above it, verbatim and in their order, so that
 * composing the source from the form loses nothing the form does not show. */
function carriedLines(front) {
  const lines = front ? frontMatterLines(front) : null;
  if (!lines) return [];
  const out = [];
  let block = null; // { carry, lines } of the key being read
  let comments = []; // top-level comment lines waiting for the key below them
  const close = () => {
    if (block && block.carry) {
      while (block.lines.length && !block.lines[block.lines.length - 1].trim()) block.lines.pop();
      out.push(...block.lines);
    }
    block = null;
  };
  for (const line of lines.slice(1, -1)) {
    const key = TOP_LEVEL_KEY.exec(line);
    if (key) {
      close();
      const name = key[1] ?? (key[2] !== undefined ? key[2].replace(/''/g, "'") : key[3]);
      block = { carry: !FORM_KEYS.has(name), lines: [...comments, line] };
      comments = [];
    } else if (line.startsWith("#")) {
      comments.push(line);
    } else if (!line.trim()) {
      comments = [];
      if (block) block.lines.push(line);
    } else if (block) {
      // Indented lines, a sequence written at the key's own indent, a continued scalar.
      block.lines.push(...comments, line);
      comments = [];
    }
  }
  close();
  return out;
}

// Text YAML reads back as the same string when written plain (no quotes); the rest is quoted.
const PLAIN_SCALAR = /^\p{L}[\p{L}\p{N} ,.?!'()/&+_-]*$/u;
const YAML_WORDS = /^(?:yes|no|y|n|true|false|on|off|null)$/i;

/** A YAML scalar for `text`: plain when that is unambiguous, else JSON-quoted, which YAML
 * reads as a double-quoted scalar with the same escapes. */
function scalar(text) {
  return PLAIN_SCALAR.test(text) && !YAML_WORDS.test(text) && !text.endsWith(" ") ? text : JSON.stringify(text);
}

/** The unit's source from the form. While the fields are as loaded, their front matter is kept
 * exactly as written (comments, order, flow lists), so a body edit diffs as a body edit. Once
 * they change, the form writes its own keys and carries the others over from `carryFrom` (the
 * front matter as loaded), so that saving from the form drops none of them. */
export function composeSource(
  fields = formFields(),
  body = $("#u-body").value,
  { verbatim = true, carryFrom = editor.keptFront ? editor.keptFront.text : "" } = {}
) {
  const text = body.replace(/\r\n?/g, "\n").replace(/\s+$/, "");
  if (verbatim && editor.keptFront && editor.keptFront.fields === JSON.stringify(fields)) {
    return `${editor.keptFront.text}\n${text}\n`;
  }
  const q = scalar;
  const out = ["---", `id: ${q(fields.id)}`, `locale: ${q(fields.locale)}`, `title: ${q(fields.title)}`];
  const list = (name, items) => {
    if (!items.length) return;
    out.push(`${name}:`);
    for (const item of items) out.push(`  - ${q(item)}`);
  };
  list("questions", fields.questions);
  if (fields.category) out.push(`category: ${q(fields.category)}`);
  list("tags", fields.tags);
  out.push(`audience: ${q(fields.audience)}`);
  if (fields.channels) {
    if (fields.channels.length) list("channels", fields.channels);
    else out.push("channels: []");
  }
  if (fields.routing) out.push(`routing: ${q(fields.routing)}`);
  if (fields.owner) out.push(`owner: ${q(fields.owner)}`);
  if (fields.review_by) {
    const plain = /^\d{4}-\d{2}-\d{2}$/.test(fields.review_by);
    out.push(`review_by: ${plain ? fields.review_by : q(fields.review_by)}`);
  }
  if (fields.verify_every) {
    // A whole number as written; anything else quoted, so the server names what is wrong.
    const days = String(fields.verify_every);
    out.push(`verify_every: ${/^\d+$/.test(days) ? days : q(days)}`);
  }
  out.push(...carriedLines(carryFrom));
  out.push("---");
  return `${out.join("\n")}\n${text}\n`;
}

export function currentSource() {
  return editor.sourceMode ? $("#u-source").value : composeSource();
}

export function setSourceMode(on) {
  editor.sourceMode = on;
  $("#u-source").hidden = !on;
  $("#u-source-label").hidden = !on;
  $("#u-body").hidden = on;
  $("#u-body-label").hidden = on;
  $("#unit-form fieldset").disabled = on;
  const toggle = $("#mode-toggle");
  toggle.setAttribute("aria-pressed", on ? "true" : "false");
  toggle.textContent = on ? t("editForm") : t("editSource");
}

export function isDirty() {
  const source = currentSource();
  return source !== editor.loadedSource;
}
