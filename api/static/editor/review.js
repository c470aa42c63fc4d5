// Review and approval (issue 18): on a unit's and a snippet's page, the newest revision's review
// state with the comment thread of the change, "Submit for review" for its author, "Approve" and
// "Request changes" (with a required comment) for a reviewer, who holds a publisher key; a
// snippet's page with the units whose output it changes; and the publish view's summary of what
// a release takes approved, by whom, and what waits.
import { $, h, say } from "./dom.js";
import { formatDate, t } from "./i18n.js";
import { api, draftPath, problemText } from "./api.js";
import { editor, state } from "./state.js";
import { setRole } from "./publish.js";
import { showView, unitHref } from "./views.js";

// How many earlier revisions of the same change lend their comments to the thread.
const THREAD_REVISIONS = 10;

const panels = {};

export function snippetHref(name, locale) {
  return `#/snippet/${encodeURIComponent(locale)}/${encodeURIComponent(name)}`;
}

function reviewPath(kind, name, locale, suffix = "", revision = null) {
  const query = new URLSearchParams({ locale });
  if (revision) query.set("revision", String(revision));
  const collection = kind === "unit" ? "units" : "snippets";
  return `/api/v1/review/${collection}/${encodeURIComponent(name)}${suffix}?${query}`;
}

/** The review box inside `box` (built once): state, thread, buttons, the changes form. */
function panelFor(box, prefix) {
  if (panels[prefix]) return panels[prefix];
  const id = (part) => `${prefix}-${part}`;
  const panel = { box, prefix, token: 0, target: null, review: null, waiting: true };
  const comment = h("textarea", {
    id: id("comment"),
    rows: 3,
    required: true,
    "aria-describedby": id("comment-error"),
  });
  const form = h(
    "form",
    { id: id("changes-form"), class: "review-changes-form", hidden: true, novalidate: true },
    h("label", { for: id("comment") }, t("reviewCommentLabel")),
    comment,
    h("p", { id: id("comment-error"), class: "error-text" }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("reviewSendBack")),
      h("button", { type: "button", onclick: () => closeChangesForm(panel, true) }, t("cancel"))
    )
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    requestChanges(panel);
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeChangesForm(panel, true);
  });
  Object.assign(panel, {
    form,
    comment,
    heading: h("h2", { id: id("h"), class: "small-h" }, t("reviewTitle")),
    state: h("p", { id: id("state"), class: "review-state", tabindex: "-1" }),
    policy: h("p", { class: "muted small" }),
    affected: h("div", { class: "review-affected" }),
    threadHeading: h("h3", { id: id("thread-h"), class: "small-h" }, t("reviewThread")),
    thread: h("ol", { class: "review-thread", "aria-labelledby": id("thread-h") }),
    submit: h("button", { type: "button", onclick: () => takeStep(panel, "submit") }, t("reviewSubmit")),
    approve: h("button", { type: "button", class: "primary", onclick: () => takeStep(panel, "approve") }, t("reviewApprove")),
    changes: h("button", { type: "button", onclick: () => openChangesForm(panel) }, t("reviewRequestChanges")),
    status: h("p", { class: "status", role: "status", "aria-live": "polite" }),
  });
  box.setAttribute("aria-labelledby", id("h"));
  box.replaceChildren(
    panel.heading,
    panel.state,
    panel.policy,
    panel.affected,
    panel.threadHeading,
    panel.thread,
    h("div", { class: "actions" }, panel.submit, panel.approve, panel.changes),
    form,
    panel.status
  );
  panels[prefix] = panel;
  return panel;
}

export function hideReview() {
  const panel = panels["unit-review"];
  if (panel) panel.token += 1;
  $("#unit-review").hidden = true;
}

/** The unit being edited: show its newest revision's review (after loading and each save). */
export function showUnitReview() {
  if (editor.isNew || !editor.unitId) return;
  const panel = panelFor($("#unit-review"), "unit-review");
  loadReview(panel, { kind: "unit", name: editor.unitId, locale: editor.locale });
}

/** A snippet's page (#/snippet/LOCALE/NAME): its value and its newest revision's review. */
export async function showSnippetPage(name, locale, focus) {
  if (!name || !locale) {
    location.hash = "#/snippets";
    return;
  }
  showView("snippet", { focus });
  $("#snippet-h").textContent = `${name} (${locale})`;
  $("#snippet-meta").textContent = t("loading");
  $("#snippet-value").textContent = "";
  const panel = panelFor($("#snippet-review"), "snippet-review");
  panel.box.hidden = true;
  const [draft] = await Promise.all([
    api("GET", draftPath("snippets", name, locale)),
    loadReview(panel, { kind: "snippet", name, locale }),
  ]);
  if (!draft.ok) {
    $("#snippet-meta").textContent = t("failed", { detail: problemText(draft) });
    return;
  }
  const s = draft.data;
  $("#snippet-meta").textContent = t("snippetMeta", {
    type: s.type,
    revision: s.revision,
    author: s.author,
    date: formatDate(s.updated_at),
  });
  $("#snippet-value").textContent = s.value;
}

