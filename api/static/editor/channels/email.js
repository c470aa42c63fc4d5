// The e-mail channel's preview: the subject, the HTML part as a mail client shows it, and the
// plain-text part behind a toggle.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function render(root, rendering) {
  root.append(
    h(
      "p",
      { class: "email-subject" },
      h("span", { class: "small-label" }, t("emailSubject")),
      " ",
      h("span", { class: "email-subject-text" }, rendering.subject || "")
    ),
    h("p", { class: "small-label" }, t("emailHtml")),
    // The HTML part goes into a sandboxed iframe, not into this page. sandbox="" (no tokens)
    // runs no script, gives the frame an opaque origin of its own (it cannot read this page,
    // its key or its cookies), submits no form and navigates nothing outside itself; its CSS
    // cannot restyle the editor, nor the editor's CSS the mail, so it shows as a mail client
    // would. Parsing with DOMParser keeps nodes inert only until they are moved into this
    // document, where an <img onerror> or a <style> would act on the editor itself.
    h("iframe", {
      class: "email-html",
      sandbox: "",
      srcdoc: rendering.html || "",
      title: t("emailFrameTitle", { subject: rendering.subject || "" }),
      referrerpolicy: "no-referrer",
    }),
    h(
      "details",
      { class: "email-plain" },
      h("summary", {}, t("emailPlain")),
      h("pre", { class: "plain email-text" }, rendering.body || "")
    )
  );
}
