// The live preview: each edit previewed by the server, shown per channel with the checks' findings.
import { $, h } from "./dom.js";
import { t } from "./i18n.js";
import { api, describeError, problemText } from "./api.js";
import { CHANNELS, editor } from "./state.js";
import { currentSource } from "./form.js";
import { render as web } from "./channels/web.js";
import { render as chatbot } from "./channels/chatbot.js";
import { render as operator } from "./channels/operator.js";
import { render as ivr } from "./channels/ivr.js";
import { render as email } from "./channels/email.js";
import { render as sms } from "./channels/sms.js";
import { render as messenger } from "./channels/messenger.js";

/** Preview the current source; an answer older than one already shown is ignored. */
export async function runPreview() {
  const token = editor.token;
  const seq = ++editor.previewSeq;
  const source = currentSource();
  $("#findings-summary").textContent = t("checksPending");
  $(".previews").setAttribute("aria-busy", "true");
  const result = await api("POST", "/api/v1/drafts/preview", { body: { source } });
  if (token !== editor.token || seq <= editor.previewApplied) return;
  editor.previewApplied = seq;
  if (seq === editor.previewSeq) $(".previews").removeAttribute("aria-busy");
  $(".previews").dataset.previewSeq = String(seq);
  if (result.ok) {
    editor.lastGood = { source, data: result.data };
    showParseErrors([]);
    $("#preview-note").textContent = "";
    renderFindings(result.data.findings || []);
    renderPreviews(result.data);
  } else if (result.status === 422) {
    const errors = (result.problem && result.problem.errors) || [{ message: problemText(result) }];
    showParseErrors(errors);
    $("#findings-summary").textContent = "";
    $("#preview-note").textContent = editor.lastGood ? t("previewStale") : "";
  } else {
    $("#findings-summary").textContent = t("failed", { detail: problemText(result) });
  }
}

const FIELD_INPUTS = {
  id: "#u-id",
  locale: "#u-locale",
  title: "#u-title",
  questions: "#u-questions",
  category: "#u-category",
  tags: "#u-tags",
  audience: "#u-audience",
  routing: "#u-routing",
  owner: "#u-owner",
  review_by: "#u-review",
  verify_every: "#u-verify-every",
};

export function showParseErrors(errors) {
  const box = $("#parse-errors");
  box.hidden = errors.length === 0;
  $("ul", box).replaceChildren(...errors.map((e) => h("li", {}, describeError(e))));
  const bad = new Set(errors.map((e) => e.field).filter(Boolean));
  for (const [field, selector] of Object.entries(FIELD_INPUTS)) {
    const input = $(selector);
    if (bad.has(field)) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  const channels = $("#u-channels");
  if (bad.has("channels")) channels.setAttribute("aria-invalid", "true");
  else channels.removeAttribute("aria-invalid");
  if (bad.has("body") || errors.some((e) => !e.field && e.line)) {
    $("#u-body").setAttribute("aria-invalid", "true");
  } else {
    $("#u-body").removeAttribute("aria-invalid");
  }
}

function channelName(channel) {
  const key = {
    web: "chWeb",
    chatbot: "chChatbot",
    operator: "chOperator",
    ivr: "chIvr",
    email: "chEmail",
    sms: "chSms",
    messenger: "chMessenger",
  }[channel];
  return key ? t(key) : channel || t("allChannels");
}

function findingItem(f) {
  const severity = f.severity === "error" ? "error" : "warning";
  return h(
    "li",
    { class: `finding finding-${severity}`, "data-code": f.code || "" },
    h("span", { class: `tag tag-${severity}` }, t(`severity_${severity}`)),
    " ",
    h("span", { class: "finding-channel" }, channelName(f.channel)),
    ": ",
    h("span", { class: "finding-message" }, f.message),
    f.code ? [" ", h("code", {}, f.code)] : null
  );
}

function renderFindings(findings) {
  const sorted = [...findings].sort((a, b) => (a.severity === "error" ? 0 : 1) - (b.severity === "error" ? 0 : 1));
  $("#findings").replaceChildren(...sorted.map(findingItem));
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.length - errors;
  $("#findings-summary").textContent = findings.length
    ? t("checksCount", { errors: t("nErrors", { n: errors }), warnings: t("nWarnings", { n: warnings }) })
    : t("checksNone");
}

/** Each channel's preview, one module per channel like the server's renderers; each draws its
 * rendering with `render(root, rendering, preview)`. */
const RENDER = Object.freeze({ web, chatbot, operator, ivr, email, sms, messenger });

function renderPreviews(data) {
  const byChannel = Object.fromEntries((data.renderings || []).map((r) => [r.channel, r]));
  for (const channel of CHANNELS) {
    const panel = $(`#pv-${channel}`);
    const root = $(".pv-body", panel);
    const rendering = byChannel[channel];
    root.replaceChildren();
    panel.classList.toggle("off", !rendering);
    const findings = rendering ? rendering.findings || [] : [];
    $(".pv-findings", panel).replaceChildren(
      ...(findings.length ? [h("ul", { class: "findings compact" }, findings.map(findingItem))] : [])
    );
    if (!rendering) {
      root.append(h("p", { class: "muted" }, t("notInChannel")));
      continue;
    }
    RENDER[channel](root, rendering, data);
  }
}