/** Whether this key may review at all: learnt the way the publish view learns it. */
async function knowRole() {
  if (state.role) return;
  const result = await api("POST", "/api/v1/releases", { body: { message: "", dry_run: true } });
  if (result.status === 403) setRole("editor");
  else if (result.ok) setRole("publisher");
}

async function loadReview(panel, target) {
  panel.token += 1;
  const token = panel.token;
  panel.target = target;
  const pending = `/api/v1/review/pending?${new URLSearchParams({ kind: target.kind, locale: target.locale })}`;
  const [result, waiting] = await Promise.all([
    api("GET", reviewPath(target.kind, target.name, target.locale)),
    api("GET", pending),
  ]);
  if (result.ok && result.data.policy !== "off") await knowRole(); // who may approve
  if (token !== panel.token) return;
  // A revision no release waits for (the released one) has nothing to review.
  panel.waiting = !waiting.ok || waiting.data.some((c) => c.id === target.name);
  if (!result.ok) {
    panel.box.hidden = true; // a unit not stored yet, or an older server: nothing to review
    return;
  }
  const thread = await earlierSteps(result.data);
  if (token !== panel.token) return;
  render(panel, result.data, thread);
}

/** The steps of the change's earlier revisions (since the one approved or released before). */
async function earlierSteps(review) {
  const first = Math.max(review.since_revision + 1, review.revision - THREAD_REVISIONS);
  const numbers = [];
  for (let n = first; n < review.revision; n++) numbers.push(n);
  const results = await Promise.all(
    numbers.map((n) => api("GET", reviewPath(review.kind, review.id, review.locale, "", n)))
  );
  return results.filter((r) => r.ok).flatMap((r) => r.data.steps.map((step) => ({ ...step, revision: r.data.revision })));
}

function stateText(review, waiting) {
  const last = review.steps.length ? review.steps[review.steps.length - 1] : null;
  const n = review.revision;
  if (review.state === "approved") return t("reviewStateApproved", { n, who: review.approved_by || last.actor });
  if (review.state === "submitted") return t("reviewStateSubmitted", { n, who: last.actor });
  if (review.state === "changes_requested") return t("reviewStateChanges", { n, who: last.actor });
  return t(waiting ? "reviewStateDraft" : "reviewStateCurrent", { n });
}

/** Approve is offered as the server says for this key: to a reviewer, but under four-eyes
 * never to one who wrote the change. */
function mayApprove(review) {
  return review.may_approve === true;
}

function stepItem(step, revision) {
  return h(
    "li",
    { class: `review-step step-${step.action}` },
    h("span", { class: "review-step-head" }, t(`reviewStep_${step.action}`, { who: step.actor, n: revision }), " · ", formatDate(step.at)),
    step.comment ? h("blockquote", { class: "review-comment" }, step.comment) : null
  );
}

function render(panel, review, earlier) {
  panel.review = review;
  const policy = review.policy;
  if (policy === "off") {
    panel.box.hidden = true; // a release takes the newest revision: nothing waits for review
    return;
  }
  panel.box.classList.toggle("is-approved", review.state === "approved");
  panel.box.classList.toggle("is-changes", review.state === "changes_requested");
  const idle = review.state === "draft" && !panel.waiting;
  panel.state.textContent = stateText(review, panel.waiting);
  panel.policy.textContent = t(policy === "four-eyes" ? "reviewPolicyFourEyes" : "reviewPolicySelf", {
    who: review.change_authors.join(", "),
  });
  const units = review.affected_units || [];
  panel.affected.replaceChildren(
    ...(review.kind === "snippet"
      ? [
          h("h3", { class: "small-h", id: `${panel.prefix}-affected-h` }, t("reviewAffected", { n: units.length })),
          units.length
            ? h(
                "ul",
                { class: "unit-list", "aria-labelledby": `${panel.prefix}-affected-h` },
                units.map(([id, locale]) => h("li", {}, h("a", { href: unitHref(id, locale) }, `${id} (${locale})`)))
              )
            : h("p", { class: "muted" }, t("reviewAffectedNone")),
        ]
      : [])
  );
  const steps = [...earlier.map((s) => stepItem(s, s.revision)), ...review.steps.map((s) => stepItem(s, review.revision))];
  panel.threadHeading.hidden = !steps.length;
  panel.thread.hidden = !steps.length;
  panel.thread.replaceChildren(...steps);
  panel.submit.hidden = idle || !(review.state === "draft" || review.state === "changes_requested");
  panel.approve.hidden = idle || review.state === "approved" || !mayApprove(review);
  panel.changes.hidden = idle || state.role === "editor" || review.state === "changes_requested";
  panel.submit.textContent = t(review.state === "changes_requested" ? "reviewResubmit" : "reviewSubmit");
  if (panel.changes.hidden) closeChangesForm(panel, false);
  panel.box.hidden = false;
}

