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
