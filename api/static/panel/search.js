// Search as you type: the query, the results list and moving through it by keyboard.
import { $, MAX_QUERY, contentLocale, el, show, state } from "./page.js";
import { t } from "./i18n.js";
import { api, explain, signOutIfRejected } from "./api.js";
import { openUnit } from "./answer.js";

var DEBOUNCE_MS = 180;

export function cancelSearch() {
  clearTimeout(state.timer);
  state.searchSeq++;
  if (state.controller) state.controller.abort();
  state.controller = null;
}

export function scheduleSearch() {
  clearTimeout(state.timer);
  state.timer = setTimeout(function () {
    runSearch(el.q.value);
  }, DEBOUNCE_MS);
}

/** Put `query` in the box and search at once (a message, ?q=, a suggestion). */
export function searchNow(query, note) {
  var wasReading = el.unitView.contains(document.activeElement);
  el.q.value = query.slice(0, MAX_QUERY);
  show("search");
  if (wasReading) el.q.focus(); // its view is gone: keep focus in the panel, not on <body>
  runSearch(el.q.value, note);
}

export function runSearch(raw, note) {
  cancelSearch();
  var seq = state.searchSeq;
  var query = raw.trim().slice(0, MAX_QUERY);
  el.searchError.textContent = "";
  if (!query) {
    renderHits(null, "");
    return;
  }
  var controller = new AbortController();
  state.controller = controller;
  el.results.setAttribute("aria-busy", "true");
  api(
    "api/v1/search",
    { q: query, channel: "operator", locale: contentLocale, limit: 10, via: "panel" },
    controller.signal
  )
    .then(function (body) {
      if (seq !== state.searchSeq) return; // a newer search started: this answer is stale
      renderHits(body, query, note);
    })
    .catch(function (error) {
      if (seq !== state.searchSeq || (error && error.name === "AbortError")) return;
      if (signOutIfRejected(error)) return;
      el.searchError.textContent = explain(error);
    })
    .then(function () {
      if (seq === state.searchSeq) el.results.removeAttribute("aria-busy");
    });
}

export function renderHits(body, query, note) {
  var hits = body ? body.hits : [];
  state.hits = hits;
  state.opened = -1;
  el.results.replaceChildren.apply(
    el.results,
    hits.map(function (hit, index) {
      var option = document.createElement("li");
      option.id = "result-" + index;
      option.className = "kb-hit";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      var title = document.createElement("span");
      title.className = "kb-hit-title";
      title.textContent = hit.title;
      var snippet = document.createElement("span");
      snippet.className = "kb-hit-snippet";
      snippet.innerHTML = hit.snippet; // safe HTML rendered by the server, <mark> highlights
      option.append(title, snippet);
      option.addEventListener("click", function () {
        setActive(index);
        openHit(index);
      });
      return option;
    })
  );
  if (body) el.results.lang = body.locale;
  el.results.hidden = hits.length === 0;
  el.q.setAttribute("aria-expanded", hits.length ? "true" : "false");
  setActive(-1);

  var suggestion = body && body.did_you_mean;
  el.suggestion.hidden = !suggestion || suggestion === query;
  el.suggestionButton.textContent = suggestion || "";

  var lines = [];
  if (note) lines.push(note);
  if (body) {
    lines.push(hits.length ? t("results", { n: body.total }) : t("noResults", { q: query }));
    if (body.fallback) lines.push(t("fallback", { locale: body.locale }));
  }
  el.status.textContent = lines.join(" ");
}

export function setActive(index) {
  var previous = el.results.querySelector('[aria-selected="true"]');
  if (previous) previous.setAttribute("aria-selected", "false");
  state.active = index;
  if (index < 0 || index >= state.hits.length) {
    state.active = -1;
    el.q.removeAttribute("aria-activedescendant");
    return;
  }
  var option = $("result-" + index);
  option.setAttribute("aria-selected", "true");
  el.q.setAttribute("aria-activedescendant", option.id);
  option.scrollIntoView({ block: "nearest" });
}

export function onSearchKey(event) {
  var count = state.hits.length;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (!count) return;
    event.preventDefault();
    var step = event.key === "ArrowDown" ? 1 : -1;
    var next = state.active < 0 ? (step > 0 ? 0 : count - 1) : (state.active + step + count) % count;
    setActive(next);
  } else if (event.key === "Enter") {
    event.preventDefault();
    if (state.active >= 0) openHit(state.active);
    else runSearch(el.q.value);
  } else if (event.key === "Escape" && state.active >= 0) {
    event.preventDefault(); // first Esc leaves the list; the next one clears the box
    setActive(-1);
  }
}

function openHit(index) {
  state.opened = index;
  openUnit(state.hits[index].unit_id, contentLocale);
}

export function backToResults() {
  show("search");
  el.q.focus();
  if (state.opened >= 0 && state.opened < state.hits.length) setActive(state.opened);
}
