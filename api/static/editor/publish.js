// Publishing and rolling back: the key's role, the dry-run summary, releases, rollback.
import { $, $$, h, say } from "./dom.js";
import { formatDate, t } from "./i18n.js";
import { api, problemText } from "./api.js";
import { ROLE_STORE, state } from "./state.js";
import { refreshRelease, showView, unitHref } from "./views.js";
import { loadReviewSummary } from "./review.js";
import { markRole, showSchedules } from "./schedule.js";

/** What the server told us the key may do: publishing is known once it was tried. */
export function setRole(role) {
  state.role = role;
  if (role) sessionStorage.setItem(ROLE_STORE, role);
  else sessionStorage.removeItem(ROLE_STORE);
  const label = role === "publisher" ? t("rolePublisher") : role === "editor" ? t("roleEditor") : t("roleUnknown");
  $("#role-badge").textContent = label;
  const refused = role === "editor";
  const note = $("#publish-role-note");
  note.hidden = !refused;
  note.textContent = refused ? t("needsPublisher") : "";
  $("#publish-review").disabled = refused;
  $("#publish-confirm").disabled = refused || $("#publish-confirm").dataset.blocked === "1";
  for (const button of $$("button.rollback")) button.disabled = refused;
  if (refused) $("#publish-summary").hidden = true;
  markRole();
}

export async function showPublish(focus) {
  showView("publish", { focus });
  setRole(state.role);
  $("#publish-summary").hidden = true;
  // What the next release would change is the first thing to see here; trying it also tells
  // whether this key may publish at all.
  const review = state.role === "editor" ? null : reviewPublish(null, { focus: false });
  await Promise.all([loadReleases(), refreshRelease(), review, loadReviewSummary(), showSchedules()]);
}

async function loadReleases() {
  const result = await api("GET", "/api/v1/releases");
  if (!result.ok) {
    say(t("failed", { detail: problemText(result) }));
    return;
  }
  state.releases = result.data;
  const newest = state.releases.length ? state.releases[0].kb_version : null;
  $("#releases-table tbody").replaceChildren(
    ...state.releases.map((r) =>
      h(
        "tr",
        { "data-release": r.kb_version },
        h(
          "th",
          { scope: "row" },
          String(r.kb_version),
          r.kb_version === newest ? [" ", h("span", { class: "tag tag-ok" }, t("current"))] : null,
          r.rollback_of ? [" ", h("span", { class: "tag" }, t("rollbackOf", { n: r.rollback_of }))] : null
        ),
        h("td", {}, r.message || ""),
        h("td", {}, r.author),
        h("td", {}, formatDate(r.created_at)),
        h("td", {}, String(r.units)),
        h(
          "td",
          {},
          r.kb_version === newest
            ? null
            : h(
                "button",
                {
                  type: "button",
                  class: "rollback",
                  "aria-label": t("rollbackToLabel", { n: r.kb_version }),
                  disabled: state.role === "editor",
                  onclick: () => askRollback(r.kb_version),
                },
                t("rollbackTo")
              )
        )
      )
    )
  );
}

function unitList(pairs) {
  return h(
    "ul",
    { class: "unit-list" },
    pairs.map(([id, locale]) => h("li", {}, h("a", { href: unitHref(id, locale) }, `${id} (${locale})`)))
  );
}

// What a publish plan lists; all empty means there is nothing to publish.
const PLAN_LISTS = [
  "added",
  "changed",
  "removed",
  "affected_by_snippets",
  "snippets_added",
  "snippets_changed",
  "snippets_removed",
];

function isRoutingRegression(finding) {
  return finding.code === "routing-regression" || /\[routing-regression\]\s*$/.test(finding.message || "");
}

/** The dry run: what the next release would change, and what would stop routing. */
export async function reviewPublish(event, { focus = true } = {}) {
  if (event) event.preventDefault();
  const message = $("#publish-message").value.trim();
  say(t("reviewing"), $("#publish-result"));
  const result = await api("POST", "/api/v1/releases", { body: { message, dry_run: true } });
  if (result.status === 403) {
    setRole("editor");
    say("", $("#publish-result"));
    return;
  }
  if (!result.ok) {
    say(t("failed", { detail: problemText(result) }), $("#publish-result"));
    return;
  }
  setRole("publisher");
  say("", $("#publish-result"));
  renderSummary(result.data, focus);
}

