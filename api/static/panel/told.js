// "What the customer was told": a conversation's receipts, oldest first, as the customer got them,
// each marked where its answer changed since, with the current answer and a flag one click away.
import { CONVERSATION_PATTERN, el, state } from "./page.js";
import { lang, t } from "./i18n.js";
import { api, explain, signOutIfRejected } from "./api.js";
import { onBodyClick, openUnit } from "./answer.js";
import { flagControls } from "./flag.js";

var CHANNELS = ["web", "chatbot", "operator", "ivr"];
var STATUSES = ["answered", "clarify", "no_answer"];
var KINDS = ["answer", "search", "unit", "faq"];

function node(tag, className, text) {
  var made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined && text !== null) made.textContent = text;
  return made;
}

/** Show the conversation `id` (from ?conversation= or the host's context) and load it. */
export function setConversation(id) {
  var value = String(id);
  if (!CONVERSATION_PATTERN.test(value)) return;
  if (value !== state.conversation) {
    state.conversation = value;
    el.toldList.replaceChildren();
  }
  el.told.hidden = el.searchView.hidden;
  loadTold();
}

export function loadTold() {
  if (!state.conversation || !state.key) return;
  var seq = ++state.toldSeq;
  var conversation = state.conversation;
  el.toldError.textContent = "";
  el.toldStatus.textContent = t("toldLoading");
  el.toldList.setAttribute("aria-busy", "true");
  api("api/v1/conversations/" + encodeURIComponent(conversation), {})
    .then(function (body) {
      if (seq !== state.toldSeq) return;
      renderTold(conversation, body.receipts || []);
    })
    .catch(function (error) {
      if (seq !== state.toldSeq) return;
      el.toldStatus.textContent = t("toldConversation", { id: conversation });
      if (signOutIfRejected(error)) return;
      el.toldError.textContent = explain(error);
    })
    .then(function () {
      if (seq === state.toldSeq) el.toldList.removeAttribute("aria-busy");
    });
}

export function clearTold() {
  state.toldSeq++;
  el.toldList.replaceChildren();
  el.toldStatus.textContent = "";
  el.toldError.textContent = "";
}

function renderTold(conversation, receipts) {
  el.toldList.replaceChildren.apply(el.toldList, receipts.map(receiptItem));
  var lines = [t("toldConversation", { id: conversation })];
  if (!receipts.length) lines.push(t("toldNone"));
  else {
    lines.push(t("toldCount", { n: receipts.length }));
    var changed = receipts.filter(function (receipt) {
      return receipt.changed_since;
    }).length;
    if (changed) lines.push(t("toldChanged", { n: changed }));
  }
  el.toldStatus.textContent = lines.join(" ");
}

function when(at) {
  var date = new Date(at);
  if (isNaN(date.getTime())) return String(at);
  var today = new Date().toDateString() === date.toDateString();
  var style = today ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
  return new Intl.DateTimeFormat(lang, style).format(date);
}

function known(list, value, prefix) {
  return list.indexOf(value) >= 0 ? t(prefix + value) : String(value);
}

function headLine(receipt) {
  var head = node("p", "kb-receipt-head");
  var time = node("time", "", when(receipt.at));
  time.dateTime = receipt.at;
  head.append(time, " · ", node("span", "kb-tag", known(CHANNELS, receipt.channel, "channel_")));
  var what = known(KINDS, receipt.kind, "kind_");
  if (receipt.status) what += ": " + known(STATUSES, receipt.status, "status_");
  head.append(" · ", node("span", "kb-receipt-kind kb-status-" + (receipt.status || receipt.kind), what));
  if (receipt.via) head.append(" · ", node("span", "", t("via", { via: receipt.via })));
  return head;
}

function questionLine(receipt) {
  if (!receipt.question) return null;
  var line = node("p", "kb-receipt-question");
  var quote = node("q", "", receipt.question);
  quote.lang = receipt.locale || "";
  line.append(node("span", "kb-label", t(receipt.kind === "search" ? "searched" : "asked")), " ", quote);
  return line;
}

/** The marker of a receipt whose unit is another revision now, or gone from the release. */
function changedLine(receipt) {
  if (!receipt.unit_id || !receipt.changed_since) return null;
  var marker = node("p", "kb-changed-since");
  marker.append(
    node(
      "strong",
      "",
      receipt.current_revision === null || receipt.current_revision === undefined
        ? t("goneSince")
        : t("changedSince", { n: receipt.current_revision })
    )
  );
  return marker;
}

/** The content as the customer saw or heard it: safe server HTML, spoken text, or plain text. */
function contentBody(receipt) {
  var body = node("div", "kb-body kb-receipt-content");
  body.lang = receipt.locale || "";
  var type = receipt.media_type || "";
  if (receipt.content === null || receipt.content === undefined) {
    body.append(node("p", "kb-help", t("noContent")));
  } else if (type === "text/html") {
    var template = document.createElement("template");
    template.innerHTML = receipt.content; // safe HTML rendered by the server, as on the unit route
    template.content.querySelectorAll("a[href]").forEach(function (link) {
      if (!link.classList.contains("kb-unit-link") && /^https?:/i.test(link.getAttribute("href"))) {
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
    });
    body.append(template.content);
    body.addEventListener("click", onBodyClick);
  } else if (/ssml|xml/.test(type)) {
    var spoken = new DOMParser().parseFromString(receipt.content, "application/xml");
    var text = spoken.querySelector("parsererror") ? receipt.content : spoken.documentElement.textContent;
    body.append(node("p", "kb-spoken", text.replace(/\s+/g, " ").trim()));
  } else {
    body.append(node("p", "kb-plain", receipt.content));
  }
  return body;
}

function unitPart(item, receipt) {
  var title = node("h3", "kb-receipt-title", receipt.title || receipt.unit_id);
  title.lang = receipt.locale || "";
  item.append(title);
  var facts = node("p", "kb-help", t("servedRevision", { revision: receipt.revision, release: receipt.kb_version }));
  item.append(facts);
  var marker = changedLine(receipt);
  if (marker) item.append(marker);
  var content = node("details", "kb-receipt-details");
  content.append(
    node("summary", "", t(receipt.channel === "ivr" ? "heardContent" : "sawContent")),
    contentBody(receipt)
  );
  item.append(content);
  var actions = node("div", "kb-receipt-actions");
  if (receipt.current_revision !== null && receipt.current_revision !== undefined) {
    var open = node("button", "kb-quiet", t("openCurrent"));
    open.type = "button";
    open.addEventListener("click", function () {
      openUnit(receipt.unit_id, receipt.locale);
    });
    actions.append(open);
  }
  item.append(actions, flagControls(receipt.unit_id, receipt.title, receipt.receipt));
}

function receiptItem(receipt) {
  var item = node("li", "kb-receipt" + (receipt.changed_since ? " kb-receipt-changed" : ""));
  item.dataset.receipt = receipt.receipt;
  item.append(headLine(receipt));
  var question = questionLine(receipt);
  if (question) item.append(question);
  if (receipt.unit_id) unitPart(item, receipt);
  else if (receipt.kind === "search") {
    var found = t("results", { n: receipt.hits || 0 });
    if (receipt.units && receipt.units.length) found += ". " + t("searchUnits", { units: receipt.units.join(", ") });
    item.append(node("p", "kb-help", found));
  } else if (receipt.kind === "answer") {
    item.append(node("p", "kb-help", t(receipt.status === "clarify" ? "clarifyGiven" : "noAnswerGiven")));
  } else if (receipt.kind === "faq") item.append(node("p", "kb-help", t("faqShown")));
  return item;
}
