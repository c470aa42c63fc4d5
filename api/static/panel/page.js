// The panel's elements, what it holds (key, results, the open answer) and which view shows.

export var MAX_QUERY = 500;
var LOCALE_PATTERN = /^[A-Za-z]{2,8}([_-][A-Za-z0-9]{1,8})*$/;

export var params = new URLSearchParams(location.search);
export var contentLocale = LOCALE_PATTERN.test(params.get("locale") || "") ? params.get("locale") : null;
export var framed = window.parent !== window;
/** A conversation id as the delivery routes take it (`conversation=`): what the customer was told. */
export var CONVERSATION_PATTERN = /^[A-Za-z0-9._:@-]{1,200}$/;

export function $(id) {
  return document.getElementById(id);
}

export var el = {
  signOut: $("sign-out"),
  signIn: $("sign-in"),
  signInForm: $("sign-in-form"),
  key: $("key"),
  keyError: $("key-error"),
  signInButton: $("sign-in-button"),
  searchView: $("search-view"),
  searchForm: $("search-form"),
  q: $("q"),
  fromConversation: $("from-conversation"),
  status: $("status"),
  searchError: $("search-error"),
  suggestion: $("suggestion"),
  suggestionButton: $("suggestion-button"),
  results: $("results"),
  unitView: $("unit-view"),
  back: $("back"),
  unitTitle: $("unit-title"),
  unitStale: $("unit-stale"),
  unitUnverified: $("unit-unverified"),
  unitUnverifiedText: $("unit-unverified-text"),
  unitMeta: $("unit-meta"),
  copy: $("copy"),
  copyStatus: $("copy-status"),
  unitBody: $("unit-body"),
  unitFlag: $("unit-flag"),
  told: $("told"),
  toldStatus: $("told-status"),
  toldError: $("told-error"),
  toldList: $("told-list"),
  toldRefresh: $("told-refresh")
};

export var state = {
  key: null,
  hits: [],
  active: -1,
  opened: -1,
  searchSeq: 0,
  unitSeq: 0,
  controller: null,
  timer: 0,
  copyTimer: 0,
  copyText: "",
  pending: params.get("q") || null,
  pendingNote: null,
  conversation: CONVERSATION_PATTERN.test(params.get("conversation") || "") ? params.get("conversation") : null,
  toldSeq: 0,
  unit: null
};

export function show(view) {
  el.signIn.hidden = view !== "sign-in";
  el.searchView.hidden = view !== "search";
  el.unitView.hidden = view !== "unit";
  el.told.hidden = view !== "search" || !state.conversation;
  el.signOut.hidden = view === "sign-in";
  el.fromConversation.hidden = !framed;
}
