// The web channel's preview: the page title and the safe HTML the server rendered.
import { h } from "../dom.js";

export function render(root, rendering) {
  const html = h("div", { class: "rendered" });
  html.innerHTML = rendering.body; // safe HTML rendered by the server
  root.append(h("h4", { class: "pv-title" }, rendering.title || ""), html);
}
