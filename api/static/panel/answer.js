// The answer view: one unit for operators, its facts, links to other units, the copy button.
import { contentLocale, el, show, state } from "./page.js";
import { t } from "./i18n.js";
import { api, explain, signOutIfRejected } from "./api.js";
import { flagControls } from "./flag.js";

export function openUnit(unitId, locale) {
  var seq = ++state.unitSeq;
  el.searchError.textContent = "";
  api("api/v1/units/" + encodeURIComponent(unitId), { channel: "operator", locale: locale, via: "panel" })
    .then(function (body) {
      if (seq !== state.unitSeq) return;
      renderUnit(body);
      showVerification(body.unit_id, body.locale, seq);
      show("unit");
      el.unitTitle.focus();
    })
    .catch(function (error) {
      if (seq !== state.unitSeq) return;
      if (signOutIfRejected(error)) return;
      show("search");
      el.searchError.textContent = explain(error, t("notFound"));
    });
}

/** "Unverified since ..." when the unit's owner has not verified it within its period (issue
 * 18); a failure to ask only leaves the marker hidden: the answer itself is what matters. */
function showVerification(unitId, locale, seq) {
  el.unitUnverified.hidden = true;
  api("api/v1/units/" + encodeURIComponent(unitId) + "/verification", { locale: locale })
    .then(function (body) {
      if (seq !== state.unitSeq || !body.unverified) return;
      var values = { date: String(body.due_at).slice(0, 10), owner: body.owner };
      el.unitUnverifiedText.textContent = t(body.owner ? "unverifiedText" : "unverifiedNoOwner", values);
      el.unitUnverified.hidden = false;
    })
    .catch(function () {});
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
  el.unitFlag.replaceChildren(flagControls(body.unit_id, body.title, null));
}

/** A link to another unit opens it in the panel instead of leaving the page. */
export function onBodyClick(event) {
  var link = event.target.closest("a.kb-unit-link");
  if (!link) return;
  event.preventDefault();
  var url = new URL(link.getAttribute("href"), location.href);
  var unitId = decodeURIComponent(url.pathname.split("/").pop());
  openUnit(unitId, url.searchParams.get("locale") || contentLocale);
}

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

export function copyAnswer() {
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