function renderSummary(plan, focus) {
  const box = $("#summary-body");
  const sections = [];
  const add = (key, pairs) => {
    if (pairs && pairs.length) sections.push(h("h3", {}, `${t(key)} (${pairs.length})`), unitList(pairs));
  };
  add("sumAdded", plan.added);
  add("sumChanged", plan.changed);
  add("sumRemoved", plan.removed);
  add("sumAffected", plan.affected_by_snippets);
  const snippetList = (key, pairs) => {
    if (pairs && pairs.length) {
      sections.push(
        h("h3", {}, `${t(key)} (${pairs.length})`),
        h("ul", {}, pairs.map(([name, locale]) => h("li", {}, h("code", {}, name), ` (${locale})`)))
      );
    }
  };
  snippetList("sumSnippetsAdded", plan.snippets_added);
  snippetList("sumSnippetsChanged", plan.snippets_changed);
  snippetList("sumSnippetsRemoved", plan.snippets_removed);
  const findings = plan.findings || [];
  const routing = findings.filter(isRoutingRegression);
  const others = findings.filter((f) => !isRoutingRegression(f));
  const item = (f) =>
    h(
      "li",
      { class: f.blocking ? "finding finding-error" : "finding finding-warning" },
      h(
        "span",
        { class: `tag tag-${f.blocking ? "error" : "warning"}` },
        t(f.blocking ? "severity_error" : "severity_warning")
      ),
      " ",
      // The badge says error or warning already.
      (f.message || "").replace(/^(?:error|warning):\s*/, "")
    );
  if (routing.length) {
    sections.push(h("h3", { class: "routing-h" }, t("sumRouting")), h("ul", { class: "routing" }, routing.map(item)));
  }
  if (others.length) sections.push(h("h3", {}, t("sumFindings")), h("ul", { class: "findings" }, others.map(item)));
  const blocked = findings.some((f) => f.blocking);
  const empty = PLAN_LISTS.every((k) => !(plan[k] || []).length);
  if (blocked) sections.push(h("p", { class: "error-text" }, t("sumBlocked")));
  if (empty) sections.push(h("p", {}, t("nothingToPublish")));
  box.replaceChildren(...sections);
  $("#summary-h").textContent = plan.base ? t("summaryTitle", { base: plan.base }) : t("summaryTitleFirst");
  const confirm = $("#publish-confirm");
  confirm.dataset.blocked = blocked || empty ? "1" : "0";
  confirm.disabled = blocked || empty || state.role === "editor";
  const summary = $("#publish-summary");
  summary.hidden = false;
  if (focus) summary.focus();
}

export async function confirmPublish() {
  const message = $("#publish-message").value.trim();
  if (!message) {
    say(t("needMessage"), $("#publish-result"));
    $("#publish-message").focus();
    return;
  }
  const button = $("#publish-confirm");
  button.disabled = true;
  say(t("publishing"), $("#publish-result"));
  const result = await api("POST", "/api/v1/releases", { body: { message, dry_run: false } });
  button.disabled = false;
  if (result.status === 403) {
    setRole("editor");
    say("", $("#publish-result"));
    return;
  }
  if (!result.ok) {
    say(t("publishFailed", { detail: problemText(result) }), $("#publish-result"));
    return;
  }
  $("#publish-summary").hidden = true;
  if (result.data.kb_version === null) {
    say(t("nothingToPublish"), $("#publish-result"));
  } else {
    say(t("published", { n: result.data.kb_version }), $("#publish-result"));
    $("#publish-message").value = "";
  }
  state.overview = [];
  await Promise.all([loadReleases(), refreshRelease(), loadReviewSummary()]);
}

let rollbackTarget = null;

/** Close the rollback question; nothing is rolled back. */
export function cancelRollback() {
  $("#rollback-confirm").hidden = true;
  $("#rollback-keep").checked = false;
  rollbackTarget = null;
}

function askRollback(number) {
  rollbackTarget = number;
  $("#rollback-q").textContent = t("rollbackQuestion", { n: number });
  const box = $("#rollback-confirm");
  box.hidden = false;
  $("#rollback-message").focus();
}

export async function doRollback() {
  if (rollbackTarget === null) return;
  const to = rollbackTarget;
  const button = $("#rollback-go");
  const keep = $("#rollback-keep").checked;
  button.disabled = true;
  const result = await api("POST", "/api/v1/releases/rollback", {
    body: { to, message: $("#rollback-message").value.trim(), keep_drafts: keep },
  });
  button.disabled = false;
  if (result.status === 403) {
    setRole("editor");
    $("#rollback-confirm").hidden = true;
    return;
  }
  if (!result.ok) {
    say(t("rollbackFailed", { detail: problemText(result) }), $("#publish-result"));
    return;
  }
  setRole("publisher");
  rollbackTarget = null;
  $("#rollback-confirm").hidden = true;
  $("#rollback-message").value = "";
  $("#rollback-keep").checked = false;
  say(rollbackReport(result.data, to, keep), $("#publish-result"));
  state.overview = [];
  await Promise.all([loadReleases(), refreshRelease()]);
}

/** What a rollback did: the release it published, and where the drafts of what it changed are. */
function rollbackReport(plan, to, keep) {
  const drafts = (plan.drafts || []).length;
  const done = t("rolledBack", { n: plan.kb_version, to });
  if (!drafts) return done;
  return `${done} ${t(keep ? "rolledBackKept" : "rolledBackDrafts", { n: drafts, to })}`;
}
