// The messenger channel's preview: the Telegram message with its inline keyboard and the
// WhatsApp message with its reply buttons, each read as the app shows it, with its length
// against the platform's limit. Marks become elements built from text nodes, never HTML.
import { h } from "../dom.js";
import { t } from "../i18n.js";

const TELEGRAM_MAX = 4096;
const WHATSAPP_MAX = 1024;
/** Telegram's MarkdownV2 marks that toggle an element, longest first. */
const TG_MARKS = [
  ["||", "span", "tg-spoiler"],
  ["__", "u", ""],
  ["*", "strong", ""],
  ["_", "em", ""],
  ["~", "s", ""],
];
/** Where a link may lead from the preview; anything else is shown, not followed. */
const FOLLOWED = /^(?:https?:|mailto:|tel:)/i;

/** The index of the next `mark` in `text` from `from` that no backslash escapes, or -1. */
function unescaped(text, mark, from) {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text.startsWith(mark, i)) return i;
  }
  return -1;
}

const unescape = (text) => text.replace(/\\(.)/gs, "$1");

/** A Telegram MarkdownV2 text as nodes: escapes dropped, bold, italic, underline, strike,
 * spoiler, code and links applied; a mark left open simply runs to the end. */
export function telegramNodes(text) {
  const root = h("span", { class: "tg-text" });
  const stack = [{ node: root, mark: "" }];
  let buffer = "";
  const top = () => stack[stack.length - 1].node;
  const flush = () => {
    if (buffer) top().append(document.createTextNode(buffer));
    buffer = "";
  };
  const open = (mark, node) => {
    flush();
    top().append(node);
    stack.push({ node, mark });
  };
  const close = (depth) => {
    flush();
    stack.length = depth;
  };
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    if (text[i] === "\\" && i + 1 < text.length) {
      buffer += text[i + 1];
      i += 2;
      continue;
    }
    if (rest.startsWith("```") && unescaped(text, "```", i + 3) > 0) {
      const end = unescaped(text, "```", i + 3);
      const inner = text.slice(i + 3, end);
      const newline = inner.indexOf("\n"); // "```lang\n": the first line names the language
      const code = unescape(newline >= 0 ? inner.slice(newline + 1) : inner).replace(/\n$/, "");
      flush();
      top().append(h("pre", { class: "tg-pre" }, code));
      i = end + 3;
      continue;
    }
    if (text[i] === "`" && unescaped(text, "`", i + 1) > 0) {
      const end = unescaped(text, "`", i + 1);
      flush();
      top().append(h("code", {}, unescape(text.slice(i + 1, end))));
      i = end + 1;
      continue;
    }
    if (text[i] === "[") {
      open("link", h("a", { class: "tg-link" }));
      i += 1;
      continue;
    }
    const linkDepth = stack.findLastIndex((frame) => frame.mark === "link");
    if (text[i] === "]" && linkDepth > 0 && text[i + 1] === "(") {
      const end = unescaped(text, ")", i + 2);
      const url = unescape(text.slice(i + 2, end < 0 ? text.length : end));
      const link = stack[linkDepth].node;
      link.title = url;
      if (FOLLOWED.test(url)) {
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
      close(linkDepth);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    const mark = TG_MARKS.find(([m]) => rest.startsWith(m));
    if (mark) {
      const depth = stack.findLastIndex((frame) => frame.mark === mark[0]);
      if (depth > 0) close(depth);
      else open(mark[0], h(mark[1], { class: mark[2] || null }));
      i += mark[0].length;
      continue;
    }
    buffer += text[i];
    i += 1;
  }
  flush();
  return root;
}

// A WhatsApp mark formats only at a word's edge: not inside a word, not against a space, and
// not next to a word joiner (U+2060), which the renderer puts around marks meant literally.
const WA_MARK = /(^|[^\p{L}\p{N}\u2060])([*_~])(?![\s\u2060])(.+?)(?<![\s\u2060])\2(?![\p{L}\p{N}\u2060])/u;
const WA_TAGS = { "*": "strong", _: "em", "~": "s" };

/** A WhatsApp text's line as nodes, with bold, italic and strikethrough applied. */
function whatsappLine(line) {
  const nodes = [];
  let rest = line;
  for (let match = WA_MARK.exec(rest); match; match = WA_MARK.exec(rest)) {
    nodes.push(rest.slice(0, match.index) + match[1]);
    nodes.push(h(WA_TAGS[match[2]], {}, whatsappLine(match[3])));
    rest = rest.slice(match.index + match[0].length);
  }
  nodes.push(rest);
  return nodes;
}

/** A WhatsApp text as nodes: ```monospace``` blocks, then the marks of each line. */
export function whatsappNodes(text) {
  const root = h("span", { class: "wa-text" });
  text.split(/```([\s\S]*?)```/).forEach((part, index) => {
    if (index % 2) {
      root.append(h("code", {}, part));
      return;
    }
    part.split("\n").forEach((line, n) => {
      if (n) root.append("\n");
      root.append(...whatsappLine(line));
    });
  });
  return root;
}

function lengthLine(size, max, cut) {
  return h(
    "p",
    { class: size > max || cut ? "msg-length too-long" : "msg-length" },
    t("msgLength", { n: size, max })
  );
}

/** One platform's message: its bubble, its length against `max`, a note when cut, buttons. */
function flavour({ name, title, bubble, size, max, cut, buttons }) {
  const id = `pv-${name}-h`;
  return h(
    "section",
    { class: `msg-flavour msg-${name}`, "aria-labelledby": id },
    h("h4", { id }, title),
    h("div", { class: `bubble msg-bubble ${name}-bubble` }, bubble),
    lengthLine(size, max, cut),
    cut ? h("p", { class: "cut-note" }, t("msgTruncated")) : null,
    buttons
  );
}

function telegramKeyboard(message) {
  const rows = message.reply_markup?.inline_keyboard || [];
  if (!rows.length) return null;
  return [
    h("p", { class: "small-label", id: "pv-tg-kbd-h" }, t("tgKeyboard")),
    h(
      "ul",
      { class: "tg-keyboard", "aria-labelledby": "pv-tg-kbd-h" },
      rows.map((row) =>
        h(
          "li",
          { class: "tg-row" },
          row.map((b) =>
            h(
              "span",
              { class: "msg-button", title: b.url || b.callback_data || null },
              b.url ? `${b.text} ↗` : b.text
            )
          )
        )
      )
    ),
  ];
}

function whatsappButtons(message) {
  const buttons = message.interactive?.action?.buttons || [];
  if (!buttons.length) return null;
  return [
    h("p", { class: "small-label", id: "pv-wa-btn-h" }, t("waButtons")),
    h(
      "ul",
      { class: "wa-buttons", "aria-labelledby": "pv-wa-btn-h" },
      buttons.map((b) => h("li", { class: "msg-button", title: b.reply.id }, b.reply.title))
    ),
  ];
}

export function render(root, rendering) {
  const telegram = rendering.telegram || { text: rendering.body || "" };
  const whatsapp = rendering.whatsapp || {};
  const cut = rendering.truncated || {};
  const tgText = telegramNodes(telegram.text || "");
  const waBody = (whatsapp.type === "interactive" ? whatsapp.interactive?.body?.text : whatsapp.text?.body) || "";
  root.append(
    flavour({
      name: "telegram",
      title: "Telegram",
      bubble: tgText,
      size: tgText.textContent.length, // Telegram counts the text its marks leave
      max: TELEGRAM_MAX,
      cut: cut.telegram,
      buttons: telegramKeyboard(telegram),
    }),
    flavour({
      name: "whatsapp",
      title: "WhatsApp",
      bubble: whatsappNodes(waBody),
      size: waBody.length, // WhatsApp counts what is sent, marks included
      max: WHATSAPP_MAX,
      cut: cut.whatsapp,
      buttons: whatsappButtons(whatsapp),
    })
  );
}
