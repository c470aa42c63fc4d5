/* The editor page: units, a live preview of every channel, drafts, history, publishing, snippets.
 *
 * Plain JavaScript, no build step and no libraries. Everything it shows comes from the JSON API,
 * called with the key the editor signs in with (kept in sessionStorage, this tab only). Text is
 * always inserted with textContent; the only HTML inserted as HTML is the web and operator
 * renderings the server produced (safe HTML by contract).
 */
(() => {
  "use strict";

  // -- interface strings ---------------------------------------------------------------------

  const STRINGS = {
    en: {
      appTitle: "Knowledge base editor",
      skip: "Skip to content",
      navLabel: "Sections",
      langLabel: "Language",
      navUnits: "Units",
      navNew: "New unit",
      navSnippets: "Snippets",
      navPublish: "Publish",
      signOut: "Sign out",
      signinTitle: "Sign in",
      signinHelp:
        "Enter your API key (an editor or publisher key from `kb keys create`). It is kept in this browser tab only.",
      keyLabel: "API key",
      signIn: "Sign in",
      keyRejected: "The server does not accept this key.",
      keyTooLow: "This key cannot edit: it needs the editor or publisher role.",
      keyExpired: "The server no longer accepts your key: sign in again.",
      unreachable: "The server cannot be reached: {detail}",
      roleEditor: "Editor",
      rolePublisher: "Publisher",
      roleUnknown: "Signed in",
      release: "Release {n}",
      noRelease: "Nothing published yet",
      unitsTitle: "Units",
      newUnit: "New unit",
      filtersLabel: "Filter units",
      snippetFiltersLabel: "Filter snippets",
      filterText: "Find",
      filterLocale: "Locale",
      filterCategory: "Category",
      filterStatus: "Status",
      all: "All",
      statusChanged: "Draft changed",
      statusPublished: "Published",
      statusStale: "Review date passed",
      statusFailing: "Failing checks",
      colTitle: "Title",
      colId: "ID",
      colLocale: "Locale",
      colCategory: "Category",
      colRevision: "Revision",
      colStatus: "Status",
      colUpdated: "Updated",
      colName: "Name",
      colType: "Type",
      colValue: "Value",
      colUsedBy: "Used by",
      colRelease: "Release",
      colMessage: "Message",
      colAuthor: "Author",
      colDate: "Date",
      colUnits: "Units",
      colActions: "Actions",
      unitsCount: "{n} of {total} units",
      loading: "Loading…",
      revisionOf: "draft {draft} · published {published}",
      revisionDraftOnly: "draft {draft} · not published",
      badgeChanged: "changed",
      badgeNew: "not published",
      badgeStale: "review due",
      badgeErrors: "{n} errors",
      badgeWarnings: "{n} warnings",
      badgeArchived: "archived",
      badgeOk: "published",
      byOn: "{author}, {date}",
      backToUnits: "Back to units",
      newUnitTitle: "New unit",
      editMeta: "Revision {revision} · saved by {author}, {date}",
      editMetaArchived: "archived: saving brings it back",
      editMetaNew: "Not saved yet",
      frontMatter: "Fields",
      fId: "ID",
      fLocale: "Locale",
      fTitle: "Title",
      fQuestions: "Questions customers ask (one per line)",
      fCategory: "Category",
      fTags: "Tags (comma separated)",
      fAudience: "Audience",
      audiencePublic: "Public",
      audienceInternal: "Internal (staff only)",
      fReviewBy: "Review by",
      fChannels: "Channels",
      chWeb: "Web",
      chChatbot: "Chatbot",
      chOperator: "Operator",
      chIvr: "IVR",
      fRouting: "Routing (team for a hand-off)",
      fOwner: "Owner",
      fBody: "Answer (Markdown)",
      fSource: "Source (front matter and Markdown)",
      editSource: "Edit as source",
      editForm: "Edit as form",
      fixFirst: "Fix the errors in the source before going back to the form.",
      parseErrors: "The source cannot be read",
      lineField: "line {line}, {field}: {message}",
      lineOnly: "line {line}: {message}",
      fieldOnly: "{field}: {message}",
      checks: "Checks",
      checksNone: "No problems found.",
      checksCount: "{errors} errors, {warnings} warnings",
      checksPending: "Checking…",
      severity_error: "Error",
      severity_warning: "Warning",
      allChannels: "all channels",
      saveMessage: "What changed and why",
      saveDraft: "Save draft",
      createUnit: "Create unit",
      saving: "Saving…",
      saved: "Saved as revision {n}.",
      savedUnchanged: "Nothing changed since revision {n}.",
      created: "Created {id} ({locale}).",
      unsaved: "Unsaved changes.",
      restored: "Your unsaved changes are back; Save keeps them.",
      exists: "A unit with this ID and locale exists already.",
      saveFailed: "Not saved: {detail}",
      conflictTitle: "Someone saved this unit while you were editing",
      conflictMeta:
        "Revision {revision} was saved by {author}, {date}. Your changes are not saved yet: keep theirs, or save yours over theirs (theirs stays in the history).",
      conflictMine: "Your version (not saved)",
      conflictTheirs: "Current version",
      conflictTheirsRev: "Current version (revision {n})",
      keepTheirs: "Keep theirs (discard mine)",
      overwrite: "Save mine over theirs",
      keptTheirs: "Their version (revision {n}) is loaded.",
      previewTitle: "Preview in every channel",
      previewStale: "The preview shows the last version that could be read.",
      notInChannel: "This unit is not shown in this channel.",
      chatQuickReplies: "Quick replies",
      chatLinks: "Links",
      chatTruncated: "Cut to the chatbot's length.",
      internalNote: "Internal note (staff only)",
      copyText: "Text the operator copies for the customer",
      ivrSpoken: "Spoken text",
      ivrDuration: "About {seconds} s of {max} s allowed",
      ivrTooLong: "Too long: about {seconds} s, the limit is {max} s",
      ivrSsml: "SSML",
      play: "Play",
      playing: "Synthesizing…",
      noSpeech: "Speech synthesis is not available on the server.",
      historyTitle: "History",
      showHistory: "Show revisions",
      diffPublished: "Diff against published",
      revisionLine: "Revision {n}: {author}, {date}",
      view: "View",
      viewRevision: "View revision {n}",
      diffPrevious: "Diff with previous",
      diffPreviousLabel: "Diff revision {n} with the one before",
      revisionSource: "Revision {n}",
      diffTitle: "Changes from {from} to revision {to}",
      diffFromPublished: "published revision {n}",
      diffFromNothing: "nothing published",
      diffFromRevision: "revision {n}",
      diffNone: "No differences.",
      snippetsTitle: "Snippets",
      snippetsHelp:
        "Shared values used in units as {{ name }}. A change reaches every unit that uses it with the next release.",
      snippetValueLabel: "Value of {name} ({locale})",
      snippetSave: "Save",
      snippetSaveLabel: "Save {name} ({locale})",
      snippetSaved: "Saved {name} ({locale}), revision {n}.",
      snippetConflict:
        "{name} ({locale}) was changed by {author} since this list was loaded; its value now is “{value}”. Save again to replace it.",
      snippetUnused: "not used",
      newSnippet: "New snippet",
      create: "Create",
      snippetCreated: "Created {name} ({locale}).",
      publishTitle: "Publish",
      releaseMessage: "Release message",
      reviewChanges: "Review changes",
      reviewing: "Comparing the drafts with the current release…",
      publishConfirm: "Publish release",
      publishing: "Publishing…",
      cancel: "Cancel",
      needsPublisher: "Publishing needs a publisher key: this key can edit drafts but not publish or roll back.",
      needMessage: "Write a release message first.",
      summaryTitle: "What the next release changes (compared with release {base})",
      summaryTitleFirst: "What the first release contains",
      nothingToPublish: "Nothing to publish: the drafts equal the current release.",
      sumAdded: "Added units",
      sumChanged: "Changed units",
      sumRemoved: "Removed units",
      sumAffected: "Units changed through snippets",
      sumSnippetsAdded: "Snippets added",
      sumSnippetsChanged: "Snippets changed",
      sumSnippetsRemoved: "Snippets removed",
      sumRouting: "Example questions that would stop routing to their unit",
      sumFindings: "Checks",
      sumBlocked: "Errors block this release: fix them first.",
      published: "Published release {n}.",
      publishFailed: "Not published: {detail}",
      releasesTitle: "Releases",
      current: "current",
      rollbackOf: "rollback to {n}",
      rollbackTo: "Roll back to this release",
      rollbackToLabel: "Roll back to release {n}",
      rollbackQuestion:
        "Roll back to release {n}? A new release with exactly the content of release {n} is published; nothing is deleted.",
      rollbackMessage: "Why roll back",
      rollbackConfirm: "Roll back",
      rolledBack: "Rolled back: release {n} now serves the content of release {to}.",
      rollbackFailed: "Not rolled back: {detail}",
      failed: "Failed: {detail}",
    },
    ru: {
      appTitle: "Редактор базы знаний",
      skip: "К содержимому",
      navLabel: "Разделы",
      langLabel: "Язык",
      navUnits: "Статьи",
      navNew: "Новая статья",
      navSnippets: "Фрагменты",
      navPublish: "Публикация",
      signOut: "Выйти",
      signinTitle: "Вход",
      signinHelp:
        "Введите API-ключ (ключ редактора или публикатора из `kb keys create`). Он хранится только в этой вкладке браузера.",
      keyLabel: "API-ключ",
      signIn: "Войти",
      keyRejected: "Сервер не принимает этот ключ.",
      keyTooLow: "Этим ключом нельзя редактировать: нужна роль редактора или публикатора.",
      keyExpired: "Сервер больше не принимает ваш ключ: войдите снова.",
      unreachable: "Сервер недоступен: {detail}",
      roleEditor: "Редактор",
      rolePublisher: "Публикатор",
      roleUnknown: "Вход выполнен",
      release: "Выпуск {n}",
      noRelease: "Ещё ничего не опубликовано",
      unitsTitle: "Статьи",
      newUnit: "Новая статья",
      filtersLabel: "Отбор статей",
      snippetFiltersLabel: "Отбор фрагментов",
      filterText: "Найти",
      filterLocale: "Язык",
      filterCategory: "Категория",
      filterStatus: "Состояние",
      all: "Все",
      statusChanged: "Черновик изменён",
      statusPublished: "Опубликованы",
      statusStale: "Пора пересмотреть",
      statusFailing: "Есть ошибки проверок",
      colTitle: "Заголовок",
      colId: "ID",
      colLocale: "Язык",
      colCategory: "Категория",
      colRevision: "Ревизия",
      colStatus: "Состояние",
      colUpdated: "Изменена",
      colName: "Имя",
      colType: "Тип",
      colValue: "Значение",
      colUsedBy: "Где используется",
      colRelease: "Выпуск",
      colMessage: "Комментарий",
      colAuthor: "Автор",
      colDate: "Дата",
      colUnits: "Статей",
      colActions: "Действия",
      unitsCount: "{n} из {total} статей",
      loading: "Загрузка…",
      revisionOf: "черновик {draft} · опубликована {published}",
      revisionDraftOnly: "черновик {draft} · не опубликована",
      badgeChanged: "изменена",
      badgeNew: "не опубликована",
      badgeStale: "пора пересмотреть",
      badgeErrors: "ошибок: {n}",
      badgeWarnings: "предупреждений: {n}",
      badgeArchived: "в архиве",
      badgeOk: "опубликована",
      byOn: "{author}, {date}",
      backToUnits: "К списку статей",
      newUnitTitle: "Новая статья",
      editMeta: "Ревизия {revision} · сохранил(а) {author}, {date}",
      editMetaArchived: "в архиве: сохранение вернёт её",
      editMetaNew: "Ещё не сохранена",
      frontMatter: "Поля",
      fId: "ID",
      fLocale: "Язык",
      fTitle: "Заголовок",
      fQuestions: "Как спрашивают клиенты (по вопросу в строке)",
      fCategory: "Категория",
      fTags: "Теги (через запятую)",
      fAudience: "Аудитория",
      audiencePublic: "Все",
      audienceInternal: "Только сотрудники",
      fReviewBy: "Пересмотреть до",
      fChannels: "Каналы",
      chWeb: "Сайт",
      chChatbot: "Чат-бот",
      chOperator: "Оператор",
      chIvr: "IVR",
      fRouting: "Маршрутизация (команда для передачи)",
      fOwner: "Ответственный",
      fBody: "Ответ (Markdown)",
      fSource: "Исходный текст (поля и Markdown)",
      editSource: "Править исходный текст",
      editForm: "Править в форме",
      fixFirst: "Исправьте ошибки в исходном тексте, прежде чем вернуться к форме.",
      parseErrors: "Исходный текст не читается",
      lineField: "строка {line}, {field}: {message}",
      lineOnly: "строка {line}: {message}",
      fieldOnly: "{field}: {message}",
      checks: "Проверки",
      checksNone: "Проблем не найдено.",
      checksCount: "ошибок: {errors}, предупреждений: {warnings}",
      checksPending: "Проверяем…",
      severity_error: "Ошибка",
      severity_warning: "Предупреждение",
      allChannels: "все каналы",
      saveMessage: "Что изменено и зачем",
      saveDraft: "Сохранить черновик",
      createUnit: "Создать статью",
      saving: "Сохраняем…",
      saved: "Сохранено как ревизия {n}.",
      savedUnchanged: "С ревизии {n} ничего не изменилось.",
      created: "Создана {id} ({locale}).",
      unsaved: "Есть несохранённые изменения.",
      restored: "Ваши несохранённые изменения восстановлены; «Сохранить» сохранит их.",
      exists: "Статья с таким ID и языком уже есть.",
      saveFailed: "Не сохранено: {detail}",
      conflictTitle: "Пока вы редактировали, статью сохранил кто-то другой",
      conflictMeta:
        "Ревизию {revision} сохранил(а) {author}, {date}. Ваши изменения ещё не сохранены: оставьте их версию или сохраните свою поверх (их версия останется в истории).",
      conflictMine: "Ваша версия (не сохранена)",
      conflictTheirs: "Текущая версия",
      conflictTheirsRev: "Текущая версия (ревизия {n})",
      keepTheirs: "Оставить их версию (отбросить мою)",
      overwrite: "Сохранить мою поверх",
      keptTheirs: "Загружена их версия (ревизия {n}).",
      previewTitle: "Предпросмотр во всех каналах",
      previewStale: "Показана последняя версия, которую удалось прочитать.",
      notInChannel: "В этом канале статья не показывается.",
      chatQuickReplies: "Быстрые ответы",
      chatLinks: "Ссылки",
      chatTruncated: "Обрезано до длины сообщения чат-бота.",
      internalNote: "Внутренняя заметка (только для сотрудников)",
      copyText: "Текст, который оператор копирует клиенту",
      ivrSpoken: "Что прозвучит",
      ivrDuration: "Примерно {seconds} с из {max} с",
      ivrTooLong: "Слишком длинно: примерно {seconds} с, предел {max} с",
      ivrSsml: "SSML",
      play: "Прослушать",
      playing: "Синтезируем…",
      noSpeech: "Синтез речи на сервере недоступен.",
      historyTitle: "История",
      showHistory: "Показать ревизии",
      diffPublished: "Отличия от опубликованной",
      revisionLine: "Ревизия {n}: {author}, {date}",
      view: "Открыть",
      viewRevision: "Открыть ревизию {n}",
      diffPrevious: "Отличия от предыдущей",
      diffPreviousLabel: "Отличия ревизии {n} от предыдущей",
      revisionSource: "Ревизия {n}",
      diffTitle: "Изменения: {from} → ревизия {to}",
      diffFromPublished: "опубликованная ревизия {n}",
      diffFromNothing: "ничего не опубликовано",
      diffFromRevision: "ревизия {n}",
      diffNone: "Отличий нет.",
      snippetsTitle: "Фрагменты",
      snippetsHelp:
        "Общие значения, которые статьи используют как {{ name }}. Изменение дойдёт до всех статей со следующим выпуском.",
      snippetValueLabel: "Значение {name} ({locale})",
      snippetSave: "Сохранить",
      snippetSaveLabel: "Сохранить {name} ({locale})",
      snippetSaved: "Сохранён {name} ({locale}), ревизия {n}.",
      snippetConflict:
        "{name} ({locale}) изменил(а) {author} после загрузки списка; сейчас значение «{value}». Сохраните ещё раз, чтобы заменить его.",
      snippetUnused: "не используется",
      newSnippet: "Новый фрагмент",
      create: "Создать",
      snippetCreated: "Создан {name} ({locale}).",
      publishTitle: "Публикация",
      releaseMessage: "Комментарий к выпуску",
      reviewChanges: "Посмотреть изменения",
      reviewing: "Сравниваем черновики с текущим выпуском…",
      publishConfirm: "Опубликовать выпуск",
      publishing: "Публикуем…",
      cancel: "Отмена",
      needsPublisher:
        "Для публикации нужен ключ публикатора: этим ключом можно править черновики, но не публиковать и не откатывать.",
      needMessage: "Сначала напишите комментарий к выпуску.",
      summaryTitle: "Что изменит следующий выпуск (по сравнению с выпуском {base})",
      summaryTitleFirst: "Что войдёт в первый выпуск",
      nothingToPublish: "Публиковать нечего: черновики совпадают с текущим выпуском.",
      sumAdded: "Новые статьи",
      sumChanged: "Изменённые статьи",
      sumRemoved: "Удалённые статьи",
      sumAffected: "Статьи, изменённые через фрагменты",
      sumSnippetsAdded: "Новые фрагменты",
      sumSnippetsChanged: "Изменённые фрагменты",
      sumSnippetsRemoved: "Удалённые фрагменты",
      sumRouting: "Примеры вопросов, которые перестанут вести к своей статье",
      sumFindings: "Проверки",
      sumBlocked: "Ошибки не дают опубликовать выпуск: сначала исправьте их.",
      published: "Опубликован выпуск {n}.",
      publishFailed: "Не опубликовано: {detail}",
      releasesTitle: "Выпуски",
      current: "текущий",
      rollbackOf: "откат к {n}",
      rollbackTo: "Откатить к этому выпуску",
      rollbackToLabel: "Откатить к выпуску {n}",
      rollbackQuestion:
        "Откатить к выпуску {n}? Будет опубликован новый выпуск ровно с содержимым выпуска {n}; ничего не удаляется.",
      rollbackMessage: "Почему откатываем",
      rollbackConfirm: "Откатить",
      rolledBack: "Откат выполнен: выпуск {n} содержит то же, что выпуск {to}.",
      rollbackFailed: "Откат не выполнен: {detail}",
      failed: "Ошибка: {detail}",
    },
  };

  function pickLanguage() {
    const asked = new URLSearchParams(location.search).get("lang");
    if (asked && STRINGS[asked]) return asked;
    const browser = (navigator.language || "en").toLowerCase().split("-")[0];
    return STRINGS[browser] ? browser : "en";
  }

  const LANG = pickLanguage();

  /** The interface string `key` in the page's language, with {name} placeholders filled in. */
  function t(key, params = {}) {
    const text = STRINGS[LANG][key] ?? STRINGS.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  }

  // -- small DOM helpers ---------------------------------------------------------------------

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  /** An element with attributes and children; strings become text nodes (never HTML). */
  function h(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value === true) node.setAttribute(name, "");
      else node.setAttribute(name, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function formatDate(value) {
    if (!value) return "";
    const date = new Date(value);
    return Number.isNaN(date.getTime())
      ? String(value)
      : date.toLocaleString(LANG, { dateStyle: "medium", timeStyle: "short" });
  }

  function say(text, where = $("#status")) {
    where.textContent = text;
  }

  /** An API path for one draft unit (or snippet) in one locale, with more query `params`. */
  function draftPath(kind, name, locale, suffix = "", params = {}) {
    const query = new URLSearchParams({ locale, ...params });
    return `/api/v1/drafts/${kind}/${encodeURIComponent(name)}${suffix}?${query}`;
  }

  function unitHref(id, locale) {
    return `#/edit/${encodeURIComponent(locale)}/${encodeURIComponent(id)}`;
  }

  function debounce(fn, ms) {
    let timer = null;
    const run = (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
    run.cancel = () => clearTimeout(timer);
    return run;
  }

  // -- the API -------------------------------------------------------------------------------

  const KEY_STORE = "kb-editor-key";
  const ROLE_STORE = "kb-editor-role";
  const CHANNELS = ["web", "chatbot", "operator", "ivr"];

  const state = {
    key: sessionStorage.getItem(KEY_STORE) || "",
    // "publisher", "editor" (publishing was refused) or "" (not tried yet).
    role: sessionStorage.getItem(ROLE_STORE) || "",
    overview: [],
    snippets: [],
    releases: [],
    currentRelease: null,
  };

  /** Call the API with the signed-in key; resolves to {ok, status, data, etag, problem}. */
  async function api(method, path, { body, etag, blob = false } = {}) {
    const headers = { Accept: "application/json, application/problem+json" };
    if (state.key) headers.Authorization = `Bearer ${state.key}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (etag) headers["If-Match"] = etag;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (error) {
      const detail = String(error && error.message ? error.message : error);
      return { ok: false, status: 0, data: null, problem: { detail: t("unreachable", { detail }) } };
    }
    const result = { ok: response.ok, status: response.status, data: null, etag: response.headers.get("ETag") };
    const type = response.headers.get("Content-Type") || "";
    if (blob && response.ok) {
      result.data = await response.blob();
    } else if (type.includes("json")) {
      try {
        result.data = await response.json();
      } catch {
        result.data = null;
      }
    }
    if (!response.ok) result.problem = result.data || { detail: `${response.status} ${response.statusText}` };
    if (response.status === 401 && state.key) {
      signOut(t("keyExpired"));
    }
    return result;
  }

  /** One line saying what a problem response reported (detail plus its errors). */
  function problemText(result) {
    const problem = result.problem || {};
    const parts = [problem.detail || problem.title || String(result.status)];
    for (const error of problem.errors || []) {
      const message = error.message || error.msg;
      if (message && !parts[0].includes(message)) parts.push(describeError(error));
    }
    return parts.join(" ");
  }

  function describeError(error) {
    const message = error.message || error.msg || "";
    if (error.line && error.field) return t("lineField", { line: error.line, field: error.field, message });
    if (error.line) return t("lineOnly", { line: error.line, message });
    if (error.field) return t("fieldOnly", { field: error.field, message });
    return message;
  }

  // -- signing in and abilities --------------------------------------------------------------

  async function signIn(key) {
    state.key = key;
    const result = await api("GET", "/api/v1/releases");
    if (!result.ok) {
      state.key = "";
      const message =
        result.status === 401 ? t("keyRejected") : result.status === 403 ? t("keyTooLow") : problemText(result);
      $("#signin-error").textContent = message;
      return;
    }
    state.releases = result.data;
    sessionStorage.setItem(KEY_STORE, key);
    setRole("");
    refreshRelease();
    $("#signin-error").textContent = "";
    $("#key-input").value = "";
    if (!location.hash || location.hash === "#/signin") location.hash = "#/units";
    else route();
  }

  function signOut(message = "") {
    state.key = "";
    sessionStorage.removeItem(KEY_STORE);
    sessionStorage.removeItem(ROLE_STORE);
    // Whoever signs in next in this tab does not get these edits.
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const name = sessionStorage.key(i);
      if (name && name.startsWith("kb-editor-unsaved:")) sessionStorage.removeItem(name);
    }
    state.role = "";
    leaveEditor();
    showChrome(false);
    showView("signin");
    $("#signin-error").textContent = message;
    $("#key-input").focus();
  }

  /** What the server told us the key may do: publishing is known once it was tried. */
  function setRole(role) {
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
  }

  function showChrome(signedIn) {
    $("#nav").hidden = !signedIn;
    $("#who").hidden = !signedIn;
  }

  async function refreshRelease() {
    const result = await api("GET", "/api/v1/releases/current");
    state.currentRelease = result.ok ? result.data.kb_version : null;
    $("#release-badge").textContent =
      state.currentRelease === null ? t("noRelease") : t("release", { n: state.currentRelease });
  }

  // -- views and routing ---------------------------------------------------------------------

  const VIEWS = ["signin", "units", "edit", "snippets", "publish"];

  function showView(name, { focus = false } = {}) {
    for (const view of VIEWS) $(`#view-${view}`).hidden = view !== name;
    const navName = name === "edit" && editor.isNew ? "new" : name;
    for (const link of $$("#nav a")) {
      if (link.dataset.view === navName) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    if (focus) {
      const heading = $(`#view-${name} h1`);
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  let firstRoute = true;

  function route() {
    const focus = !firstRoute;
    firstRoute = false;
    updateLanguageLinks();
    if (!state.key) {
      showChrome(false);
      showView("signin");
      return;
    }
    showChrome(true);
    let parts;
    try {
      parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    } catch {
      parts = ["units"]; // a hand-made address that is not valid percent-encoding
    }
    if (parts[0] !== "edit" && parts[0] !== "new") leaveEditor();
    switch (parts[0]) {
      case "edit":
        openUnit(parts[2], parts[1], focus);
        break;
      case "new":
        openNewUnit(focus);
        break;
      case "snippets":
        showSnippets(focus);
        break;
      case "publish":
        showPublish(focus);
        break;
      default:
        showUnits(focus);
    }
  }

  function updateLanguageLinks() {
    for (const lang of ["en", "ru"]) {
      const link = $(`#lang-${lang}`);
      link.href = `?lang=${lang}${location.hash}`;
      if (lang === LANG) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    }
  }

  // -- the list of units ---------------------------------------------------------------------

  async function showUnits(focus) {
    showView("units", { focus });
    refreshRelease();
    await loadOverview({ everything: true });
  }

  function fillSelect(select, values) {
    const chosen = select.value;
    const first = select.options[0];
    select.replaceChildren(first, ...values.map((v) => h("option", { value: v }, v)));
    if (values.includes(chosen)) select.value = chosen;
  }

  function fillDatalist(list, values) {
    list.replaceChildren(...values.map((v) => h("option", { value: v })));
  }

  /** The list as filtered; with `everything`, also the whole list again (for the filters'
   * choices), as on entering the view. */
  async function loadOverview({ everything = false } = {}) {
    const params = new URLSearchParams();
    for (const [name, id] of [
      ["locale", "#f-locale"],
      ["category", "#f-category"],
      ["status", "#f-status"],
    ]) {
      if ($(id).value) params.set(name, $(id).value);
    }
    $("#units-count").textContent = t("loading");
    const filtered = params.toString() !== "";
    const [all, rows] = await Promise.all([
      // The unfiltered list names every locale and category for the filters.
      everything || !state.overview.length ? api("GET", "/api/v1/drafts/overview") : null,
      filtered ? api("GET", `/api/v1/drafts/overview?${params}`) : null,
    ]);
    if (all && all.ok) state.overview = all.data;
    const shown = filtered ? rows : all || { ok: true, data: state.overview };
    if (!shown.ok) {
      $("#units-count").textContent = t("failed", { detail: problemText(shown) });
      return;
    }
    const locales = [...new Set(state.overview.map((u) => u.locale))].sort();
    const categories = [...new Set(state.overview.map((u) => u.category).filter(Boolean))].sort();
    fillSelect($("#f-locale"), locales);
    fillSelect($("#f-category"), categories);
    fillDatalist($("#locales-list"), locales);
    fillDatalist($("#categories-list"), categories);
    renderUnits(shown.data);
  }

  let shownUnits = [];

  function renderUnits(rows) {
    shownUnits = rows;
    const needle = $("#f-text").value.trim().toLowerCase();
    const visible = needle
      ? rows.filter((u) => `${u.title} ${u.unit_id} ${u.category || ""}`.toLowerCase().includes(needle))
      : rows;
    const body = $("#units-table tbody");
    body.replaceChildren(
      ...visible.map((u) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: unitHref(u.unit_id, u.locale) }, u.title)),
          h("td", {}, h("code", {}, u.unit_id)),
          h("td", {}, u.locale),
          h("td", {}, u.category || ""),
          h(
            "td",
            {},
            u.published_revision
              ? t("revisionOf", { draft: u.revision, published: u.published_revision })
              : t("revisionDraftOnly", { draft: u.revision })
          ),
          h("td", {}, statusBadges(u)),
          h("td", {}, t("byOn", { author: u.author, date: formatDate(u.updated_at) }))
        )
      )
    );
    $("#units-count").textContent = t("unitsCount", { n: visible.length, total: state.overview.length });
  }

  function statusBadges(u) {
    const badges = [];
    if (u.archived) badges.push(["archived", t("badgeArchived")]);
    if (!u.published) badges.push(["new", t("badgeNew")]);
    else if (u.changed) badges.push(["changed", t("badgeChanged")]);
    if (u.stale) badges.push(["stale", t("badgeStale")]);
    if (u.errors) badges.push(["error", t("badgeErrors", { n: u.errors })]);
    if (u.warnings) badges.push(["warning", t("badgeWarnings", { n: u.warnings })]);
    if (!badges.length) badges.push(["ok", t("badgeOk")]);
    return h("span", { class: "badges" }, badges.map(([kind, text]) => h("span", { class: `tag tag-${kind}` }, text)));
  }

  // -- the unit editor: state, form and source -----------------------------------------------

  const editor = {
    token: 0, // bumped whenever another unit is opened, so late answers are dropped
    isNew: false,
    unitId: "",
    locale: "",
    etag: null,
    revision: 0,
    loadedSource: "", // what the form showed when loaded or last saved (to tell unsaved edits)
    keptFront: null, // the loaded front matter as written, reused while its fields are unchanged
    sourceMode: false,
    explicitChannels: false,
    previewSeq: 0,
    previewApplied: 0,
    lastGood: null, // {source, data} of the newest preview that parsed
    audioUrl: null,
    theirs: null, // the current version after a 412
  };

  function leaveEditor() {
    editor.token += 1;
    schedulePreview.cancel();
    $("#conflict").hidden = true;
  }

  function resetEditorPanels() {
    $("#conflict").hidden = true;
    $("#parse-errors").hidden = true;
    $("#findings").replaceChildren();
    $("#findings-summary").textContent = "";
    $("#save-status").textContent = "";
    $("#save-message").value = "";
    $("#preview-note").textContent = "";
    $("#revisions").hidden = true;
    $("#revision-view").hidden = true;
    $("#diff-view").hidden = true;
    for (const channel of CHANNELS) {
      $(`#pv-${channel} .pv-body`).replaceChildren();
      $(`#pv-${channel} .pv-findings`).replaceChildren();
    }
    if (editor.audioUrl) URL.revokeObjectURL(editor.audioUrl);
    editor.audioUrl = null;
    editor.lastGood = null;
    editor.theirs = null;
    editor.keptFront = null;
    $(".previews").removeAttribute("aria-busy");
    setSourceMode(false);
  }

  async function openUnit(unitId, locale, focus) {
    if (!unitId || !locale) {
      location.hash = "#/units";
      return;
    }
    leaveEditor();
    const token = editor.token;
    Object.assign(editor, { isNew: false, unitId, locale, etag: null, revision: 0 });
    resetEditorPanels();
    showView("edit", { focus });
    $("#edit-h").textContent = unitId;
    $("#edit-meta").textContent = t("loading");
    $("#save").textContent = t("saveDraft");
    const result = await api("GET", draftPath("units", unitId, locale));
    if (token !== editor.token) return;
    if (!result.ok) {
      $("#edit-meta").textContent = t("failed", { detail: problemText(result) });
      return;
    }
    await loadDraft(result.data, result.etag);
    if (focus) $("#edit-h").focus();
  }

  /** Put a stored draft (DraftOut) into the form, remember its ETag and preview it. */
  async function loadDraft(draft, etag) {
    const token = editor.token;
    editor.etag = etag;
    editor.revision = draft.revision;
    let fields = draft.fields;
    let body = draft.body;
    if (!fields || body === undefined) {
      // An older server sends only the source: let the preview parse it.
      const parsed = await api("POST", "/api/v1/drafts/preview", { body: { source: draft.source } });
      if (token !== editor.token) return;
      if (parsed.ok) ({ fields, body } = parsed.data);
    }
    $("#edit-h").textContent = draft.title;
    showDraftMeta(draft);
    $("#u-id").readOnly = true;
    $("#u-locale").readOnly = true;
    if (fields) {
      fillForm(fields, body);
      keepFrontMatter(draft.source);
    } else {
      $("#u-source").value = draft.source;
      setSourceMode(true);
    }
    editor.loadedSource = currentSource();
    if (restoreUnsaved()) say(t("restored"), $("#save-status"));
    runPreview();
  }

  function showDraftMeta(draft) {
    const meta = t("editMeta", { revision: draft.revision, author: draft.author, date: formatDate(draft.updated_at) });
    $("#edit-meta").textContent = draft.archived ? `${meta} · ${t("editMetaArchived")}` : meta;
  }

  // Edits not saved yet are kept in this tab's sessionStorage, with the ETag they started
  // from: leaving the unit or reloading the page loses nothing, and saving them after someone
  // else saved is a conflict shown side by side like any other.

  function unsavedKey() {
    return `kb-editor-unsaved:${editor.locale}/${editor.unitId}`;
  }

  function rememberUnsaved() {
    if (editor.isNew || !editor.unitId) return;
    if (!isDirty()) {
      sessionStorage.removeItem(unsavedKey());
      return;
    }
    const kept = {
      etag: editor.etag,
      sourceMode: editor.sourceMode,
      source: $("#u-source").value,
      fields: formFields(),
      body: $("#u-body").value,
      explicitChannels: editor.explicitChannels,
      keptFront: editor.keptFront,
    };
    try {
      sessionStorage.setItem(unsavedKey(), JSON.stringify(kept));
    } catch {
      // Storage full or refused: the edits still live in the page.
    }
  }

  function forgetUnsaved() {
    if (editor.unitId) sessionStorage.removeItem(unsavedKey());
  }

  /** Put this unit's kept edits back into the form; true when there were any. */
  function restoreUnsaved() {
    let kept = null;
    try {
      kept = JSON.parse(sessionStorage.getItem(unsavedKey()) || "null");
    } catch {
      kept = null;
    }
    if (!kept || !kept.fields) return false;
    fillForm(kept.fields, kept.body);
    editor.explicitChannels = Boolean(kept.explicitChannels);
    editor.keptFront = kept.keptFront || null;
    if (kept.sourceMode) {
      $("#u-source").value = kept.source;
      setSourceMode(true);
    }
    editor.etag = kept.etag;
    return isDirty();
  }

  function openNewUnit(focus) {
    leaveEditor();
    Object.assign(editor, { isNew: true, unitId: "", locale: "", etag: null, revision: 0, loadedSource: "" });
    resetEditorPanels();
    showView("edit", { focus });
    $("#edit-h").textContent = t("newUnitTitle");
    $("#edit-meta").textContent = t("editMetaNew");
    $("#save").textContent = t("createUnit");
    $("#u-id").readOnly = false;
    $("#u-locale").readOnly = false;
    const locale = $("#f-locale").value || (LANG === "ru" ? "ru" : "en");
    fillForm(
      { id: "", locale, title: "", questions: [], category: "", tags: [], audience: "public", channels: null },
      ""
    );
    editor.loadedSource = currentSource();
    $("#u-id").focus();
  }

  function fillForm(fields, body) {
    $("#u-id").value = fields.id || "";
    $("#u-locale").value = fields.locale || "";
    $("#u-title").value = fields.title || "";
    $("#u-questions").value = (fields.questions || []).join("\n");
    $("#u-category").value = fields.category || "";
    $("#u-tags").value = (fields.tags || []).join(", ");
    $("#u-audience").value = fields.audience || "public";
    editor.explicitChannels = Array.isArray(fields.channels);
    const enabled = fields.channels || CHANNELS;
    for (const box of $$('#u-channels input[name="channel"]')) box.checked = enabled.includes(box.value);
    $("#u-routing").value = fields.routing || "";
    $("#u-owner").value = fields.owner || "";
    $("#u-review").value = fields.review_by || "";
    $("#u-body").value = body || "";
    for (const input of $$("#unit-form [aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  function formFields() {
    const lines = (text) =>
      text
        .split("\n")
        .map((s) => s.trim())
        .filter(Boolean);
    const checked = $$('#u-channels input[name="channel"]:checked').map((box) => box.value);
    const allChecked = checked.length === CHANNELS.length;
    return {
      id: $("#u-id").value.trim(),
      locale: $("#u-locale").value.trim(),
      title: $("#u-title").value.trim(),
      questions: lines($("#u-questions").value),
      category: $("#u-category").value.trim(),
      tags: $("#u-tags")
        .value.split(",")
        .map((s) => s.trim())
        .filter(Boolean),
      audience: $("#u-audience").value,
      // Every channel ticked means the default (all) unless the unit named them itself.
      channels: allChecked && !editor.explicitChannels ? null : checked,
      routing: $("#u-routing").value.trim(),
      owner: $("#u-owner").value.trim(),
      review_by: $("#u-review").value.trim(),
    };
  }

  /** Remember `source`'s front matter as written, for the fields the form shows now. */
  function keepFrontMatter(source) {
    const lines = source.replace(/\r\n?/g, "\n").split("\n");
    const end = lines[0].trim() === "---" ? lines.findIndex((line, i) => i > 0 && line.trim() === "---") : -1;
    editor.keptFront =
      end > 0 ? { fields: JSON.stringify(formFields()), text: lines.slice(0, end + 1).join("\n") } : null;
  }

  // Text YAML reads back as the same string when written plain (no quotes); the rest is quoted.
  const PLAIN_SCALAR = /^\p{L}[\p{L}\p{N} ,.?!'()/&+_-]*$/u;
  const YAML_WORDS = /^(?:yes|no|y|n|true|false|on|off|null)$/i;

  /** A YAML scalar for `text`: plain when that is unambiguous, else JSON-quoted, which YAML
   * reads as a double-quoted scalar with the same escapes. */
  function scalar(text) {
    return PLAIN_SCALAR.test(text) && !YAML_WORDS.test(text) && !text.endsWith(" ") ? text : JSON.stringify(text);
  }

  /** The unit's source from the form. While the fields are as loaded, their front matter is kept
   * exactly as written (comments, order, flow lists), so a body edit diffs as a body edit. */
  function composeSource(fields = formFields(), body = $("#u-body").value, { verbatim = true } = {}) {
    const text = body.replace(/\r\n?/g, "\n").replace(/\s+$/, "");
    if (verbatim && editor.keptFront && editor.keptFront.fields === JSON.stringify(fields)) {
      return `${editor.keptFront.text}\n${text}\n`;
    }
    const q = scalar;
    const out = ["---", `id: ${q(fields.id)}`, `locale: ${q(fields.locale)}`, `title: ${q(fields.title)}`];
    const list = (name, items) => {
      if (!items.length) return;
      out.push(`${name}:`);
      for (const item of items) out.push(`  - ${q(item)}`);
    };
    list("questions", fields.questions);
    if (fields.category) out.push(`category: ${q(fields.category)}`);
    list("tags", fields.tags);
    out.push(`audience: ${q(fields.audience)}`);
    if (fields.channels) {
      if (fields.channels.length) list("channels", fields.channels);
      else out.push("channels: []");
    }
    if (fields.routing) out.push(`routing: ${q(fields.routing)}`);
    if (fields.owner) out.push(`owner: ${q(fields.owner)}`);
    if (fields.review_by) {
      const plain = /^\d{4}-\d{2}-\d{2}$/.test(fields.review_by);
      out.push(`review_by: ${plain ? fields.review_by : q(fields.review_by)}`);
    }
    out.push("---");
    return `${out.join("\n")}\n${text}\n`;
  }

  function currentSource() {
    return editor.sourceMode ? $("#u-source").value : composeSource();
  }

  function setSourceMode(on) {
    editor.sourceMode = on;
    $("#u-source").hidden = !on;
    $("#u-source-label").hidden = !on;
    $("#u-body").hidden = on;
    $("#u-body-label").hidden = on;
    $("#unit-form fieldset").disabled = on;
    const toggle = $("#mode-toggle");
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? t("editForm") : t("editSource");
  }

  async function toggleSourceMode() {
    if (!editor.sourceMode) {
      $("#u-source").value = composeSource();
      setSourceMode(true);
      $("#u-source").focus();
      return;
    }
    const source = $("#u-source").value;
    let good = editor.lastGood && editor.lastGood.source === source ? editor.lastGood.data : null;
    if (!good) {
      const result = await api("POST", "/api/v1/drafts/preview", { body: { source } });
      if (result.ok) good = result.data;
    }
    if (!good) {
      say(t("fixFirst"), $("#save-status"));
      return;
    }
    fillForm(good.fields, good.body);
    keepFrontMatter(source);
    setSourceMode(false);
    $("#u-body").focus();
    schedulePreview();
  }

  function isDirty() {
    const source = currentSource();
    return source !== editor.loadedSource;
  }

  function onEdited() {
    $("#save-status").textContent = isDirty() ? t("unsaved") : "";
    rememberUnsaved();
    schedulePreview();
  }

  // -- the live preview ----------------------------------------------------------------------

  const schedulePreview = debounce(() => runPreview(), 300);

  /** Preview the current source; an answer older than one already shown is ignored. */
  async function runPreview() {
    const token = editor.token;
    const seq = ++editor.previewSeq;
    const source = currentSource();
    $("#findings-summary").textContent = t("checksPending");
    $(".previews").setAttribute("aria-busy", "true");
    const result = await api("POST", "/api/v1/drafts/preview", { body: { source } });
    if (token !== editor.token || seq <= editor.previewApplied) return;
    editor.previewApplied = seq;
    if (seq === editor.previewSeq) $(".previews").removeAttribute("aria-busy");
    $(".previews").dataset.previewSeq = String(seq);
    if (result.ok) {
      editor.lastGood = { source, data: result.data };
      showParseErrors([]);
      $("#preview-note").textContent = "";
      renderFindings(result.data.findings || []);
      renderPreviews(result.data);
    } else if (result.status === 422) {
      const errors = (result.problem && result.problem.errors) || [{ message: problemText(result) }];
      showParseErrors(errors);
      $("#findings-summary").textContent = "";
      $("#preview-note").textContent = editor.lastGood ? t("previewStale") : "";
    } else {
      $("#findings-summary").textContent = t("failed", { detail: problemText(result) });
    }
  }

  const FIELD_INPUTS = {
    id: "#u-id",
    locale: "#u-locale",
    title: "#u-title",
    questions: "#u-questions",
    category: "#u-category",
    tags: "#u-tags",
    audience: "#u-audience",
    routing: "#u-routing",
    owner: "#u-owner",
    review_by: "#u-review",
  };

  function showParseErrors(errors) {
    const box = $("#parse-errors");
    box.hidden = errors.length === 0;
    $("ul", box).replaceChildren(...errors.map((e) => h("li", {}, describeError(e))));
    const bad = new Set(errors.map((e) => e.field).filter(Boolean));
    for (const [field, selector] of Object.entries(FIELD_INPUTS)) {
      const input = $(selector);
      if (bad.has(field)) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    const channels = $("#u-channels");
    if (bad.has("channels")) channels.setAttribute("aria-invalid", "true");
    else channels.removeAttribute("aria-invalid");
    if (bad.has("body") || errors.some((e) => !e.field && e.line)) {
      $("#u-body").setAttribute("aria-invalid", "true");
    } else {
      $("#u-body").removeAttribute("aria-invalid");
    }
  }

  function channelName(channel) {
    const key = { web: "chWeb", chatbot: "chChatbot", operator: "chOperator", ivr: "chIvr" }[channel];
    return key ? t(key) : channel || t("allChannels");
  }

  function findingItem(f) {
    const severity = f.severity === "error" ? "error" : "warning";
    return h(
      "li",
      { class: `finding finding-${severity}`, "data-code": f.code || "" },
      h("span", { class: `tag tag-${severity}` }, t(`severity_${severity}`)),
      " ",
      h("span", { class: "finding-channel" }, channelName(f.channel)),
      ": ",
      h("span", { class: "finding-message" }, f.message),
      f.code ? [" ", h("code", {}, f.code)] : null
    );
  }

  function renderFindings(findings) {
    const sorted = [...findings].sort((a, b) => (a.severity === "error" ? 0 : 1) - (b.severity === "error" ? 0 : 1));
    $("#findings").replaceChildren(...sorted.map(findingItem));
    const errors = findings.filter((f) => f.severity === "error").length;
    const warnings = findings.length - errors;
    $("#findings-summary").textContent = findings.length
      ? t("checksCount", { errors, warnings })
      : t("checksNone");
  }

  const RENDER = {
    web(root, rendering) {
      const html = h("div", { class: "rendered" });
      html.innerHTML = rendering.body; // safe HTML rendered by the server
      root.append(h("h4", { class: "pv-title" }, rendering.title || ""), html);
    },
    chatbot(root, rendering) {
      let data = rendering;
      if (data.text === undefined) {
        try {
          data = { ...JSON.parse(rendering.body), ...rendering };
        } catch {
          data = { ...rendering, text: rendering.body };
        }
      }
      root.append(h("p", { class: "bubble" }, data.text || ""));
      if (data.truncated) root.append(h("p", { class: "muted small" }, t("chatTruncated")));
      const replies = data.quick_replies || [];
      if (replies.length) {
        root.append(
          h("p", { class: "small-label", id: "chat-qr-h" }, t("chatQuickReplies")),
          h(
            "ul",
            { class: "quick-replies", "aria-labelledby": "chat-qr-h" },
            replies.map((r) => h("li", { class: "chip", "data-unit": r.unit_id || "" }, r.label || r.unit_id))
          )
        );
      }
      const links = data.links || [];
      if (links.length) {
        root.append(
          h("p", { class: "small-label", id: "chat-links-h" }, t("chatLinks")),
          h(
            "ul",
            { class: "chat-links", "aria-labelledby": "chat-links-h" },
            links.map((l) => h("li", {}, `${l.label || ""} — ${l.url || ""}`))
          )
        );
      }
    },
    operator(root, rendering) {
      const html = h("div", { class: "rendered" });
      html.innerHTML = rendering.body; // safe HTML rendered by the server
      // Internal notes come labelled by the server; mark any that are not, so none passes unseen.
      for (const note of $$(".kb-internal", html)) {
        if (!$(".kb-internal-label", note)) note.prepend(h("p", { class: "kb-internal-label" }, t("internalNote")));
      }
      root.append(html);
      if (rendering.copy_text) {
        root.append(
          h(
            "details",
            { class: "copy-text" },
            h("summary", {}, t("copyText")),
            h("p", { class: "plain" }, rendering.copy_text)
          )
        );
      }
    },
    ivr(root, rendering, preview) {
      const seconds = Number(rendering.duration_seconds || 0);
      const max = Number(rendering.max_seconds || 0);
      const tooLong = max && seconds > max;
      root.append(
        h(
          "p",
          { class: tooLong ? "duration too-long" : "duration" },
          t(tooLong ? "ivrTooLong" : "ivrDuration", { seconds: seconds.toFixed(1), max: max.toFixed(0) })
        )
      );
      if (preview.audio) {
        const audio = h("audio", { controls: true, class: "ivr-audio", hidden: true });
        const status = h("span", { class: "muted small", role: "status" });
        const button = h("button", { type: "button", class: "play" }, t("play"));
        button.addEventListener("click", () => playPreview(button, audio, status));
        root.append(h("div", { class: "play-row" }, button, status), audio);
      }
      root.append(
        h("p", { class: "small-label" }, t("ivrSpoken")),
        h("p", { class: "plain spoken" }, rendering.text || ""),
        h("p", { class: "small-label" }, t("ivrSsml")),
        h("pre", { class: "ssml" }, rendering.body)
      );
    },
  };

  function renderPreviews(data) {
    const byChannel = Object.fromEntries((data.renderings || []).map((r) => [r.channel, r]));
    for (const channel of CHANNELS) {
      const panel = $(`#pv-${channel}`);
      const root = $(".pv-body", panel);
      const rendering = byChannel[channel];
      root.replaceChildren();
      panel.classList.toggle("off", !rendering);
      const findings = rendering ? rendering.findings || [] : [];
      $(".pv-findings", panel).replaceChildren(
        ...(findings.length ? [h("ul", { class: "findings compact" }, findings.map(findingItem))] : [])
      );
      if (!rendering) {
        root.append(h("p", { class: "muted" }, t("notInChannel")));
        continue;
      }
      RENDER[channel](root, rendering, data);
    }
  }

  async function playPreview(button, audio, status) {
    button.disabled = true;
    status.textContent = t("playing");
    const result = await api("POST", "/api/v1/drafts/preview/audio", { body: { source: currentSource() }, blob: true });
    button.disabled = false;
    if (!result.ok) {
      status.textContent = result.status === 503 ? t("noSpeech") : t("failed", { detail: problemText(result) });
      return;
    }
    status.textContent = "";
    if (editor.audioUrl) URL.revokeObjectURL(editor.audioUrl);
    editor.audioUrl = URL.createObjectURL(result.data);
    audio.src = editor.audioUrl;
    audio.hidden = false;
    try {
      await audio.play();
    } catch {
      // No sound device (or autoplay refused): the controls are there to press play.
    }
  }

  // -- saving, conflicts ---------------------------------------------------------------------

  async function save() {
    if ($("#save").disabled) return;
    const source = currentSource();
    const message = $("#save-message").value.trim();
    $("#save").disabled = true;
    say(t("saving"), $("#save-status"));
    try {
      if (editor.isNew) await createUnit(source, message);
      else await updateUnit(source, message, editor.etag);
    } finally {
      $("#save").disabled = false;
    }
  }

  async function createUnit(source, message) {
    const result = await api("POST", "/api/v1/drafts/units", { body: { source, message } });
    if (result.ok) {
      const draft = result.data;
      state.overview = [];
      editor.isNew = false;
      say(t("created", { id: draft.unit_id, locale: draft.locale }));
      location.hash = unitHref(draft.unit_id, draft.locale);
      return;
    }
    if (result.status === 409) say(t("exists"), $("#save-status"));
    else failSave(result);
  }

  async function updateUnit(source, message, etag) {
    const token = editor.token;
    const path = unitPath();
    const result = await api("PUT", path, { body: { source, message }, etag });
    if (token !== editor.token) return;
    if (result.ok) {
      const draft = result.data;
      editor.etag = result.etag;
      editor.revision = draft.revision;
      editor.loadedSource = source;
      // The saved front matter is kept as written from now on, if it is what the form shows.
      if (!editor.sourceMode && source === currentSource()) keepFrontMatter(source);
      forgetUnsaved();
      $("#conflict").hidden = true;
      $("#save-message").value = "";
      $("#edit-h").textContent = draft.title;
      showDraftMeta(draft);
      say(
        draft.outcome === "unchanged" ? t("savedUnchanged", { n: draft.revision }) : t("saved", { n: draft.revision }),
        $("#save-status")
      );
      state.overview = [];
      if (!$("#revisions").hidden) await showRevisions();
      if (!$("#diff-view").hidden) await showDiff();
      return;
    }
    if (result.status === 412) {
      await showConflict(source);
      return;
    }
    failSave(result);
  }

  function failSave(result) {
    if (result.status === 422 && result.problem && result.problem.errors) showParseErrors(result.problem.errors);
    say(t("saveFailed", { detail: problemText(result) }), $("#save-status"));
  }

  /** Which lines of `a` and of `b` are outside their longest common subsequence. */
  function changedLines(a, b) {
    const changedA = a.map(() => true);
    const changedB = b.map(() => true);
    if (a.length * b.length > 4_000_000) return [changedA, changedB];
    const table = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
    for (let i = a.length - 1; i >= 0; i--) {
      for (let j = b.length - 1; j >= 0; j--) {
        table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        changedA[i++] = false;
        changedB[j++] = false;
      } else if (table[i + 1][j] >= table[i][j + 1]) i++;
      else j++;
    }
    return [changedA, changedB];
  }

  /** Two texts in two <pre>s, the lines only one of them has marked. */
  function showSideBySide(preA, textA, preB, textB) {
    const a = textA.replace(/\n$/, "").split("\n");
    const b = textB.replace(/\n$/, "").split("\n");
    const [changedA, changedB] = changedLines(a, b);
    const lines = (all, changed) =>
      all.map((line, i) => h("span", { class: changed[i] ? "src-line src-changed" : "src-line" }, `${line}\n`));
    preA.replaceChildren(...lines(a, changedA));
    preB.replaceChildren(...lines(b, changedB));
  }

  /** Someone saved in between: show both versions side by side and let the editor choose. */
  async function showConflict(mine) {
    const path = unitPath();
    const result = await api("GET", path);
    if (!result.ok) {
      failSave(result);
      return;
    }
    const theirs = result.data;
    editor.theirs = { draft: theirs, etag: result.etag, mine };
    $("#conflict-meta").textContent = t("conflictMeta", {
      revision: theirs.revision,
      author: theirs.author,
      date: formatDate(theirs.updated_at),
    });
    // Both sides written the same way, so that only what differs is marked.
    const mineText = editor.sourceMode ? mine : composeSource(formFields(), $("#u-body").value, { verbatim: false });
    const theirsText = theirs.fields ? composeSource(theirs.fields, theirs.body, { verbatim: false }) : theirs.source;
    showSideBySide($("#conflict-mine"), mineText, $("#conflict-theirs"), theirsText);
    $("#conflict-theirs-h").textContent = t("conflictTheirsRev", { n: theirs.revision });
    $("#save-status").textContent = t("conflictTitle");
    const box = $("#conflict");
    box.hidden = false;
    box.focus();
  }

  async function keepTheirs() {
    const { draft, etag } = editor.theirs;
    editor.theirs = null;
    $("#conflict").hidden = true;
    setSourceMode(false);
    forgetUnsaved();
    await loadDraft(draft, etag);
    say(t("keptTheirs", { n: draft.revision }), $("#save-status"));
    $("#u-body").focus();
  }

  async function overwriteTheirs() {
    const { etag, mine } = editor.theirs;
    $("#conflict-overwrite").disabled = true;
    try {
      await updateUnit(mine, $("#save-message").value.trim(), etag);
    } finally {
      $("#conflict-overwrite").disabled = false;
    }
    if ($("#conflict").hidden) $("#save").focus();
  }

  // -- history and diffs ---------------------------------------------------------------------

  /** The API path of the unit being edited. */
  function unitPath(suffix = "", params = {}) {
    return draftPath("units", editor.unitId, editor.locale, suffix, params);
  }

  async function showRevisions() {
    if (editor.isNew) return;
    const result = await api("GET", unitPath("/revisions"));
    if (!result.ok) {
      say(t("failed", { detail: problemText(result) }));
      return;
    }
    const list = $("#revisions");
    list.replaceChildren(
      ...[...result.data].reverse().map((r) =>
        h(
          "li",
          {},
          h(
            "span",
            { class: "rev-line" },
            t("revisionLine", { n: r.revision, author: r.author, date: formatDate(r.created_at) })
          ),
          r.message ? h("span", { class: "rev-message" }, ` — ${r.message}`) : null,
          " ",
          h(
            "button",
            {
              type: "button",
              class: "link-like",
              "aria-label": t("viewRevision", { n: r.revision }),
              onclick: () => showRevision(r.revision),
            },
            t("view")
          ),
          r.revision > 1
            ? h(
                "button",
                {
                  type: "button",
                  class: "link-like",
                  "aria-label": t("diffPreviousLabel", { n: r.revision }),
                  onclick: () => showDiff(r.revision - 1, r.revision),
                },
                t("diffPrevious")
              )
            : null
        )
      )
    );
    list.hidden = false;
  }

  async function showRevision(number) {
    const result = await api("GET", unitPath(`/revisions/${number}`));
    if (!result.ok) {
      say(t("failed", { detail: problemText(result) }));
      return;
    }
    const box = $("#revision-view");
    $("#revision-view-h").textContent = t("revisionSource", { n: number });
    $("pre", box).textContent = result.data.source;
    box.hidden = false;
  }

  /** A unified diff; without `from` the server compares with the published revision. */
  async function showDiff(from = null, to = null) {
    const params = {};
    if (from) params.from = String(from);
    if (to) params.to = String(to);
    const result = await api("GET", unitPath("/diff", params));
    if (!result.ok) {
      say(t("failed", { detail: problemText(result) }));
      return;
    }
    const diff = result.data.diff || "";
    const fromMatch = /^--- .*@(\d+)\s*$/m.exec(diff);
    let fromLabel;
    if (from) fromLabel = t("diffFromRevision", { n: from });
    else if (result.data.from_revision) fromLabel = t("diffFromPublished", { n: result.data.from_revision });
    else if (fromMatch) fromLabel = t("diffFromPublished", { n: fromMatch[1] });
    else fromLabel = diff ? t("diffFromNothing") : t("diffFromPublished", { n: result.data.to_revision });
    $("#diff-view-h").textContent = t("diffTitle", { from: fromLabel, to: result.data.to_revision });
    const pre = $("#diff-text");
    if (!diff) {
      pre.replaceChildren(h("span", { class: "diff-none" }, t("diffNone")));
    } else {
      pre.replaceChildren(
        ...diff.split("\n").map((line) => {
          let kind = "ctx";
          if (line.startsWith("+++") || line.startsWith("---")) kind = "file";
          else if (line.startsWith("@@")) kind = "hunk";
          else if (line.startsWith("+")) kind = "add";
          else if (line.startsWith("-")) kind = "del";
          return h("span", { class: `diff-line diff-${kind}` }, `${line}\n`);
        })
      );
    }
    $("#diff-view").hidden = false;
  }

  // -- snippets ------------------------------------------------------------------------------

  async function showSnippets(focus) {
    showView("snippets", { focus });
    const result = await api("GET", "/api/v1/drafts/snippets");
    if (!result.ok) {
      say(t("failed", { detail: problemText(result) }));
      return;
    }
    state.snippets = result.data;
    fillSelect($("#s-locale"), [...new Set(state.snippets.map((s) => s.locale))].sort());
    renderSnippets();
  }

  function renderSnippets() {
    const locale = $("#s-locale").value;
    const needle = $("#s-text").value.trim().toLowerCase();
    const rows = state.snippets.filter(
      (s) =>
        (!locale || s.locale === locale) &&
        (!needle || `${s.name} ${s.value} ${(s.used_by || []).join(" ")}`.toLowerCase().includes(needle))
    );
    $("#snippets-table tbody").replaceChildren(...rows.map(snippetRow));
  }

  function snippetRow(snippet) {
    const id = `sv-${snippet.name}-${snippet.locale}`;
    const multiline = snippet.type === "markdown" || snippet.value.includes("\n");
    const input = multiline
      ? h("textarea", { id, rows: 3 }, snippet.value)
      : h("input", { id, value: snippet.value, autocomplete: "off" });
    const status = h("span", { class: "row-status muted small" });
    const button = h(
      "button",
      { type: "button", "aria-label": t("snippetSaveLabel", { name: snippet.name, locale: snippet.locale }) },
      t("snippetSave")
    );
    button.addEventListener("click", () => saveSnippet(snippet, input, button, status));
    const used = snippet.used_by || [];
    return h(
      "tr",
      { "data-snippet": `${snippet.name}:${snippet.locale}` },
      h(
        "th",
        { scope: "row" },
        h("code", {}, snippet.name),
        snippet.archived ? [" ", h("span", { class: "tag tag-archived" }, t("badgeArchived"))] : null
      ),
      h("td", {}, snippet.locale),
      h("td", {}, snippet.type),
      h(
        "td",
        { class: "value-cell" },
        h(
          "label",
          { for: id, class: "visually-hidden" },
          t("snippetValueLabel", { name: snippet.name, locale: snippet.locale })
        ),
        input,
        " ",
        button,
        " ",
        status
      ),
      h(
        "td",
        {},
        used.length
          ? h(
              "ul",
              { class: "used-by" },
              used.map((unitId) => h("li", {}, h("a", { href: unitHref(unitId, snippet.locale) }, unitId)))
            )
          : h("span", { class: "muted" }, t("snippetUnused"))
      )
    );
  }

  async function saveSnippet(snippet, input, button, status) {
    const path = draftPath("snippets", snippet.name, snippet.locale);
    const report = (text) => {
      status.textContent = text;
      say(text);
    };
    // Someone else saved since this list was loaded: say what is there now; the row takes
    // their revision, so saving again replaces it knowingly.
    const conflict = (current) => {
      snippet.revision = current.revision;
      report(
        t("snippetConflict", {
          name: snippet.name,
          locale: snippet.locale,
          author: current.author,
          value: current.value,
        })
      );
    };
    button.disabled = true;
    try {
      // Read it again: its ETag is what the change must name.
      const current = await api("GET", path);
      if (!current.ok) {
        report(t("failed", { detail: problemText(current) }));
        return;
      }
      if (current.data.revision !== snippet.revision) {
        conflict(current.data);
        return;
      }
      const result = await api("PUT", path, {
        body: { type: snippet.type, value: input.value, message: "" },
        etag: current.etag,
      });
      if (result.ok) {
        snippet.revision = result.data.revision;
        snippet.value = result.data.value;
        report(t("snippetSaved", { name: snippet.name, locale: snippet.locale, n: result.data.revision }));
      } else if (result.status === 412) {
        const again = await api("GET", path);
        if (again.ok) conflict(again.data);
        else report(t("failed", { detail: problemText(again) }));
      } else {
        report(t("failed", { detail: problemText(result) }));
      }
    } finally {
      button.disabled = false;
    }
  }

  async function createSnippet(event) {
    event.preventDefault();
    const body = {
      name: $("#sn-name").value.trim(),
      locale: $("#sn-locale").value.trim(),
      type: $("#sn-type").value,
      value: $("#sn-value").value,
      message: "",
    };
    const result = await api("POST", "/api/v1/drafts/snippets", { body });
    const status = $("#snippet-new-status");
    if (!result.ok) {
      status.textContent = t("failed", { detail: problemText(result) });
      return;
    }
    status.textContent = t("snippetCreated", { name: body.name, locale: body.locale });
    $("#snippet-new").reset();
    await showSnippets(false);
  }

  // -- publishing and rolling back -----------------------------------------------------------

  async function showPublish(focus) {
    showView("publish", { focus });
    setRole(state.role);
    $("#publish-summary").hidden = true;
    // What the next release would change is the first thing to see here; trying it also tells
    // whether this key may publish at all.
    const review = state.role === "editor" ? null : reviewPublish(null, { focus: false });
    await Promise.all([loadReleases(), refreshRelease(), review]);
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
  async function reviewPublish(event, { focus = true } = {}) {
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

  async function confirmPublish() {
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
    await Promise.all([loadReleases(), refreshRelease()]);
  }

  let rollbackTarget = null;

  function askRollback(number) {
    rollbackTarget = number;
    $("#rollback-q").textContent = t("rollbackQuestion", { n: number });
    const box = $("#rollback-confirm");
    box.hidden = false;
    $("#rollback-message").focus();
  }

  async function doRollback() {
    if (rollbackTarget === null) return;
    const to = rollbackTarget;
    const button = $("#rollback-go");
    button.disabled = true;
    const result = await api("POST", "/api/v1/releases/rollback", {
      body: { to, message: $("#rollback-message").value.trim() },
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
    say(t("rolledBack", { n: result.data.kb_version, to }), $("#publish-result"));
    state.overview = [];
    await Promise.all([loadReleases(), refreshRelease()]);
  }

  // -- start ---------------------------------------------------------------------------------

  function translatePage() {
    document.documentElement.lang = LANG;
    for (const node of $$("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of $$("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    document.title = t("appTitle");
  }

  function wire() {
    $("#signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("#key-input").value.trim();
      if (key) signIn(key);
    });
    $("#sign-out").addEventListener("click", () => signOut());

    $("#filters").addEventListener("submit", (event) => event.preventDefault());
    for (const id of ["#f-locale", "#f-category", "#f-status"]) $(id).addEventListener("change", () => loadOverview());
    $("#f-text").addEventListener("input", () => renderUnits(shownUnits));

    $("#unit-form").addEventListener("input", onEdited);
    $("#unit-form").addEventListener("change", onEdited);
    $("#unit-form").addEventListener("submit", (event) => event.preventDefault());
    $("#u-body").addEventListener("input", onEdited);
    $("#u-source").addEventListener("input", onEdited);
    $("#mode-toggle").addEventListener("click", toggleSourceMode);
    $("#save").addEventListener("click", save);
    $("#save-message").addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        save();
      }
    });
    $("#view-edit").addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        save();
      }
    });
    $("#conflict-theirs-keep").addEventListener("click", keepTheirs);
    $("#conflict-overwrite").addEventListener("click", overwriteTheirs);
    $("#show-history").addEventListener("click", showRevisions);
    $("#diff-published").addEventListener("click", () => showDiff());

    $("#snippet-filters").addEventListener("submit", (event) => event.preventDefault());
    $("#s-locale").addEventListener("change", renderSnippets);
    $("#s-text").addEventListener("input", renderSnippets);
    $("#snippet-new").addEventListener("submit", createSnippet);

    $("#publish-form").addEventListener("submit", reviewPublish);
    $("#publish-confirm").addEventListener("click", confirmPublish);
    $("#publish-cancel").addEventListener("click", () => {
      $("#publish-summary").hidden = true;
      $("#publish-review").focus();
    });
    $("#rollback-go").addEventListener("click", doRollback);
    $("#rollback-cancel").addEventListener("click", () => {
      $("#rollback-confirm").hidden = true;
      rollbackTarget = null;
    });

    window.addEventListener("hashchange", route);
  }

  function start() {
    translatePage();
    wire();
    if (state.key) {
      setRole(state.role);
      refreshRelease();
    }
    route();
  }

  start();
})();
