// The operator channel's preview: the answer with internal notes marked, and the text to copy.
import { $, $$, h } from "../dom.js";
import { t } from "../i18n.js";

export function render(root, rendering) {
  const html = h("div", { class: "rendered" });
  html.innerHTML = rendering.body; // safe HTML rendered by the server
  // Internal notes come labelled by the server; mark any that are not, so none passes unseen.
  for (const note of $$(".kb-internal", html)) {
    if (!$(".kb-internal-label", note)) note.prepend(h("p", { class: "kb-internal-label" }, t("internalNote")));
  }
  root.append(html);
  if (rendering.copy_text) {
    root.append(
      h(
        "details",
        { class: "copy-text" },
        h("summary", {}, t("copyText")),
        h("p", { class: "plain" }, rendering.copy_text)
      )
    );
  }
}
