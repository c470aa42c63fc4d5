// The panel's language (?lang=, else the browser's) and its strings, with plural forms by count.
import { params } from "./page.js";

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
    unverifiedTitle: "Not verified.",
    unverifiedText: "Unverified since {date}: its owner, {owner}, has not confirmed it is still right.",
    unverifiedNoOwner: "Unverified since {date}: nobody has confirmed it is still right.",
    release: "Release",
    revision: "Revision",
    routing: "Routing",
    owner: "Owner",
    changed: "Last change",
    copy: "Copy answer for the customer",
    copied: "Copied",
    copyFailed: "Could not copy: select the text and copy it by hand.",
    toldHeading: "What the customer was told",
    toldConversation: "Conversation {id}",
    toldLoading: "Loading what the customer was told…",
    toldCount: { one: "{n} response, oldest first.", other: "{n} responses, oldest first." },
    toldNone: "Nothing has been sent to the customer in this conversation yet.",
    toldRefresh: "Refresh",
    toldChanged: { one: "{n} of them has changed since.", other: "{n} of them have changed since." },
    channel_web: "Web",
    channel_chatbot: "Chatbot",
    channel_operator: "Operator",
    channel_ivr: "Phone (IVR)",
    kind_answer: "Answer",
    kind_search: "Search",
    kind_unit: "Answer opened",
    kind_faq: "FAQ",
    status_answered: "answered",
    status_clarify: "asked to clarify",
    status_no_answer: "no answer",
    via: "via {via}",
    asked: "Asked:",
    searched: "Searched:",
    noAnswerGiven: "No answer was given.",
    clarifyGiven: "The customer was asked to say more (no answer yet).",
    faqShown: "The list of frequently asked questions was shown.",
    servedRevision: "Revision {revision} of release {release}",
    changedSince: "Changed since: revision {n} is live now",
    goneSince: "Removed since: this answer is not in the current release",
    sawContent: "What the customer saw",
    heardContent: "What the customer heard",
    noContent: "The answer's text is not available.",
    searchUnits: "Results shown: {units}",
    openCurrent: "Open the current answer",
    flagOpen: "Flag as wrong or outdated",
    flagFormLabel: "Flag “{title}” as wrong or outdated",
    flagReason: "What is the problem?",
    reason_wrong: "Wrong",
    reason_outdated: "Outdated",
    flagComment: "Comment for the answer's owner (optional)",
    flagSend: "Send flag",
    flagCancel: "Cancel",
    flagSending: "Sending the flag…",
    flagged: "Flagged as {reason}. The answer's owner sees it in the editor."
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
    unverifiedTitle: "Не подтверждён.",
    unverifiedText: "Не подтверждён с {date}: владелец ({owner}) не подтвердил, что ответ верен.",
    unverifiedNoOwner: "Не подтверждён с {date}: никто не подтвердил, что ответ верен.",
    release: "Релиз",
    revision: "Ревизия",
    routing: "Маршрутизация",
    owner: "Владелец",
    changed: "Последнее изменение",
    copy: "Скопировать ответ для клиента",
    copied: "Скопировано",
    copyFailed: "Не удалось скопировать: выделите текст и скопируйте вручную.",
    toldHeading: "Что клиенту уже ответили",
    toldConversation: "Диалог {id}",
    toldLoading: "Загружаем, что клиенту уже ответили…",
    toldCount: {
      one: "{n} ответ, сначала самые ранние.",
      few: "{n} ответа, сначала самые ранние.",
      many: "{n} ответов, сначала самые ранние.",
      other: "{n} ответа, сначала самые ранние."
    },
    toldNone: "В этом диалоге клиенту пока ничего не отправлено.",
    toldRefresh: "Обновить",
    toldChanged: {
      one: "{n} из них с тех пор изменился.",
      few: "{n} из них с тех пор изменились.",
      many: "{n} из них с тех пор изменились.",
      other: "{n} из них с тех пор изменились."
    },
    channel_web: "Сайт",
    channel_chatbot: "Чат-бот",
    channel_operator: "Оператор",
    channel_ivr: "Телефон (IVR)",
    kind_answer: "Ответ",
    kind_search: "Поиск",
    kind_unit: "Открыт ответ",
    kind_faq: "FAQ",
    status_answered: "ответ найден",
    status_clarify: "уточняющий вопрос",
    status_no_answer: "ответа нет",
    via: "через {via}",
    asked: "Вопрос:",
    searched: "Поиск:",
    noAnswerGiven: "Ответа не было.",
    clarifyGiven: "Клиента попросили уточнить вопрос (ответа ещё не было).",
    faqShown: "Был показан список частых вопросов.",
    servedRevision: "Ревизия {revision} из релиза {release}",
    changedSince: "С тех пор изменён: сейчас действует ревизия {n}",
    goneSince: "С тех пор удалён: этого ответа нет в текущем релизе",
    sawContent: "Что увидел клиент",
    heardContent: "Что услышал клиент",
    noContent: "Текст ответа недоступен.",
    searchUnits: "Показанные результаты: {units}",
    openCurrent: "Открыть текущий ответ",
    flagOpen: "Отметить как неверный или устаревший",
    flagFormLabel: "Отметить «{title}» как неверный или устаревший",
    flagReason: "В чём проблема?",
    reason_wrong: "Неверный",
    reason_outdated: "Устаревший",
    flagComment: "Комментарий для владельца ответа (необязательно)",
    flagSend: "Отправить отметку",
    flagCancel: "Отмена",
    flagSending: "Отправляем отметку…",
    flagged: "Отмечено: {reason}. Владелец ответа увидит это в редакторе."
  }
};

export var lang = pickLanguage();
var plural = new Intl.PluralRules(lang);

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
export function t(name, values) {
  var text = STRINGS[lang][name];
  if (typeof text === "object") text = text[plural.select(values.n)] || text.other;
  return text.replace(/\{(\w+)\}/g, function (_, key) {
    return values && key in values ? String(values[key]) : "";
  });
}

export function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t("title");
  document.querySelectorAll("[data-i18n]").forEach(function (node) {
    node.textContent = t(node.getAttribute("data-i18n"));
  });
  document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
    node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
  });
}
