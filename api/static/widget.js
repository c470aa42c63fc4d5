/* The knowledge base's FAQ widget: one script tag shows a searchable FAQ of public answers.
 *   <script src="https://kb.example/widget.js" data-kb-locale="en" data-kb-category="billing"></script>
 * Options (data-kb-*): locale, category, api (base URL; default: where this script is served),
 * target (CSS selector of a container; default: right after the script), lang (interface: ru|en;
 * default: <html lang> or the browser's), jsonld ("true": schema.org FAQPage in the page's head).
 * It renders in a shadow root (the page's CSS and ours never mix), calls the API anonymously
 * (public web content only), inserts text with textContent and the server's safe HTML only
 * through an allowlist, and falls back to a plain link to the web FAQ if the API is unreachable.
 * Its requests say via=widget; under an opened answer it asks "Was this helpful?" and posts the
 * vote with the receipt of the response that served the answer (none without one: events off). */
(() => {
  "use strict";
  const me = document.currentScript;
  if (!me || !window.fetch || !Element.prototype.attachShadow) return;
  const D = me.dataset;
  // Default: where this script is served from, a proxy's path prefix included (…/kb/widget.js).
  const base = new URL(D.kbApi || ".", D.kbApi ? location.href : me.src).href.replace(/\/+$/, "");
  const locale = D.kbLocale || "";
  const category = D.kbCategory || "";
  const lang = /^ru\b/i.test(D.kbLang || document.documentElement.lang || navigator.language || "") ? "ru" : "en";
  const T = {
    en: {
      name: "Frequently asked questions",
      search: "Search the questions",
      loading: "Loading…",
      all: { one: "# question", other: "# questions" },
      found: { one: "# result", other: "# results" },
      none: "No results",
      failed: "Search is not available right now.",
      release: "Release #",
      link: "Frequently asked questions",
      helpful: "Was this helpful?",
      yes: "Yes",
      no: "No",
      more: "What was missing? (optional)",
      send: "Send",
      thanks: "Thank you for your feedback.",
      unsent: "Your feedback could not be sent. Please try again.",
    },
    ru: {
      name: "Частые вопросы",
      search: "Поиск по вопросам",
      loading: "Загрузка…",
      all: { one: "# вопрос", few: "# вопроса", many: "# вопросов", other: "# вопроса" },
      found: { one: "# результат", few: "# результата", many: "# результатов", other: "# результата" },
      none: "Ничего не найдено",
      failed: "Поиск сейчас недоступен.",
      release: "Выпуск #",
      link: "Частые вопросы",
      helpful: "Этот ответ помог?",
      yes: "Да",
      no: "Нет",
      more: "Чего не хватило? (необязательно)",
      send: "Отправить",
      thanks: "Спасибо за отзыв.",
      unsent: "Не удалось отправить отзыв. Попробуйте ещё раз.",
    },
  }[lang];
  const plural = new Intl.PluralRules(lang);
  const count = (forms, n) => (forms[plural.select(n)] || forms.other).replace("#", n);

  const url = (path, params) => {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(params)) if (v) u.searchParams.set(k, v);
    return u.href;
  };
  // Anonymous on purpose: no cookies, never a key. Non-2xx is a failure like a network error.
  // Resolves to [body, receipt]: the response's X-KB-Receipt, what a reader's vote refers to.
  const get = (path, params, signal) =>
    fetch(url(path, { ...params, via: "widget" }), { credentials: "omit", signal }).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json().then((body) => [body, r.headers.get("X-KB-Receipt")]);
    });
  const post = (path, body) =>
    fetch(url(path, {}), {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
    });
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };

  // Defence in depth: the server's HTML is already safe; still keep only harmless tags, no attributes
  // but a link's href (http, https, mailto, tel, relative) and title. Other tags keep their text.
  const KEEP = new Set("p ul ol li a strong em b i code pre br h2 h3 h4 h5 h6 table thead tbody tr th td mark blockquote".split(" "));
  const DROP = new Set("script style template iframe object embed svg math noscript textarea select title head".split(" "));
  const copy = (from, to) => {
    for (const n of from.childNodes) {
      if (n.nodeType === 3) to.append(n.data);
      else if (n.nodeType !== 1 || DROP.has(n.localName)) continue;
      else if (!KEEP.has(n.localName)) copy(n, to);
      else {
        const e = document.createElement(n.localName);
        if (e.localName === "a") link(n, e);
        to.append(e);
        copy(n, e);
      }
    }
    return to;
  };
  const clean = (html) =>
    copy(new DOMParser().parseFromString(String(html || ""), "text/html").body, document.createDocumentFragment());
  const link = (from, a) => {
    const href = from.getAttribute("href");
    const title = from.getAttribute("title");
    if (title) a.title = title;
    let u;
    try {
      u = new URL(href, base + "/");
    } catch {
      return;
    }
    // The web renderer links other units as /units/ID?locale=L: show them here, or on the FAQ page.
    const unit = href.match(/^\/units\/([^/?#]+)/);
    if (unit) {
      a.dataset.unit = decodeURIComponent(unit[1]);
      a.href = `${url("/faq", { locale: u.searchParams.get("locale") || served })}#${unit[1]}`;
    } else if (/^(https?|mailto|tel):$/.test(u.protocol)) a.href = u.href;
  };

  const STYLE = `
:host{all:initial!important;display:block!important}
[hidden]{display:none!important}
.r{display:block;box-sizing:border-box;max-width:720px;margin:0;padding:16px;border:1px solid #c9ced6;border-radius:8px;
 background:#fff;color:#1b1b1b;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;text-align:start}
.r *{box-sizing:border-box}
.l{display:block;margin:0 0 4px;font-weight:600}
.q{display:block;width:100%;margin:0;padding:8px 10px;border:1px solid #6b7280;border-radius:6px;background:#fff;color:inherit;font:inherit}
.st,.rel{margin:8px 0;color:#4b5563;font-size:14px}
.all,.hits{list-style:none;margin:0;padding:0}
.it{border-top:1px solid #e2e5ea}
h3{margin:0;font:inherit}
.b{position:relative;display:block;width:100%;margin:0;padding:12px 36px 12px 4px;border:0;background:none;color:inherit;
 font:inherit;font-weight:600;text-align:start;cursor:pointer}
.b::after{content:"";position:absolute;right:12px;top:19px;width:7px;height:7px;border:solid currentColor;
 border-width:0 2px 2px 0;transform:rotate(45deg)}
.b[aria-expanded=true]::after{top:23px;transform:rotate(-135deg)}
.b:hover .t{text-decoration:underline}
.s{display:block;margin-top:2px;color:#4b5563;font-size:14px;font-weight:400}
mark{background:#fde68a;color:inherit}
.a{padding:0 4px 12px}
.a>:first-child{margin-top:0}
.a>:last-child{margin-bottom:0}
a{color:#1d4ed8}
:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
pre,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px}
pre{overflow:auto;padding:8px;background:#f3f4f6}
table{border-collapse:collapse}
th,td{padding:4px 8px;border:1px solid #c9ced6;text-align:start}
blockquote{margin:0 0 0 8px;padding-left:12px;border-left:3px solid #c9ced6}
.fb{margin:12px 0 0;padding:8px 0 0;border-top:1px solid #e2e5ea}
.fb p{margin:0 0 6px}
.fq{font-weight:600}
.fv{margin:0 8px 4px 0;padding:4px 16px;border:1px solid #6b7280;border-radius:6px;background:#fff;color:inherit;
 font:inherit;cursor:pointer}
.fv:hover{background:#f3f4f6}
.fv:disabled{cursor:default;opacity:.6}
.fl{display:block;margin:0 0 4px}
.fc{display:block;width:100%;margin:0 0 8px;padding:6px 8px;border:1px solid #6b7280;border-radius:6px;background:#fff;
 color:inherit;font:inherit;resize:vertical}
.fs{color:#4b5563;font-size:14px}
`;

  const host = el("div", "kb-widget");
  const shadow = host.attachShadow({ mode: "open" });
  const box = el("section", "r");
  box.lang = lang;
  box.setAttribute("aria-label", T.name);
  const label = el("label", "l", T.search);
  const input = el("input", "q");
  input.id = label.htmlFor = "q";
  input.type = "search";
  input.autocomplete = "off";
  const status = el("p", "st", T.loading);
  status.setAttribute("role", "status");
  const hits = el("ul", "hits");
  hits.hidden = true;
  const all = el("ul", "all");
  const rel = el("p", "rel");
  box.append(label, input, status, hits, all, rel);
  try {
    // A constructed sheet is not an inline <style>: pages with a strict CSP (style-src) allow it.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    shadow.append(el("style", null, STYLE));
  }
  shadow.append(box);

  let items = new Map(); // unit id -> {unit_id, title, answer} of the listed FAQ
  let served = locale;
  let version = null;
  let seq = 0;
  let uid = 0;
  let timer = 0;
  let pending = null;
  let ld = null;
  const faqLink = () => {
    const a = el("a", null, T.link);
    a.href = url("/faq", { locale, category });
    return a;
  };
  const say = (text) => (status.textContent = text);

  // "Was this helpful?" under an answer served with `receipt`: Yes is sent at once, No first offers
  // an optional comment sent with it. Null without a receipt: events are off, nothing to refer to.
  const feedback = (unit, receipt) => {
    if (!/^[0-9a-f]{32}$/.test(receipt || "")) return null;
    const f = el("div", "fb");
    const q = el("p", "fq", T.helpful);
    const votes = el("p");
    const yes = el("button", "fv", T.yes);
    const no = el("button", "fv", T.no);
    const more = el("form");
    const lab = el("label", "fl", T.more);
    const text = el("textarea", "fc");
    const send = el("button", "fv", T.send);
    const said = el("p", "fs");
    f.lang = lang;
    f.setAttribute("role", "group");
    f.setAttribute("aria-labelledby", (q.id = `f${++uid}`));
    yes.type = no.type = "button";
    send.type = "submit";
    text.id = lab.htmlFor = `f${++uid}`;
    text.maxLength = 1000;
    text.rows = 3;
    more.hidden = true;
    said.setAttribute("aria-live", "polite");
    said.tabIndex = -1;
    votes.append(yes, " ", no);
    more.append(lab, text, send);
    f.append(q, votes, more, said);
    const vote = (helpful) => {
      const body = { receipt, unit_id: unit, helpful };
      if (!helpful && text.value.trim()) body.comment = text.value.trim().slice(0, 1000);
      yes.disabled = no.disabled = send.disabled = true;
      post("/api/v1/feedback", body).then(
        () => {
          votes.hidden = more.hidden = true;
          said.textContent = T.thanks;
          said.focus(); // the buttons are gone: keep a keyboard reader's place here
        },
        () => {
          yes.disabled = no.disabled = send.disabled = false;
          said.textContent = T.unsent;
        },
      );
    };
    yes.addEventListener("click", () => vote(true));
    no.addEventListener("click", () => {
      votes.hidden = true;
      more.hidden = false;
      text.focus();
    });
    more.addEventListener("submit", (e) => {
      e.preventDefault();
      vote(false);
    });
    return f;
  };
  const answer = (p, unit, html, receipt) => {
    p.append(clean(html));
    const f = feedback(unit, receipt);
    if (f) p.append(f);
  };

  // One accordion row: a button (title, and the search snippet if any) that shows the answer below;
  // `receipt` is the one of the response that listed it.
  const row = (list, it, snippet, receipt) => {
    const li = el("li", "it");
    const h = el("h3");
    const b = el("button", "b");
    const p = el("div", "a");
    const id = `a${++uid}`;
    b.type = "button";
    b.setAttribute("aria-expanded", "false");
    b.setAttribute("aria-controls", id);
    b.append(el("span", "t", it.title));
    if (snippet) {
      const s = el("span", "s");
      s.append(clean(snippet));
      b.append(s);
    }
    p.id = id;
    p.hidden = true;
    if (it.answer != null) answer(p, it.unit_id, it.answer, receipt);
    b.addEventListener("click", () => toggle(b, p, it.unit_id));
    li.dataset.unit = it.unit_id;
    h.append(b);
    li.append(h, p);
    list.append(li);
  };
  const toggle = (b, p, id, open = p.hidden) => {
    b.setAttribute("aria-expanded", String(open));
    p.hidden = !open;
    // A hit from a newer release than the list: fetch its answer once.
    if (open && !p.firstChild)
      get(`/api/v1/units/${encodeURIComponent(id)}`, { channel: "web", locale: served }).then(
        ([u, receipt]) => answer(p, id, u.content, receipt),
        () => p.append(faqLink()),
      );
  };
  const showAll = () => {
    hits.hidden = true;
    all.hidden = false;
    say(count(T.all, items.size));
  };

  const load = () =>
    get("/api/v1/faq", { locale, category }).then(([r, receipt]) => {
      served = r.locale || locale;
      version = r.kb_version;
      items = new Map(r.items.map((it) => [it.unit_id, it]));
      all.replaceChildren();
      r.items.forEach((it) => row(all, it, null, receipt));
      all.lang = hits.lang = served;
      rel.textContent = T.release.replace("#", version);
      if (!input.value.trim()) say(count(T.all, items.size));
      if (D.kbJsonld === "true") {
        // Search engines do not read shadow DOM: the structured data goes into the page's head.
        if (!ld) {
          ld = el("script");
          ld.type = "application/ld+json";
          document.head.append(ld);
        }
        ld.textContent = JSON.stringify(r.json_ld).replace(/</g, "\\u003c");
      }
    });

  const search = () => {
    const q = input.value.trim();
    const n = ++seq;
    if (pending) pending.abort();
    pending = null;
    if (!q) return showAll();
    pending = new AbortController();
    get("/api/v1/search", { q, channel: "web", locale: served, category, limit: "20" }, pending.signal).then(
      ([r, receipt]) => {
        if (n !== seq) return; // an older answer than what was typed since: ignore it
        hits.replaceChildren();
        r.hits.forEach((h) => row(hits, items.get(h.unit_id) || h, h.snippet, receipt));
        all.hidden = true;
        hits.hidden = false;
        say(r.hits.length ? count(T.found, r.hits.length) : T.none);
        if (r.kb_version !== version) load().catch(() => {});
      },
      () => n === seq && say(T.failed),
    );
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    clearTimeout(timer);
    search();
  });
  // A link to another listed unit opens it in the list instead of leaving the page.
  box.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-unit]");
    const li = a && all.querySelector(`li[data-unit="${CSS.escape(a.dataset.unit)}"]`);
    if (!li) return;
    e.preventDefault();
    input.value = "";
    clearTimeout(timer);
    search();
    const b = li.querySelector("button");
    toggle(b, li.querySelector(".a"), a.dataset.unit, true);
    b.focus();
    b.scrollIntoView({ block: "nearest" });
  });

  const mount = () => {
    let target = null;
    try {
      target = D.kbTarget && document.querySelector(D.kbTarget);
    } catch {}
    if (target) target.append(host);
    else if (me.parentNode && me.parentNode !== document.head) me.after(host);
    else document.body.append(host);
    load().catch(() => {
      const p = el("p");
      p.append(faqLink());
      box.replaceChildren(p);
    });
  };
  if (document.readyState === "loading" && (D.kbTarget || !document.body || me.parentNode === document.head))
    document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
