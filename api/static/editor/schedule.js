// Scheduled releases in the publish view (issue 18): schedule a release of the approved state at
// a date and time of the browser's time zone (sent as an ISO time with its offset), and list
// the scheduled releases, each pending one with Cancel.
import { $, h, say } from "./dom.js";
import { formatDate, t } from "./i18n.js";
import { api, problemText } from "./api.js";
import { state } from "./state.js";

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** The UTC offset the browser's time zone has at `date`, as "+03:00" (daylight saving too). */
export function offsetOf(date) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** A datetime-local value (the browser's wall time) as an ISO time with its offset, or null. */
export function isoWithOffset(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value || "")) return null;
  const date = new Date(value); // a date-time without an offset is read as local time
  if (Number.isNaN(date.getTime())) return null;
  const day = `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${day}T${time}${offsetOf(date)}`;
}

function timeZoneName() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

function wire() {
  const form = $("#schedule-form");
  if (form.dataset.wired) return;
  form.dataset.wired = "true";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    createSchedule();
  });
}

/** Show the form (for the browser's time zone) and the list of scheduled releases. */
export async function showSchedules() {
  wire();
  const zone = timeZoneName();
  const offset = offsetOf(new Date());
  $("#schedule-tz").textContent = zone ? t("scheduleZone", { zone, offset }) : t("scheduleZoneOffset", { offset });
  const now = new Date();
  $("#schedule-at").min = `${pad(now.getFullYear(), 4)}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T00:00`;
  markRole();
  await loadSchedules();
}

/** Only a publisher key schedules and cancels; an editor's sees the list. */
export function markRole() {
  const refused = state.role === "editor";
  $("#schedule-go").disabled = refused;
  for (const button of document.querySelectorAll("button.schedule-cancel")) button.disabled = refused;
}

async function loadSchedules() {
  const result = await api("GET", "/api/v1/schedules");
  const body = $("#schedules-table tbody");
  if (!result.ok) {
    say(t("failed", { detail: problemText(result) }), $("#schedule-status"));
    return;
  }
  $("#schedules-empty").hidden = result.data.length > 0;
  $("#schedules-table").hidden = result.data.length === 0;
  body.replaceChildren(...result.data.map(scheduleRow));
}

function stateCell(schedule) {
  const label = t(`scheduleState_${schedule.state}`);
  const tag = h("span", { class: `tag tag-schedule-${schedule.state}` }, label);
  if (schedule.state === "published" && schedule.kb_version !== null) {
    return [tag, " ", t("scheduleMade", { n: schedule.kb_version })];
  }
  if (schedule.state === "cancelled" && schedule.cancelled_by) {
    return [tag, " ", t("scheduleCancelledBy", { who: schedule.cancelled_by })];
  }
  return schedule.detail ? [tag, " ", schedule.detail] : tag;
}

function scheduleRow(schedule) {
  const when = formatDate(schedule.at);
  return h(
    "tr",
    { "data-schedule": schedule.id },
    h("th", { scope: "row" }, h("time", { datetime: schedule.at }, when)),
    h("td", {}, schedule.message || ""),
    h("td", {}, schedule.author),
    h("td", {}, stateCell(schedule)),
    h(
      "td",
      {},
      schedule.state === "pending"
        ? h(
            "button",
            {
              type: "button",
              class: "schedule-cancel",
              "aria-label": t("scheduleCancelLabel", { when }),
              disabled: state.role === "editor",
              onclick: () => cancelSchedule(schedule),
            },
            t("scheduleCancel")
          )
        : null
    )
  );
}

async function createSchedule() {
  const input = $("#schedule-at");
  const error = $("#schedule-at-error");
  const at = isoWithOffset(input.value);
  if (!at) {
    input.setAttribute("aria-invalid", "true");
    error.textContent = t("scheduleNeedTime");
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  error.textContent = "";
  const button = $("#schedule-go");
  button.disabled = true;
  const message = $("#schedule-message").value.trim();
  const result = await api("POST", "/api/v1/schedules", { body: { at, message } });
  button.disabled = false;
  if (!result.ok) {
    say(t("scheduleFailed", { detail: problemText(result) }), $("#schedule-status"));
    if (result.status === 422) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
    return;
  }
  input.value = "";
  $("#schedule-message").value = "";
  say(t("scheduled", { when: formatDate(result.data.at) }), $("#schedule-status"));
  await loadSchedules();
}

async function cancelSchedule(schedule) {
  const when = formatDate(schedule.at);
  const result = await api("POST", `/api/v1/schedules/${schedule.id}/cancel`);
  if (!result.ok) {
    say(t("scheduleFailed", { detail: problemText(result) }), $("#schedule-status"));
    return;
  }
  say(t("scheduleCancelled", { when }), $("#schedule-status"));
  await loadSchedules();
  $("#schedule-h").tabIndex = -1;
  $("#schedule-h").focus(); // the row's button is gone: keep the keyboard in this section
}
