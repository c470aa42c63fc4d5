/* The knowledge base's FAQ widget: one script tag shows a searchable FAQ of public answers.
 *   <script src="https://kb.example/widget.js" data-kb-locale="en" data-kb-category="billing"></script>
 * Options (data-kb-*): locale, category, api (base URL; default: where this script is served),
 * target (CSS selector of a container; default: right after the script), lang (interface: ru|en;
 * default: <html lang> or the browser's), jsonld ("true": schema.org FAQPage in the page's head),
 * theme (light|dark|auto: auto follows the visitor's prefers-color-scheme; default light).
 * The release it shows is on its element as data-kb-release, for support staff, never as text.
 * It renders in a shadow root (the page's CSS and ours never mix), calls the API anonymously
 * (public web content only), inserts text with textContent and the server's safe HTML only
 * through an allowlist, and falls back to a plain link to the help center if the API is
 * unreachable, telling the site's owner why in the console (and in the box when CORS refuses).
 * The host page styles it only through what is documented: the custom properties --kb-font,
 * --kb-font-size, --kb-text, --kb-muted, --kb-background, --kb-surface, --kb-border, --kb-accent,
 * --kb-highlight, --kb-highlight-text, --kb-radius and --kb-max-width (they inherit into the
 * shadow root; everything else is reset at its edge) and the parts named in PARTS below.
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
  const THEMES = ["light", "dark", "auto"];
  const theme = THEMES.includes(D.kbTheme) ? D.kbTheme : "light";
  if (D.kbTheme && theme !== D.kbTheme)
    console.warn(`Knowledge base widget: data-kb-theme="${D.kbTheme}" is not one of ${THEMES.join(", ")}; using light.`);
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
      link: "Frequently asked questions",
      helpful: "Was this helpful?",
      yes: "Yes",
      no: "No",
      more: "What was missing? (optional)",
      send: "Send",
      thanks: "Thank you for your feedback.",
      unsent: "Your feedback could not be sent. Please try again.",
      refused:
        "This website is not yet allowed to show the questions here. Its owner can allow it by adding # to KB_CORS_ORIGINS on the knowledge base server.",
      down: "The questions cannot be shown here right now.",
    },
    ru: {
      name: "Частые вопросы",
      search: "Поиск по вопросам",
      loading: "Загрузка…",
      all: { one: "# вопрос", few: "# вопроса", many: "# вопросов", other: "# вопроса" },
      found: { one: "# результат", few: "# результата", many: "# результатов", other: "# результата" },
      none: "Ничего не найдено",
      failed: "Поиск сейчас недоступен.",
      link: "Частые вопросы",
      helpful: "Этот ответ помог?",
      yes: "Да",
      no: "Нет",
      more: "Чего не хватило? (необязательно)",
      send: "Отправить",
      thanks: "Спасибо за отзыв.",
      unsent: "Не удалось отправить отзыв. Попробуйте ещё раз.",
      refused:
        "Этому сайту ещё не разрешено показывать здесь вопросы. Владелец сайта может разрешить это, добавив # в KB_CORS_ORIGINS на сервере базы знаний.",
      down: "Вопросы сейчас не удаётся показать здесь.",
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
      if (!r.ok) throw Object.assign(new Error(`HTTP ${r.status}`), { status: r.status, url: r.url });
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
    const part = cls ? PARTS[cls] : TAG_PARTS[tag];
    if (part) e.setAttribute("part", part);
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
        if (TAG_PARTS[e.localName]) e.setAttribute("part", TAG_PARTS[e.localName]);
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
    // The web renderer links other units as /units/ID?locale=L: show them here, or on their page.
    const unit = href.match(/^\/units\/([^/?#]+)/);
    if (unit) {
      a.dataset.unit = decodeURIComponent(unit[1]);
      a.href = url(`/units/${unit[1]}`, { locale: u.searchParams.get("locale") || served });
    } else if (/^(https?|mailto|tel):$/.test(u.protocol)) a.href = u.href;
  };

  // What a host page may style with ::part(name), by the class (or, for the server's markup, the
  // tag) of the element that carries it. Everything else inside is the widget's own business.
  const PARTS = {
    r: "container",
    l: "label",
    q: "search",
    st: "status",
    all: "list",
    hits: "list",
    it: "item",
    b: "question",
    t: "title",
    s: "snippet",
    a: "answer",
    fb: "feedback",
    fv: "button",
    fc: "comment",
    fs: "feedback-status",
    fallback: "fallback",
    note: "note",
  };
  const TAG_PARTS = { a: "link", mark: "highlight" };

  // The theme's colours, each overridable by the host's --kb-* custom property of the same role.
  const colours = (c) =>
    `--t:var(--kb-text,${c[0]});--m:var(--kb-muted,${c[1]});--bg:var(--kb-background,${c[2]});` +
    `--sf:var(--kb-surface,${c[3]});--bd:var(--kb-border,${c[4]});--ln:${c[5]};--ct:${c[6]};` +
    `--ac:var(--kb-accent,${c[7]});--hl:var(--kb-highlight,${c[8]});--ht:var(--kb-highlight-text,${c[9]});` +
    `color-scheme:${c[10]}`;
  const LIGHT = colours(["#1b1b1b", "#4b5563", "#fff", "#f3f4f6", "#c9ced6", "#e2e5ea", "#6b7280", "#1d4ed8", "#fde68a", "#1b1b1b", "light"]);
  const DARK = colours(["#e5e7eb", "#aeb6c2", "#111827", "#1f2937", "#4b5563", "#374151", "#9ca3af", "#93c5fd", "#fde68a", "#1b1b1b", "dark"]);
  const STYLE = `
:host{all:initial!important;display:block!important}
[hidden]{display:none!important}
.r{${LIGHT};--f:var(--kb-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);--fz:var(--kb-font-size,16px);
 --rd:var(--kb-radius,8px);--sm:calc(var(--fz)*.875)}
.r.dark{${DARK}}
@media (prefers-color-scheme:dark){.r.auto{${DARK}}}
.r{display:block;box-sizing:border-box;max-width:var(--kb-max-width,720px);margin:0;padding:16px;border:1px solid var(--bd);
 border-radius:var(--rd);background:var(--bg);color:var(--t);font:var(--fz)/1.5 var(--f);text-align:start}
.r *{box-sizing:border-box}
.l{display:block;margin:0 0 4px;font-weight:600}
.q{display:block;width:100%;margin:0;padding:8px 10px;border:1px solid var(--ct);border-radius:calc(var(--rd)*.75);
 background:var(--bg);color:inherit;font:inherit}
.q:focus{border-color:var(--ac)}
.st,.note{margin:8px 0;color:var(--m);font-size:var(--sm)}
.all,.hits{list-style:none;margin:0;padding:0}
.it{border-top:1px solid var(--ln)}
h3{margin:0;font:inherit}
.b{position:relative;display:block;width:100%;margin:0;padding:12px 36px 12px 4px;border:0;background:none;color:inherit;
 font:inherit;font-weight:600;text-align:start;cursor:pointer}
.b::after{content:"";position:absolute;right:12px;top:19px;width:7px;height:7px;border:solid var(--ac);
 border-width:0 2px 2px 0;transform:rotate(45deg)}
.b[aria-expanded=true]::after{top:23px;transform:rotate(-135deg)}
.b:hover .t{text-decoration:underline}
.s{display:block;margin-top:2px;color:var(--m);font-size:var(--sm);font-weight:400}
mark{background:var(--hl);color:var(--ht)}
.a{padding:0 4px 12px}
.a>:first-child{margin-top:0}
.a>:last-child{margin-bottom:0}
a{color:var(--ac)}
:focus-visible{outline:3px solid var(--ac);outline-offset:2px}
pre,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:var(--sm)}
pre{overflow:auto;padding:8px;background:var(--sf)}
table{border-collapse:collapse}
th,td{padding:4px 8px;border:1px solid var(--bd);text-align:start}
blockquote{margin:0 0 0 8px;padding-left:12px;border-left:3px solid var(--bd)}
.fallback{margin:0}
.fb{margin:12px 0 0;padding:8px 0 0;border-top:1px solid var(--ln)}
.fb p{margin:0 0 6px}
.fq{font-weight:600}
.fv{margin:0 8px 4px 0;padding:4px 16px;border:1px solid var(--ct);border-radius:calc(var(--rd)*.75);background:var(--bg);
 color:inherit;font:inherit;cursor:pointer}
.fv:hover{background:var(--sf)}
.fv:disabled{cursor:default;opacity:.6}
.fl{display:block;margin:0 0 4px}
.fc{display:block;width:100%;margin:0 0 8px;padding:6px 8px;border:1px solid var(--ct);border-radius:calc(var(--rd)*.75);
 background:var(--bg);color:inherit;font:inherit;resize:vertical}
.fs{color:var(--m);font-size:var(--sm)}
`;

  const host = el("div", "kb-widget");
  host.dataset.kbTheme = theme; // for the host's own rules: .kb-widget[data-kb-theme=dark] { --kb-accent: … }
  const shadow = host.attachShadow({ mode: "open" });
  const box = el("section", "r");
  box.classList.add(theme);
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
  box.append(label, input, status, hits, all);
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
  // The help center's page of what the widget shows (/help/{locale}[/{category}]), or one unit's.
  const helpLink = () => {
    const a = el("a", null, T.link);
    const seg = (v) => `/${encodeURIComponent(v)}`;
    a.href = base + "/help" + (locale ? seg(locale) + (category ? seg(category) : "") : "");
    return a;
  };
  const unitLink = (id) => {
    const a = el("a", null, T.link);
    a.href = url(`/units/${encodeURIComponent(id)}`, { locale: served });
    return a;
  };
  const say = (text) => (status.textContent = text);

  // Why the FAQ could not load, for the site's owner in the console and for the box (resolves to
  // its text). A request refused by CORS and one that reached no server fail alike, with a
  // TypeError; an opaque (no-cors) request to the same server tells them apart: it succeeds if
  // the server answered at all.
  const explain = (err) => {
    const who = `Knowledge base widget (${base})`;
    const after = "Meanwhile the widget shows a link to the help center instead.";
    if (err && err.status) {
      const hint = err.status >= 500 ? "the server failed: see its log" : "check data-kb-locale and data-kb-category";
      console.warn(`${who}: the server answered HTTP ${err.status} to ${err.url} (${hint}). ${after}`);
      return Promise.resolve(T.down);
    }
    const origin = location.origin;
    return fetch(url("/api/v1/releases/current", {}), { mode: "no-cors", credentials: "omit" }).then(
      () => {
        console.warn(
          `${who}: the knowledge base server does not allow this website (${origin}) to load its answers. ` +
            `Add ${origin} to KB_CORS_ORIGINS on the knowledge base server (a comma-separated list of ` +
            `origins, e.g. KB_CORS_ORIGINS=${origin}) and restart it. ${after}`,
        );
        return T.refused.replace("#", origin);
      },
      () => {
        const mixed = location.protocol === "https:" && base.startsWith("http:");
        console.warn(
          `${who}: could not reach the knowledge base server. Check that it is running and that ` +
            `data-kb-api (or the script's src) is its address${mixed ? "; an https page cannot call an http address" : ""}. ${after}`,
        );
        return T.down;
      },
    );
  };

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
        () => p.append(unitLink(id)),
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
      host.dataset.kbRelease = version; // for support staff; never shown to visitors (issue 19)
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
    load()
      .catch(explain)
      .then((why) => {
        if (why === undefined) return;
        const p = el("p", "fallback");
        p.append(helpLink());
        box.replaceChildren(p, el("p", "note", why));
      });
  };
  if (document.readyState === "loading" && (D.kbTarget || !document.body || me.parentNode === document.head))
    document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
