// The chatbot channel's preview: the message bubble, its quick replies and links.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function render(root, rendering) {
  let data = rendering;
  if (data.text === undefined) {
    try {
      data = { ...JSON.parse(rendering.body), ...rendering };
    } catch {
      data = { ...rendering, text: rendering.body };
    }
  }
  root.append(h("p", { class: "bubble" }, data.text || ""));
  if (data.truncated) root.append(h("p", { class: "muted small" }, t("chatTruncated")));
  const replies = data.quick_replies || [];
  if (replies.length) {
    root.append(
      h("p", { class: "small-label", id: "chat-qr-h" }, t("chatQuickReplies")),
      h(
        "ul",
        { class: "quick-replies", "aria-labelledby": "chat-qr-h" },
        replies.map((r) => h("li", { class: "chip", "data-unit": r.unit_id || "" }, r.label || r.unit_id))
      )
    );
  }
  const links = data.links || [];
  if (links.length) {
    root.append(
      h("p", { class: "small-label", id: "chat-links-h" }, t("chatLinks")),
      h(
        "ul",
        { class: "chat-links", "aria-labelledby": "chat-links-h" },
        links.map((l) => h("li", {}, `${l.label || ""} — ${l.url || ""}`))
      )
    );
  }
}
