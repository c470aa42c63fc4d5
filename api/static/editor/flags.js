// The notice on a unit's page: what operators flagged as wrong or outdated, newest first, with
// their comments, so the unit's owner sees it where the fix is made.
import { $, h } from "./dom.js";
import { formatDate, t } from "./i18n.js";
import { api } from "./api.js";
import { editor } from "./state.js";

/** Flags the notice lists at most (the newest). */
const SHOWN = 10;

export function hideFlags() {
  $("#unit-flags").hidden = true;
  $("#unit-flags-list").replaceChildren();
}

/** Load and show the flags on the unit being edited (nothing shows when there are none). */
export async function showFlags() {
  hideFlags();
  const token = editor.token;
  const query = new URLSearchParams({ unit_id: editor.unitId, kind: "flag" });
  const result = await api("GET", `/api/v1/feedback?${query}`);
  if (token !== editor.token || !result.ok) return; // a notice, not a failure to report
  const flags = result.data.items || [];
  if (!flags.length) return;
  $("#unit-flags-h").textContent = t("flagsTitle", { n: flags.length });
  $("#unit-flags-list").replaceChildren(...flags.slice(0, SHOWN).map(flagItem));
  $("#unit-flags").hidden = false;
}

function flagItem(flag) {
  const who = [flag.actor, flag.channel ? t(`ch${flag.channel[0].toUpperCase()}${flag.channel.slice(1)}`) : null]
    .filter(Boolean)
    .join(", ");
  return h(
    "li",
    {},
    h("span", { class: "tag tag-error" }, flag.reason ? t(`reason_${flag.reason}`) : t("flagNoReason")),
    " ",
    flag.comment ? h("q", {}, flag.comment) : h("span", { class: "muted" }, t("flagNoComment")),
    " ",
    h("span", { class: "muted small" }, who ? t("flagBy", { who, date: formatDate(flag.at) }) : formatDate(flag.at))
  );
}
