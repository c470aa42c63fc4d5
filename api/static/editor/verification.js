// Verification by owners on a unit's page (issue 18): whether the owner confirmed the unit is
// still right within its period, and a one-click "Verify" that records it (no new revision).
import { $, say } from "./dom.js";
import { formatDate, t } from "./i18n.js";
import { api, problemText } from "./api.js";
import { editor } from "./state.js";

function verificationPath(suffix) {
  const query = new URLSearchParams({ locale: editor.locale });
  return `/api/v1/units/${encodeURIComponent(editor.unitId)}/${suffix}?${query}`;
}

export function hideVerification() {
  $("#unit-verification").hidden = true;
  $("#verify-status").textContent = "";
}

/** Load and show the unit's verification state (a unit not stored yet shows none). */
export async function showVerification() {
  hideVerification();
  const button = $("#verify-unit");
  if (!button.dataset.wired) {
    button.addEventListener("click", verifyUnit);
    button.dataset.wired = "true";
  }
  const token = editor.token;
  const result = await api("GET", verificationPath("verification"));
  if (token !== editor.token || !result.ok) return; // a notice, not a failure to report
  renderState(result.data);
}

function stateText(state) {
  const due = formatDate(state.due_at);
  const last = state.last_verified_at
    ? t("verifiedLast", { who: state.verified_by, date: formatDate(state.last_verified_at), revision: state.verified_revision })
    : t("verifiedNever");
  if (state.verify_every === null) return `${last} ${t("verifyOff")}`;
  const period = t(state.rule === "category" ? "verifyEveryCategory" : "verifyEveryUnit", { n: state.verify_every });
  if (state.unverified) return `${t("unverifiedSince", { date: due })} ${last} ${period}`;
  return `${last} ${t("verifyDue", { date: due })} ${period}`;
}

function renderState(state) {
  const box = $("#unit-verification");
  box.classList.toggle("is-unverified", Boolean(state.unverified));
  $("#unit-verification-h").textContent = t(state.unverified ? "verificationLapsed" : "verificationTitle");
  $("#unit-verification-text").textContent = stateText(state);
  box.hidden = false;
}

/** The "Verify" button: record that the signed-in key's owner verified the unit now. */
export async function verifyUnit() {
  const button = $("#verify-unit");
  const token = editor.token;
  button.disabled = true;
  const result = await api("POST", verificationPath("verify"));
  button.disabled = false;
  if (token !== editor.token) return;
  if (!result.ok) {
    say(t("failed", { detail: problemText(result) }), $("#verify-status"));
    return;
  }
  renderState(result.data);
  say(t("verifiedNow"), $("#verify-status"));
}
