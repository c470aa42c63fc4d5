/* The operator side panel: search as you type, open an answer, copy the customer-facing text.
 *
 * Plain JavaScript, no libraries, no build step. Untrusted text goes in with textContent; the
 * only HTML inserted as HTML is what the server renders as safe HTML (search snippets with
 * <mark>, rendered unit bodies).
 *
 * Messages: a host page may ask the panel to search by posting {"type": "kb:search", "q": "..."};
 * Chatwoot's dashboard app posts its appContext as a JSON string, and the panel searches the
 * customer's last message. Both are accepted ONLY from the origins the server lists in
 * <meta name="kb-trusted-origins"> (KB_PANEL_ORIGINS) and from the panel's own origin: the panel
 * holds an operator key, so a stranger's page must not drive it. Chatwoot's origin belongs in
 * KB_PANEL_ORIGINS like any other host's.
 */
(function () {
  "use strict";

  var STRINGS = {
    en: {
      title: "Knowledge base",
      noscript: "This panel needs JavaScript.",
      signOut: "Sign out",
      signInHeading: "Sign in",
      keyLabel: "Operator key",
      keyHelp: "Kept in this browser tab until you sign out or close it.",
      signIn: "Sign in",
      checking: "Checking the key…",
      keyMissing: "Enter your operator key.",
      keyWrong: "This key was not accepted. Check it and try again.",
      keyNotOperator: "This key cannot open the operator channel: ask for a key with the operator role.",
      keyExpired: "Your key is no longer accepted. Sign in again.",
      offline: "Cannot reach the knowledge base. Check the connection and try again.",
      failed: "Something went wrong: {detail}",
      notFound: "This answer is not in the current release.",
      searchLabel: "Search answers",
      searchPlaceholder: "Search answers…",
      searchHint: "Type to search. Arrow keys move through the results, Enter opens one, Esc goes back.",
      fromConversation: "From conversation",
      didYouMean: "Did you mean",
      results: { one: "{n} result", other: "{n} results" },
      noResults: "No results for “{q}”.",
      fallback: "No answers in the language asked for: showing “{locale}”.",
      fromChat: "Customer's last message: “{q}”.",
      back: "← Back to results",
      staleTitle: "Review overdue.",
      staleText: "This answer may be out of date: check it before you use it.",
      release: "Release",
      revision: "Revision",
      routing: "Routing",
      owner: "Owner",
      changed: "Last change",
      copy: "Copy answer for the customer",
      copied: "Copied",
      copyFailed: "Could not copy: select the text and copy it by hand."
    },
    ru: {
      title: "База знаний",
      noscript: "Для работы панели нужен JavaScript.",
      signOut: "Выйти",
      signInHeading: "Вход",
      keyLabel: "Ключ оператора",
      keyHelp: "Хранится в этой вкладке, пока вы не выйдете или не закроете её.",
      signIn: "Войти",
      checking: "Проверяем ключ…",
      keyMissing: "Введите ключ оператора.",
      keyWrong: "Ключ не принят. Проверьте его и попробуйте ещё раз.",
      keyNotOperator: "С этим ключом нельзя открыть канал оператора: нужен ключ с ролью operator.",
      keyExpired: "Ключ больше не действует. Войдите снова.",
      offline: "Нет связи с базой знаний. Проверьте подключение и попробуйте ещё раз.",
      failed: "Ошибка: {detail}",
      notFound: "Этого ответа нет в текущем релизе.",
      searchLabel: "Поиск ответов",
      searchPlaceholder: "Найти ответ…",
      searchHint: "Начните вводить запрос. Стрелки переходят по результатам, Enter открывает ответ, Esc возвращает назад.",
      fromConversation: "Из диалога",
      didYouMean: "Возможно, вы имели в виду",
      results: {
        one: "{n} результат",
        few: "{n} результата",
        many: "{n} результатов",
        other: "{n} результата"
      },
      noResults: "По запросу «{q}» ничего не найдено.",
      fallback: "На запрошенном языке ответов нет: показаны ответы на «{locale}».",
      fromChat: "Последнее сообщение клиента: «{q}».",
      back: "← К результатам",
      staleTitle: "Просрочена проверка.",
      staleText: "Ответ может быть устаревшим: проверьте его перед использованием.",
      release: "Релиз",
      revision: "Ревизия",
      routing: "Маршрутизация",
      owner: "Владелец",
      changed: "Последнее изменение",
      copy: "Скопировать ответ для клиента",
      copied: "Скопировано",
      copyFailed: "Не удалось скопировать: выделите текст и скопируйте вручную."
    }
  };

  var KEY_STORE = "kb-panel-operator-key";
  var DEBOUNCE_MS = 180;
  var MAX_QUERY = 500;
  var FETCH_INFO = "chatwoot-dashboard-app:fetch-info";
  var ORIGINS_SLOT = "__KB_PANEL_ORIGINS__";
  var LOCALE_PATTERN = /^[A-Za-z]{2,8}([_-][A-Za-z0-9]{1,8})*$/;

  var params = new URLSearchParams(location.search);
  var lang = pickLanguage();
  var plural = new Intl.PluralRules(lang);
  var contentLocale = LOCALE_PATTERN.test(params.get("locale") || "") ? params.get("locale") : null;
  var framed = window.parent !== window;

  function $(id) {
    return document.getElementById(id);
  }

  var el = {
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
    unitMeta: $("unit-meta"),
    copy: $("copy"),
    copyStatus: $("copy-status"),
    unitBody: $("unit-body")
  };

  var state = {
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
    pendingNote: null
  };

  // ---- language -------------------------------------------------------------------------

  function pickLanguage() {
    var asked = (params.get("lang") || "").slice(0, 2).toLowerCase();
    if (STRINGS[asked]) return asked;
    var preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < preferred.length; i++) {
      var code = String(preferred[i] || "").slice(0, 2).toLowerCase();
      if (STRINGS[code]) return code;
    }
    return "en";
  }

  /** A string of the interface language with {name} filled in (values are plain text). */
  function t(name, values) {
    var text = STRINGS[lang][name];
    if (typeof text === "object") text = text[plural.select(values.n)] || text.other;
    return text.replace(/\{(\w+)\}/g, function (_, key) {
      return values && key in values ? String(values[key]) : "";
    });
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = t("title");
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
    });
  }

  // ---- the key --------------------------------------------------------------------------

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY_STORE);
    } catch (e) {
      return null; // storage may be blocked in a third-party frame: keep the key in memory
    }
  }

  function storeKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY_STORE, key);
      else sessionStorage.removeItem(KEY_STORE);
    } catch (e) {
      /* the key lives in memory only */
    }
  }

  // ---- the API --------------------------------------------------------------------------

  function ApiError(status, detail) {
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }

  /** GET a JSON route of the API with the operator key; problem details become ApiError. */
  function api(path, query, signal) {
    var url = new URL(path, document.baseURI);
    Object.keys(query).forEach(function (name) {
      if (query[name] !== null && query[name] !== undefined) url.searchParams.set(name, query[name]);
    });
    return fetch(url, {
      headers: { Authorization: "Bearer " + state.key, Accept: "application/json" },
      signal: signal
    }).then(function (response) {
      return response.json().then(
        function (body) {
          if (response.ok) return body;
          throw new ApiError(response.status, (body && body.detail) || response.statusText);
        },
        function () {
          throw new ApiError(response.status, response.statusText);
        }
      );
    });
  }

  /** What to tell the operator about a failed call; a rejected key signs the panel out. */
  function explain(error, notFound) {
    if (error instanceof ApiError) {
      if (error.status === 401) return t("keyWrong");
      if (error.status === 403) return t("keyNotOperator");
      if (error.status === 404 && notFound) return notFound;
      return t("failed", { detail: error.detail });
    }
    return t("offline");
  }

  function keyRejected(error) {
    return error instanceof ApiError && (error.status === 401 || error.status === 403);
  }

  // ---- views ----------------------------------------------------------------------------

  function show(view) {
    el.signIn.hidden = view !== "sign-in";
    el.searchView.hidden = view !== "search";
    el.unitView.hidden = view !== "unit";
    el.signOut.hidden = view === "sign-in";
    el.fromConversation.hidden = !framed;
  }

  function signIn(event) {
    event.preventDefault();
    var key = el.key.value.trim();
    if (!key) {
      el.keyError.textContent = t("keyMissing");
      el.key.setAttribute("aria-invalid", "true");
      el.key.focus();
      return;
    }
    state.key = key;
    el.signInButton.disabled = true;
    el.keyError.textContent = "";
    el.key.setAttribute("aria-busy", "true");
    // An empty search proves the key may use the operator channel without searching anything.
    api("api/v1/search", { q: "", channel: "operator", limit: 1 })
      .then(function () {
        storeKey(key);
        el.key.value = "";
        el.key.removeAttribute("aria-invalid");
        startSearching(true);
      })
      .catch(function (error) {
        state.key = null;
        el.keyError.textContent = explain(error);
        el.key.setAttribute("aria-invalid", "true");
        el.key.focus();
        el.key.select();
      })
      .then(function () {
        el.signInButton.disabled = false;
        el.key.removeAttribute("aria-busy");
      });
  }

  /** Forget the key (sign out, or the server stopped accepting it) and ask for one again. */
  function signOut(message) {
    state.key = null;
    storeKey(null);
    cancelSearch();
    state.hits = [];
    state.pending = null;
    el.q.value = "";
    renderHits(null, "");
    el.unitBody.replaceChildren();
    state.copyText = "";
    show("sign-in");
    el.keyError.textContent = message || "";
    el.key.focus();
  }

  function startSearching(focus) {
    show("search");
    if (state.pending) {
      var query = state.pending;
      var note = state.pendingNote;
      state.pending = null;
      state.pendingNote = null;
      searchNow(query, note);
    }
    if (focus) el.q.focus();
  }

  // ---- search ---------------------------------------------------------------------------

  function cancelSearch() {
    clearTimeout(state.timer);
    state.searchSeq++;
    if (state.controller) state.controller.abort();
    state.controller = null;
  }

  function scheduleSearch() {
    clearTimeout(state.timer);
    state.timer = setTimeout(function () {
      runSearch(el.q.value);
    }, DEBOUNCE_MS);
  }

  /** Put `query` in the box and search at once (a message, ?q=, a suggestion). */
  function searchNow(query, note) {
    var wasReading = el.unitView.contains(document.activeElement);
    el.q.value = query.slice(0, MAX_QUERY);
    show("search");
    if (wasReading) el.q.focus(); // its view is gone: keep focus in the panel, not on <body>
    runSearch(el.q.value, note);
  }

  function runSearch(raw, note) {
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
      { q: query, channel: "operator", locale: contentLocale, limit: 10 },
      controller.signal
    )
      .then(function (body) {
        if (seq !== state.searchSeq) return; // a newer search started: this answer is stale
        renderHits(body, query, note);
      })
      .catch(function (error) {
        if (seq !== state.searchSeq || (error && error.name === "AbortError")) return;
        if (keyRejected(error)) {
          signOut(error.status === 401 ? t("keyExpired") : t("keyNotOperator"));
          return;
        }
        el.searchError.textContent = explain(error);
      })
      .then(function () {
        if (seq === state.searchSeq) el.results.removeAttribute("aria-busy");
      });
  }

  function renderHits(body, query, note) {
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

  function setActive(index) {
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

  function onSearchKey(event) {
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

  // ---- one unit -------------------------------------------------------------------------

  function openHit(index) {
    state.opened = index;
    openUnit(state.hits[index].unit_id, contentLocale);
  }

  function openUnit(unitId, locale) {
    var seq = ++state.unitSeq;
    el.searchError.textContent = "";
    api("api/v1/units/" + encodeURIComponent(unitId), { channel: "operator", locale: locale })
      .then(function (body) {
        if (seq !== state.unitSeq) return;
        renderUnit(body);
        show("unit");
        el.unitTitle.focus();
      })
      .catch(function (error) {
        if (seq !== state.unitSeq) return;
        if (keyRejected(error)) {
          signOut(error.status === 401 ? t("keyExpired") : t("keyNotOperator"));
          return;
        }
        show("search");
        el.searchError.textContent = explain(error, t("notFound"));
      });
  }

  function metaRow(label, value) {
    var term = document.createElement("dt");
    term.textContent = label;
    var detail = document.createElement("dd");
    if (typeof value === "string" || typeof value === "number") detail.textContent = String(value);
    else detail.append(value);
    el.unitMeta.append(term, detail);
  }

  function renderUnit(body) {
    el.unitTitle.textContent = body.title;
    el.unitStale.hidden = !body.stale;
    el.copyStatus.textContent = "";
    state.copyText = body.copy_text || "";
    el.copy.disabled = !state.copyText;

    // The server's body starts with its own facts header (in the content's language); the
    // panel shows those facts in the interface language instead and keeps the body below it.
    var template = document.createElement("template");
    if (body.media_type === "text/html") template.innerHTML = body.content; // safe server HTML
    else template.content.append(document.createTextNode(body.content));
    var header = template.content.querySelector("header.kb-operator-header");
    var changed = header && header.querySelector(".kb-changed");
    if (header) header.remove();

    el.unitMeta.replaceChildren();
    metaRow(t("release"), body.release !== undefined ? body.release : body.kb_version);
    metaRow(t("revision"), body.revision);
    if (body.routing) metaRow(t("routing"), body.routing);
    if (body.owner) metaRow(t("owner"), body.owner);
    if (changed) {
      var when = document.createElement("span");
      when.append.apply(when, Array.prototype.slice.call(changed.childNodes));
      metaRow(t("changed"), when);
    }

    template.content.querySelectorAll("a[href]").forEach(function (link) {
      if (!link.classList.contains("kb-unit-link") && /^https?:/i.test(link.getAttribute("href"))) {
        link.target = "_blank"; // never navigate the panel (or its host's frame) away
        link.rel = "noopener noreferrer";
      }
    });
    el.unitBody.lang = body.locale;
    el.unitBody.replaceChildren(template.content);
  }

  /** A link to another unit opens it in the panel instead of leaving the page. */
  function onBodyClick(event) {
    var link = event.target.closest("a.kb-unit-link");
    if (!link) return;
    event.preventDefault();
    var url = new URL(link.getAttribute("href"), location.href);
    var unitId = decodeURIComponent(url.pathname.split("/").pop());
    openUnit(unitId, url.searchParams.get("locale") || contentLocale);
  }

  function backToResults() {
    show("search");
    el.q.focus();
    if (state.opened >= 0 && state.opened < state.hits.length) setActive(state.opened);
  }

  // ---- copy -----------------------------------------------------------------------------

  function copyWithTextarea(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.setAttribute("aria-hidden", "true");
    area.tabIndex = -1;
    area.className = "kb-offscreen";
    document.body.append(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    area.remove();
    el.copy.focus();
    return copied;
  }

  function copyAnswer() {
    var text = state.copyText;
    var write =
      navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(text).then(
            function () {
              return true;
            },
            function () {
              return copyWithTextarea(text); // e.g. a frame without clipboard-write permission
            }
          )
        : Promise.resolve(copyWithTextarea(text));
    write.then(function (copied) {
      el.copyStatus.textContent = copied ? t("copied") : t("copyFailed");
      clearTimeout(state.copyTimer);
      state.copyTimer = setTimeout(function () {
        el.copyStatus.textContent = "";
      }, 4000);
    });
  }

  // ---- messages from the host page ------------------------------------------------------

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

  function onMessage(event) {
    if (event.source === window || trusted.indexOf(event.origin) < 0) return;
    var data = messageData(event.data);
    if (!data) return;
    if (data.event === "appContext") {
      var query = lastCustomerMessage(data.data);
      if (query) searchFromHost(query, t("fromChat", { q: query }));
    } else if (data.type === "kb:search" && typeof data.q === "string") {
      searchFromHost(data.q.trim().slice(0, MAX_QUERY), null);
    }
  }

  /** Ask Chatwoot (or any host speaking its protocol) for the conversation; the request carries
   * nothing secret, and the host's origin is not known to a framed page, hence "*". */
  function requestContext() {
    if (framed) window.parent.postMessage(FETCH_INFO, "*");
  }

  // ---- start ----------------------------------------------------------------------------

  function start() {
    var meta = document.querySelector('meta[name="kb-trusted-origins"]');
    if (meta && meta.getAttribute("content") === ORIGINS_SLOT) {
      // Opened as a raw static file: go to /panel, which sets who may frame it.
      location.replace(new URL("../panel" + location.search, location.href).href);
      return;
    }
    applyLanguage();
    window.addEventListener("message", onMessage);
    el.signInForm.addEventListener("submit", signIn);
    el.signOut.addEventListener("click", function () {
      signOut("");
    });
    el.searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      runSearch(el.q.value);
    });
    el.q.addEventListener("input", scheduleSearch);
    el.q.addEventListener("keydown", onSearchKey);
    el.suggestionButton.addEventListener("click", function () {
      searchNow(el.suggestionButton.textContent);
      el.q.focus();
    });
    el.fromConversation.addEventListener("click", requestContext);
    el.back.addEventListener("click", backToResults);
    el.copy.addEventListener("click", copyAnswer);
    el.unitBody.addEventListener("click", onBodyClick);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !el.unitView.hidden) {
        event.preventDefault();
        backToResults();
      }
    });

    state.key = storedKey();
    if (state.key) startSearching(!framed);
    else {
      show("sign-in");
      if (!framed) el.key.focus(); // a framed panel does not take focus from the conversation
    }
    requestContext();
  }

  start();
})();