function openChangesForm(panel) {
  panel.form.hidden = false;
  panel.comment.focus();
}

function closeChangesForm(panel, refocus) {
  panel.form.hidden = true;
  panel.comment.value = "";
  panel.comment.removeAttribute("aria-invalid");
  $(`#${panel.prefix}-comment-error`).textContent = "";
  if (refocus && !panel.changes.hidden) panel.changes.focus();
}

function requestChanges(panel) {
  if (!panel.comment.value.trim()) {
    panel.comment.setAttribute("aria-invalid", "true");
    $(`#${panel.prefix}-comment-error`).textContent = t("reviewCommentNeeded");
    panel.comment.focus();
    return;
  }
  takeStep(panel, "request-changes", panel.comment.value.trim());
}

const DONE = { submit: "reviewSubmitted", approve: "reviewApproved", "request-changes": "reviewSentBack" };

/** Submit, approve or request changes; a refusal (403 under four-eyes) says the server's why. */
async function takeStep(panel, step, comment = "") {
  const target = panel.target;
  const review = panel.review;
  if (!target || !review) return;
  const token = panel.token;
  const buttons = [panel.submit, panel.approve, panel.changes];
  for (const button of buttons) button.disabled = true;
  const path = reviewPath(target.kind, target.name, target.locale, `/${step}`, review.revision);
  const result = await api("POST", path, { body: { comment } });
  for (const button of buttons) button.disabled = false;
  if (token !== panel.token) return;
  if (!result.ok) {
    say(t("failed", { detail: problemText(result) }), panel.status);
    if (step === "approve" && result.status === 403) {
      // Refused (four-eyes, or a key below publisher): the button would only be refused again.
      panel.approve.hidden = true;
      panel.state.focus();
    }
    return;
  }
  closeChangesForm(panel, false);
  const thread = await earlierSteps(result.data);
  if (token !== panel.token) return;
  render(panel, result.data, thread);
  say(t(DONE[step]), panel.status);
  panel.state.focus();
}

// -- the publish view's summary ------------------------------------------------------------

function changeLink(change) {
  const label = `${change.id} (${change.locale})`;
  const href = change.kind === "unit" ? unitHref(change.id, change.locale) : snippetHref(change.id, change.locale);
  return h("a", { href }, change.kind === "unit" ? label : h("code", {}, label));
}

function approvedItem(change) {
  return h(
    "li",
    { "data-change": `${change.kind}:${change.id}:${change.locale}` },
    changeLink(change),
    " ",
    t("sumApprovedBy", { n: change.revision, author: change.author, who: change.approved_by, date: formatDate(change.approved_at) }),
    change.comment ? h("blockquote", { class: "review-comment" }, change.comment) : null
  );
}

function waitingItem(change) {
  const taken =
    change.taken_revision === null ? t("sumWaitLeftOut") : t("sumWaitTakes", { n: change.taken_revision });
  const units = change.affected_units || [];
  return h(
    "li",
    { "data-change": `${change.kind}:${change.id}:${change.locale}` },
    changeLink(change),
    " ",
    h("span", { class: `tag tag-review-${change.state}` }, t(`reviewBadge_${change.state}`)),
    " ",
    t("sumWaiting", { n: change.revision, author: change.author }),
    " ",
    taken,
    units.length ? [" ", t("sumWaitUnits", { units: units.map(([id, locale]) => `${id} (${locale})`).join(", ") })] : null
  );
}

/** What a release made now takes approved (by whom) and what waits, from the API. */
export async function loadReviewSummary() {
  const box = $("#review-summary-body");
  const result = await api("GET", "/api/v1/review/summary");
  if (!result.ok) {
    box.replaceChildren(h("p", { class: "error-text" }, t("failed", { detail: problemText(result) })));
    return;
  }
  const summary = result.data;
  if (!summary.active) {
    box.replaceChildren(h("p", { class: "muted" }, t("sumReviewOff")));
    return;
  }
  const { approved, waiting } = summary;
  box.replaceChildren(
    h("p", { class: "muted" }, t(summary.policy === "four-eyes" ? "sumPolicyFourEyes" : "sumPolicy", { policy: summary.policy })),
    h("h3", { id: "sum-approved-h" }, t("sumApprovedTitle", { n: approved.length })),
    approved.length
      ? h("ul", { class: "review-list", id: "sum-approved", "aria-labelledby": "sum-approved-h" }, approved.map(approvedItem))
      : h("p", { class: "muted" }, t("sumNoneApproved")),
    h("h3", { id: "sum-waiting-h" }, t("sumWaitingTitle", { n: waiting.length })),
    waiting.length
      ? h("ul", { class: "review-list", id: "sum-waiting", "aria-labelledby": "sum-waiting-h" }, waiting.map(waitingItem))
      : h("p", { class: "muted" }, t("sumNoneWaiting"))
  );
}
