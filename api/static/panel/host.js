// Messages from the host page: {type: "kb:search"} and Chatwoot's appContext, trusted origins only.
import { MAX_QUERY, framed, state } from "./page.js";
import { t } from "./i18n.js";
import { searchNow } from "./search.js";
import { setConversation } from "./told.js";

/*
 * A host page may ask the panel to search by posting {"type": "kb:search", "q": "..."};
 * Chatwoot's dashboard app posts its appContext as a JSON string: the panel shows what the
 * customer was told in that conversation (its `id`) and searches the customer's last message. Both are accepted ONLY from the origins the server lists in
 * <meta name="kb-trusted-origins"> (KB_PANEL_ORIGINS) and from the panel's own origin: the panel
 * holds an operator key, so a stranger's page must not drive it. Chatwoot's origin belongs in
 * KB_PANEL_ORIGINS like any other host's.
 */

var FETCH_INFO = "chatwoot-dashboard-app:fetch-info";

function trustedOrigins() {
  var meta = document.querySelector('meta[name="kb-trusted-origins"]');
  var listed = meta ? meta.getAttribute("content") || "" : "";
  var origins = [location.origin];
  listed.split(/[\s,]+/).forEach(function (entry) {
    try {
      if (entry && new URL(entry).origin === entry.replace(/\/$/, "")) origins.push(new URL(entry).origin);
    } catch (e) {
      /* not an origin: ignore it */
    }
  });
  return origins;
}

var trusted = trustedOrigins();

function messageData(data) {
  if (typeof data === "string") {
    if (data === FETCH_INFO || data.charAt(0) !== "{") return null;
    try {
      return JSON.parse(data);
    } catch (e) {
      return null;
    }
  }
  return data && typeof data === "object" ? data : null;
}

function incoming(message) {
  return (
    message &&
    (message.message_type === 0 || message.message_type === "incoming") &&
    !message.private &&
    typeof message.content === "string" &&
    message.content.trim() !== ""
  );
}

/** The customer's last message in Chatwoot's appContext (message_type 0 = from the customer). */
function lastCustomerMessage(context) {
  var conversation = context && context.conversation;
  if (!conversation) return null;
  var messages = Array.isArray(conversation.messages) ? conversation.messages.filter(incoming) : [];
  if (!messages.length && incoming(conversation.last_non_activity_message)) {
    messages = [conversation.last_non_activity_message];
  }
  if (!messages.length) return null;
  var last = messages.reduce(function (latest, message) {
    // Chatwoot sends messages oldest first; created_at (seconds) settles any other order.
    return (Number(message.created_at) || 0) >= (Number(latest.created_at) || 0) ? message : latest;
  });
  return last.content.replace(/\s+/g, " ").trim().slice(0, MAX_QUERY);
}

function searchFromHost(query, note) {
  if (!query) return;
  if (!state.key) {
    state.pending = query; // searched as soon as the operator signs in
    state.pendingNote = note;
    return;
  }
  searchNow(query, note);
}

export function onMessage(event) {
  if (event.source === window || trusted.indexOf(event.origin) < 0) return;
  var data = messageData(event.data);
  if (!data) return;
  if (data.event === "appContext") {
    var conversation = data.data && data.data.conversation;
    if (conversation && conversation.id !== undefined && conversation.id !== null) setConversation(conversation.id);
    var query = lastCustomerMessage(data.data);
    if (query) searchFromHost(query, t("fromChat", { q: query }));
  } else if (data.type === "kb:search" && typeof data.q === "string") {
    searchFromHost(data.q.trim().slice(0, MAX_QUERY), null);
  }
}

/** Ask Chatwoot (or any host speaking its protocol) for the conversation; the request carries
 * nothing secret, and the host's origin is not known to a framed page, hence "*". */
export function requestContext() {
  if (framed) window.parent.postMessage(FETCH_INFO, "*");
}
