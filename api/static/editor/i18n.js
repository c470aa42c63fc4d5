// The editor's language (?lang=, else the browser's) and its strings, with plural forms by count.
import { $$ } from "./dom.js";
import en from "./strings-en.js";
import ru from "./strings-ru.js";

const STRINGS = { en, ru };

function pickLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked && STRINGS[asked]) return asked;
  const browser = (navigator.language || "en").toLowerCase().split("-")[0];
  return STRINGS[browser] ? browser : "en";
}

export const LANG = pickLanguage();

// Which of a string's forms by count ("one", "few", "many", "other"...) the page's language uses.
const PLURAL = new Intl.PluralRules(LANG);

/** The interface string `key` in the page's language, with {name} placeholders filled in; a
 * string with forms by count takes the form for `params.n`. */
export function t(key, params = {}) {
  let text = STRINGS[LANG][key] ?? STRINGS.en[key] ?? key;
  if (typeof text === "object") text = text[PLURAL.select(Number(params.n))] ?? text.other;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function formatDate(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime())
    ? String(value)
    : date.toLocaleString(LANG, { dateStyle: "medium", timeStyle: "short" });
}

export function translatePage() {
  document.documentElement.lang = LANG;
  for (const node of $$("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of $$("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  document.title = t("appTitle");
}
