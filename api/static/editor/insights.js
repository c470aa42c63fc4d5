// The insights view: what customers asked per channel and locale and how much they served
// themselves, the trend, top units and their votes, empty searches, flagged units, and content
// gaps an editor fixes in one click (add a cluster's questions to a unit, or start a new unit).
import { $, fillSelect, h, say } from "./dom.js";
import { LANG, formatDate, t } from "./i18n.js";
import { api, problemText } from "./api.js";
import { CHANNELS, editor, state } from "./state.js";
import { showView, unitHref } from "./views.js";
import { barChart, lineChart } from "./charts.js";

/** Clusters the gap chart draws (the list below shows them all). */
const CHART_CLUSTERS = 12;
let loadSeq = 0;

const percent = new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(LANG, { maximumFractionDigits: 2 });
const dayFormat = new Intl.DateTimeFormat(LANG, { month: "short", day: "numeric", timeZone: "UTC" });

const rate = (value) => (value === null || value === undefined ? "—" : percent.format(value));
const channelName = (channel) => (CHANNELS.includes(channel) ? t(`ch${channel[0].toUpperCase()}${channel.slice(1)}`) : channel);
const dayName = (iso) => dayFormat.format(new Date(`${iso}T00:00:00Z`));

export async function showInsights(focus) {
  showView("insights", { focus });
  if (!state.overview.length) {
    const all = await api("GET", "/api/v1/drafts/overview");
    if (all.ok) state.overview = all.data;
  }
  fillSelect($("#i-locale"), [...new Set(state.overview.map((u) => u.locale))].sort());
  await loadInsights();
}

/** The filters as query parameters of both reports. */
function filters() {
  const query = new URLSearchParams({ since: $("#i-since").value });
  if ($("#i-channel").value) query.set("channel", $("#i-channel").value);
  if ($("#i-locale").value) query.set("locale", $("#i-locale").value);
  return query;
}

export async function loadInsights(after = "") {
  const seq = ++loadSeq;
  const summary = $("#insights-summary");
  summary.textContent = t("loading");
  $("#view-insights").setAttribute("aria-busy", "true");
  const query = filters();
  const [report, gaps] = await Promise.all([
    api("GET", `/api/v1/insights?${query}`),
    api("GET", `/api/v1/insights/gaps?${query}`),
  ]);
  if (seq !== loadSeq) return;
  $("#view-insights").removeAttribute("aria-busy");
  if (!report.ok || !gaps.ok) {
    summary.textContent = t("failed", { detail: problemText(report.ok ? gaps : report) });
    return;
  }
  const data = report.data;
  const totals = data.totals || {};
  const counts = t("insightsCounts", {
    n: totals.questions || 0,
    rate: rate(totals.self_service_rate),
    gaps: gaps.data.clusters.length,
  });
  summary.textContent = after ? `${after} ${counts}` : counts;
  renderChannels(data.channels);
  renderTrend(data.series);
  renderGaps(gaps.data.clusters);
  renderTopUnits(data.top_units);
  renderEmptySearches(data.empty_searches);
  renderFlagged(data.flagged_units);
}

function emptyRow(tbody, columns) {
  tbody.replaceChildren(h("tr", {}, h("td", { colspan: columns, class: "muted" }, t("insightsNone"))));
}

function renderChannels(rows) {
  const tbody = $("#i-channels tbody");
  if (!rows.length) return emptyRow(tbody, 8);
  tbody.replaceChildren(
    ...rows.map((row) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, channelName(row.channel)),
        h("td", {}, row.locale),
        h("td", { class: "num" }, row.questions),
        h("td", { class: "num" }, row.answered),
        h("td", { class: "num" }, row.clarify),
        h("td", { class: "num" }, row.no_answer),
        h("td", { class: "num" }, rate(row.self_service_rate)),
        h("td", { class: "num" }, row.empty_searches ?? "")
      )
    )
  );
}

