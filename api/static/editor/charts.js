// Charts drawn as inline SVG, no library: a line chart of rates over days and a bar chart of sizes.
// Each is an image with a title and a description for screen readers, a legend that does not rely
// on colour alone (each line has its own dash and marker), and its numbers in a data table.
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
let made = 0;

/** Line styles by series: colour, dash and marker, so lines differ without colour too. */
const STYLES = [
  { color: "#0b57d0", dash: null, marker: "circle" },
  { color: "#b3261e", dash: "7 4", marker: "square" },
  { color: "#146c2e", dash: "2 4", marker: "triangle" },
  { color: "#6b3fa0", dash: "10 4 2 4", marker: "diamond" },
  { color: "#7a4f00", dash: "4 2", marker: "circle" },
];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function marker(kind, x, y, color) {
  const r = 3.5;
  if (kind === "square") return svg("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: color });
  if (kind === "triangle") {
    return svg("polygon", { points: `${x},${y - r - 1} ${x + r + 1},${y + r} ${x - r - 1},${y + r}`, fill: color });
  }
  if (kind === "diamond") {
    return svg("polygon", { points: `${x},${y - r - 1} ${x + r + 1},${y} ${x},${y + r + 1} ${x - r - 1},${y}`, fill: color });
  }
  return svg("circle", { cx: x, cy: y, r, fill: color });
}

/** The image: an <svg role="img"> named by its <title> and described by its <desc>. */
function image(height, title, description, parts) {
  const id = `chart-${++made}`;
  return svg(
    "svg",
    {
      role: "img",
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: "100%",
      preserveAspectRatio: "xMinYMin meet",
      "aria-labelledby": `${id}-title`,
      "aria-describedby": `${id}-desc`,
      class: "chart-svg",
    },
    svg("title", { id: `${id}-title` }, title),
    svg("desc", { id: `${id}-desc` }, description),
    parts
  );
}

/** The chart's numbers as a table (the text alternative a sighted keyboard user can open too). */
function dataTable({ label, caption, headers, rows }) {
  return h(
    "details",
    { class: "chart-data" },
    h("summary", {}, label),
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, headers.map((name) => h("th", { scope: "col" }, name)))),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h("tr", {}, row.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell))))
        )
      )
    )
  );
}

/**
 * A line chart of values 0..1 over the same x labels: `series` is [{name, values: [number|null]}]
 * (null: no data that day, the line breaks). `format` writes a value; `table` as dataTable takes.
 */
export function lineChart({ title, description, xLabels, series, format, table }) {
  const height = 260;
  const left = 48;
  const right = 28;
  const top = 14;
  const bottom = 40;
  const plotW = WIDTH - left - right;
  const plotH = height - top - bottom;
  const x = (i) => left + (xLabels.length > 1 ? (i * plotW) / (xLabels.length - 1) : plotW / 2);
  const y = (v) => top + plotH - v * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((v) => [
    svg("line", { x1: left, x2: WIDTH - right, y1: y(v), y2: y(v), class: "chart-grid" }),
    svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "chart-label" }, format(v)),
  ]);
  const every = Math.max(1, Math.ceil(xLabels.length / 7));
  const ticks = xLabels.map((label, i) =>
    i % every === 0 || i === xLabels.length - 1
      ? svg("text", { x: x(i), y: height - bottom + 18, "text-anchor": "middle", class: "chart-label" }, label)
      : null
  );
  const lines = series.map((one, index) => {
    const style = STYLES[index % STYLES.length];
    const runs = [[]];
    one.values.forEach((v, i) => {
      if (v === null || v === undefined) runs.push([]);
      else runs[runs.length - 1].push([x(i), y(Math.max(0, Math.min(1, v)))]);
    });
    return svg(
      "g",
      { class: "chart-series", "data-series": one.name },
      runs
        .filter((run) => run.length > 1)
        .map((run) =>
          svg("polyline", {
            points: run.map((p) => p.join(",")).join(" "),
            fill: "none",
            stroke: style.color,
            "stroke-width": 2.5,
            "stroke-dasharray": style.dash,
          })
        ),
      runs.flat().map(([px, py]) => marker(style.marker, px, py, style.color))
    );
  });
  const axis = svg("line", { x1: left, x2: WIDTH - right, y1: y(0), y2: y(0), class: "chart-axis" });
  const legend = h(
    "ul",
    { class: "chart-legend" },
    series.map((one, index) => {
      const style = STYLES[index % STYLES.length];
      const key = svg(
        "svg",
        { width: 36, height: 12, viewBox: "0 0 36 12", "aria-hidden": "true", focusable: "false" },
        svg("line", { x1: 2, x2: 34, y1: 6, y2: 6, stroke: style.color, "stroke-width": 2.5, "stroke-dasharray": style.dash }),
        marker(style.marker, 18, 6, style.color)
      );
      return h("li", {}, key, " ", one.name);
    })
  );
  return h(
    "figure",
    { class: "chart" },
    image(height, title, description, [grid, axis, ticks, lines]),
    legend,
    dataTable(table)
  );
}

function clip(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** A horizontal bar chart: `bars` is [{label, value}], longest bar for the largest value. */
export function barChart({ title, description, bars, table }) {
  const row = 30;
  const left = 250;
  const right = 48;
  const top = 8;
  const height = top * 2 + Math.max(1, bars.length) * row;
  const most = Math.max(1, ...bars.map((bar) => bar.value));
  const width = (v) => ((WIDTH - left - right) * v) / most;
  const parts = bars.map((bar, i) => {
    const y = top + i * row;
    return svg(
      "g",
      { class: "chart-bar", "data-value": bar.value },
      svg("text", { x: left - 8, y: y + row / 2 + 4, "text-anchor": "end", class: "chart-label" }, clip(bar.label, 36)),
      svg("rect", { x: left, y: y + 5, width: Math.max(2, width(bar.value)), height: row - 10, class: "chart-bar-rect" }),
      svg("text", { x: left + width(bar.value) + 6, y: y + row / 2 + 4, class: "chart-value" }, bar.value)
    );
  });
  const axis = svg("line", { x1: left, x2: left, y1: top, y2: height - top, class: "chart-axis" });
  return h("figure", { class: "chart" }, image(height, title, description, [axis, parts]), dataTable(table));
}
