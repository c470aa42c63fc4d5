// The IVR channel's preview: duration against the limit, the spoken text, SSML, and Play.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api, problemText } from "../api.js";
import { editor } from "../state.js";
import { currentSource } from "../form.js";

export function render(root, rendering, preview) {
  const seconds = Number(rendering.duration_seconds || 0);
  const max = Number(rendering.max_seconds || 0);
  const tooLong = max && seconds > max;
  root.append(
    h(
      "p",
      { class: tooLong ? "duration too-long" : "duration" },
      t(tooLong ? "ivrTooLong" : "ivrDuration", { seconds: seconds.toFixed(1), max: max.toFixed(0) })
    )
  );
  if (preview.audio) {
    const audio = h("audio", { controls: true, class: "ivr-audio", hidden: true });
    const status = h("span", { class: "muted small", role: "status" });
    const button = h("button", { type: "button", class: "play" }, t("play"));
    button.addEventListener("click", () => playPreview(button, audio, status));
    root.append(h("div", { class: "play-row" }, button, status), audio);
  }
  root.append(
    h("p", { class: "small-label" }, t("ivrSpoken")),
    h("p", { class: "plain spoken" }, rendering.text || ""),
    h("p", { class: "small-label" }, t("ivrSsml")),
    h("pre", { class: "ssml" }, rendering.body)
  );
}

async function playPreview(button, audio, status) {
  button.disabled = true;
  status.textContent = t("playing");
  const result = await api("POST", "/api/v1/drafts/preview/audio", { body: { source: currentSource() }, blob: true });
  button.disabled = false;
  if (!result.ok) {
    status.textContent = result.status === 503 ? t("noSpeech") : t("failed", { detail: problemText(result) });
    return;
  }
  status.textContent = "";
  if (editor.audioUrl) URL.revokeObjectURL(editor.audioUrl);
  editor.audioUrl = URL.createObjectURL(result.data);
  audio.src = editor.audioUrl;
  audio.hidden = false;
  try {
    await audio.play();
  } catch {
    // No sound device (or autoplay refused): the controls are there to press play.
  }
}