/** How a channel's rate went over the period, in words (the chart's description). */
function trendWords(series) {
  return series
    .map((one) => {
      const known = one.days.filter((d) => d.self_service_rate !== null);
      if (!known.length) return t("trendNoQuestions", { channel: channelName(one.channel) });
      const asked = known.reduce((sum, d) => sum + d.questions, 0);
      const answered = known.reduce((sum, d) => sum + d.answered, 0);
      const first = known[0];
      const last = known[known.length - 1];
      return t("trendChannel", {
        channel: channelName(one.channel),
        rate: rate(answered / asked),
        first: rate(first.self_service_rate),
        firstDay: dayName(first.day),
        last: rate(last.self_service_rate),
        lastDay: dayName(last.day),
      });
    })
    .join(" ");
}

function renderTrend(series) {
  const place = $("#i-trend");
  if (!series.length) {
    place.replaceChildren(h("p", { class: "muted" }, t("trendNone")));
    return;
  }
  const days = series[0].days.map((d) => d.day);
  const byDay = (one) => new Map(one.days.map((d) => [d.day, d]));
  const maps = series.map(byDay);
  place.replaceChildren(
    lineChart({
      title: t("trendTitle"),
      description: trendWords(series),
      xLabels: days.map(dayName),
      series: series.map((one, i) => ({
        name: channelName(one.channel),
        values: days.map((day) => maps[i].get(day)?.self_service_rate ?? null),
      })),
      format: (v) => percent.format(v),
      table: {
        label: t("chartData"),
        caption: t("trendTitle"),
        headers: [t("colDay"), ...series.map((one) => channelName(one.channel))],
        rows: days.map((day) => [
          dayName(day),
          ...maps.map((map) => {
            const d = map.get(day);
            return d && d.questions ? t("rateOf", { rate: rate(d.self_service_rate), n: d.questions }) : "—";
          }),
        ]),
      },
    })
  );
}

function clusterLabel(cluster) {
  return cluster.examples[0] || cluster.questions[0] || cluster.id;
}

function renderGaps(clusters) {
  const chart = $("#i-gaps-chart");
  const list = $("#i-gaps");
  if (!clusters.length) {
    chart.replaceChildren();
    list.replaceChildren(h("li", { class: "muted" }, t("gapsNone")));
    return;
  }
  const shown = [...clusters].sort((a, b) => b.size - a.size).slice(0, CHART_CLUSTERS);
  chart.replaceChildren(
    barChart({
      title: t("gapsChartTitle"),
      description: shown.map((c) => t("gapWords", { label: clusterLabel(c), n: c.size })).join(" "),
      bars: shown.map((c) => ({ label: clusterLabel(c), value: c.size })),
      table: {
        label: t("chartData"),
        caption: t("gapsChartTitle"),
        headers: [t("colExample"), t("colLocale"), t("colSize"), t("colNearest")],
        rows: shown.map((c) => [
          clusterLabel(c),
          c.locale,
          c.size,
          c.nearest ? `${c.nearest.title || c.nearest.unit_id} (${decimal.format(c.nearest.score)})` : "—",
        ]),
      },
    })
  );
  list.replaceChildren(...clusters.map(gapItem));
}

function gapItem(cluster) {
  const status = h("p", { class: "row-status small", role: "status" });
  const nearest = cluster.nearest;
  const buttons = [];
  if (nearest) {
    const add = h(
      "button",
      { type: "button", class: "primary" },
      t("addToUnit", { title: nearest.title || nearest.unit_id })
    );
    add.addEventListener("click", () => addQuestions(cluster, add, status));
    buttons.push(add);
  }
  const start = h("button", { type: "button" }, t("startUnit"));
  start.addEventListener("click", () => startUnit(cluster));
  buttons.push(start);
  const headingId = `gap-${cluster.id}-h`;
  return h(
    "li",
    { class: "finding-card gap-card", "data-cluster": cluster.id, "aria-labelledby": headingId },
    h(
      "h3",
      { id: headingId, class: "small-h" },
      h("q", { lang: cluster.locale }, clusterLabel(cluster)),
      " ",
      h("span", { class: "muted small" }, t("gapSize", { n: cluster.size, locale: cluster.locale }))
    ),
    h(
      "ul",
      { class: "gap-examples", "aria-label": t("gapExamples") },
      cluster.examples.map((example) => h("li", { lang: cluster.locale }, example))
    ),
    h(
      "p",
      { class: "small" },
      nearest
        ? [
            `${t("nearestUnit")} `,
            h("a", { href: unitHref(nearest.unit_id, cluster.locale), lang: cluster.locale }, nearest.title || nearest.unit_id),
            " ",
            h("span", { class: "muted" }, t("score", { score: decimal.format(nearest.score) })),
          ]
        : t("nearestNone")
    ),
    h("div", { class: "actions" }, buttons),
    status
  );
}

