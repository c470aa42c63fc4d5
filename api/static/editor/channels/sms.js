// The SMS channel's preview: the message as a phone shows it, its size in characters and
// segments, its encoding, and a note when it was cut to the segment limit.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function render(root, rendering) {
  const characters = Number(rendering.characters || 0);
  const segments = Number(rendering.segments || 0);
  root.append(
    h("div", { class: "phone" }, h("p", { class: "sms-bubble" }, rendering.body || "")),
    h(
      "p",
      { class: "sms-size" },
      t("smsSize", {
        characters: t("nCharacters", { n: characters }),
        segments: t("nSegments", { n: segments }),
        encoding: rendering.encoding || "",
      })
    )
  );
  if (rendering.truncated) root.append(h("p", { class: "cut-note" }, t("smsTruncated")));
}
