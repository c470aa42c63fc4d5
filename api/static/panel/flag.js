// "Flag as wrong or outdated": a reason and a comment for the answer's owner, posted as feedback.
import { t } from "./i18n.js";
import { explain, post, signOutIfRejected } from "./api.js";

var REASONS = ["wrong", "outdated"];
var MAX_COMMENT = 1000;
var forms = 0;

function node(tag, className, text) {
  var made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function reasonChoice(name, reason, checked) {
  var label = node("label", "kb-choice");
  var input = document.createElement("input");
  input.type = "radio";
  input.name = name;
  input.value = reason;
  input.checked = checked;
  label.append(input, " ", t("reason_" + reason));
  return label;
}

/**
 * A button that opens a small form to flag `unitId` (optionally the response `receipt` the
 * customer got) as wrong or outdated; the flag is posted with the operator key and confirmed.
 */
export function flagControls(unitId, title, receipt) {
  var id = "flag-" + ++forms;
  var wrap = node("div", "kb-flag");
  var toggle = node("button", "kb-quiet kb-flag-open", t("flagOpen"));
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", id);

  var form = node("form", "kb-flag-form");
  form.id = id;
  form.hidden = true;
  form.noValidate = true;
  form.setAttribute("aria-label", t("flagFormLabel", { title: title || unitId }));
  var reasons = node("fieldset", "kb-flag-reasons");
  reasons.append(node("legend", "", t("flagReason")));
  REASONS.forEach(function (reason, index) {
    reasons.append(reasonChoice(id + "-reason", reason, index === 0));
  });
  var commentLabel = node("label", "", t("flagComment"));
  commentLabel.htmlFor = id + "-comment";
  var comment = document.createElement("textarea");
  comment.id = id + "-comment";
  comment.rows = 3;
  comment.maxLength = MAX_COMMENT;
  var error = node("p", "kb-error");
  error.setAttribute("role", "alert");
  var send = node("button", "", t("flagSend"));
  send.type = "submit";
  var cancel = node("button", "kb-quiet", t("flagCancel"));
  cancel.type = "button";
  var buttons = node("div", "kb-flag-actions");
  buttons.append(send, cancel);
  form.append(reasons, commentLabel, comment, error, buttons);

  var status = node("p", "kb-flag-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  wrap.append(toggle, form, status);

  function open(opened) {
    form.hidden = !opened;
    toggle.setAttribute("aria-expanded", opened ? "true" : "false");
    if (opened) {
      status.textContent = "";
      error.textContent = "";
      form.querySelector("input[type=radio]:checked").focus();
    }
  }
  toggle.addEventListener("click", function () {
    open(form.hidden);
  });
  cancel.addEventListener("click", function () {
    open(false);
    toggle.focus();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var reason = form.querySelector("input[type=radio]:checked").value;
    var body = { unit_id: unitId, flag: true, reason: reason };
    if (receipt) body.receipt = receipt;
    if (comment.value.trim()) body.comment = comment.value.trim();
    send.disabled = true;
    error.textContent = "";
    status.textContent = t("flagSending");
    post("api/v1/feedback", body)
      .then(function () {
        comment.value = "";
        open(false);
        status.textContent = t("flagged", { reason: t("reason_" + reason).toLowerCase() });
        toggle.focus();
      })
      .catch(function (failure) {
        status.textContent = "";
        if (signOutIfRejected(failure)) return;
        error.textContent = explain(failure);
      })
      .then(function () {
        send.disabled = false;
      });
  });
  return wrap;
}