async function addQuestions(cluster, button, status) {
  const nearest = cluster.nearest;
  button.disabled = true;
  const result = await api("POST", "/api/v1/insights/gaps/questions", {
    body: {
      unit_id: nearest.unit_id,
      locale: cluster.locale,
      questions: cluster.questions,
      message: t("gapMessage", { example: clusterLabel(cluster) }),
    },
  });
  if (!result.ok) {
    button.disabled = false;
    const text = t("failed", { detail: problemText(result) });
    status.textContent = text;
    say(text);
    return;
  }
  const done = result.data;
  const title = nearest.title || nearest.unit_id;
  const text = done.added.length
    ? t("questionsAdded", { n: done.added.length, title, revision: done.revision })
    : t("questionsKnown", { title, revision: done.revision });
  status.replaceChildren(
    text,
    " ",
    h("a", { href: unitHref(done.unit_id, done.locale) }, t("openDraft", { revision: done.revision }))
  );
  say(text);
}

/** Open the new-unit form with the cluster's questions and locale filled in. */
function startUnit(cluster) {
  editor.prefill = { locale: cluster.locale, questions: cluster.questions.slice() };
  location.hash = "#/new";
}

/** The locale to open a unit in: the filter's, else the interface's if it has one, else any. */
function unitLocale(unitId) {
  if ($("#i-locale").value) return $("#i-locale").value;
  const locales = state.overview.filter((u) => u.unit_id === unitId).map((u) => u.locale);
  return locales.includes(LANG) ? LANG : locales[0] || LANG;
}

function unitCell(unitId, title) {
  return h("a", { href: unitHref(unitId, unitLocale(unitId)) }, title || unitId);
}

function renderTopUnits(units) {
  const tbody = $("#i-top tbody");
  if (!units.length) return emptyRow(tbody, 5);
  tbody.replaceChildren(
    ...units.map((u) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, unitCell(u.unit_id, u.title)),
        h("td", { class: "num" }, u.served),
        h("td", { class: "num" }, u.helpful),
        h("td", { class: "num" }, u.not_helpful),
        h("td", { class: "num" }, rate(u.helpful_ratio))
      )
    )
  );
}

function renderEmptySearches(searches) {
  const tbody = $("#i-empty tbody");
  if (!searches.length) return emptyRow(tbody, 2);
  tbody.replaceChildren(
    ...searches.map((s) => h("tr", {}, h("th", { scope: "row" }, s.question), h("td", { class: "num" }, s.count)))
  );
}

function renderFlagged(flagged) {
  const tbody = $("#i-flagged tbody");
  if (!flagged.length) return emptyRow(tbody, 4);
  tbody.replaceChildren(
    ...flagged.map((f) =>
      h(
        "tr",
        { "data-unit": f.unit_id },
        h("th", { scope: "row" }, unitCell(f.unit_id, f.title)),
        h("td", { class: "num" }, f.flags),
        h("td", {}, f.last_reason ? t(`reason_${f.last_reason}`) : "", f.last_comment ? [" — ", h("q", {}, f.last_comment)] : null),
        h("td", {}, formatDate(f.last_at))
      )
    )
  );
}
