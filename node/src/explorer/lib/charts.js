// The dashboard's charts, drawn as SVG by the page itself (no library): vertical bars per day
// (grouped or stacked series) and horizontal bars per item, each bar with its exact number on
// hover, and every chart's numbers as CSV (`toCsv`, RFC 4180 with spreadsheet formulas
// neutralized like the node's exports). Pure apart from building DOM nodes.

const NS = 'http://www.w3.org/2000/svg';
/** Series colours (colour-blind safe, Okabe-Ito). */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#777777'];

function s(tag, attrs = {}, text = null) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

/** One CSV field: quoted when needed; a leading `= + - @` (a formula) gets a `'` first. */
export function csvField(v) {
  let x = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(x) && !/^-?\d+(\.\d+)?$/.test(x)) x = `'${x}`;
  return /[",\r\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x;
}

/** `columns` and `rows` (arrays of values) as CSV text, CRLF line ends. */
export function toCsv(columns, rows) {
  return [columns, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** A "nice" upper bound of an axis of counts holding `max`: four whole-number steps of 1, 2 or 5
 * times a power of ten. */
export function niceMax(max) {
  if (!(max > 0)) return 4;
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return 4 * m * p;
  return 40 * p;
}

/** The width a label takes at 11px: a CJK character is about a square, a Latin one about half. */
function textWidth(label) {
  return [...label].reduce((w, c) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(c) ? 11 : 6.5), 0);
}

/**
 * Bars per category (days): `categories` (x labels), `series` ([{label, values}]), `stacked`.
 * Each bar has a `<title>` with its label, category and exact value; `data-value` holds it.
 */
export function barChart({ categories, series, stacked = false, testid }) {
  const W = 640, H = 240, L = 44, R = 10, T = 12, B = 44;
  const n = Math.max(categories.length, 1);
  const totals = categories.map((_, i) => series.reduce((a, x) => a + (x.values[i] || 0), 0));
  const max = niceMax(stacked ? Math.max(0, ...totals) : Math.max(0, ...series.flatMap((x) => x.values)));
  const svg = s('svg', { xmlns: NS, viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'data-testid': testid });
  const y = (v) => T + (H - T - B) * (1 - v / max);
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    svg.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#e3e5ec' }));
    svg.append(s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#556' }, String(v)));
  }
  const band = (W - L - R) / n;
  const groups = stacked ? 1 : Math.max(series.length, 1);
  const bw = Math.max(2, Math.min(28, (band * 0.75) / groups));
  categories.forEach((c, i) => {
    let base = 0;
    series.forEach((x, j) => {
      const v = x.values[i] || 0;
      const x0 = L + band * i + (band - bw * groups) / 2 + (stacked ? 0 : j * bw);
      const top = stacked ? base + v : v;
      const r = s('rect', { x: x0, y: y(top), width: bw, height: Math.max(0, y(stacked ? base : 0) - y(top)), fill: PALETTE[j % PALETTE.length], 'data-value': v, 'data-series': x.label, 'data-category': c });
      r.append(s('title', {}, `${x.label} · ${c}: ${v}`));
      if (v > 0) svg.append(r);
      base += v;
    });
    const every = Math.ceil(n / 10);
    if (i % every === 0) svg.append(s('text', { x: L + band * i + band / 2, y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#556' }, String(c).slice(5)));
  });
  svg.append(s('line', { x1: L, x2: W - R, y1: y(0), y2: y(0), stroke: '#889' }));
  // The legend, under the axis.
  let lx = L;
  series.forEach((x, j) => {
    svg.append(s('rect', { x: lx, y: H - 18, width: 10, height: 10, fill: PALETTE[j % PALETTE.length] }));
    const label = x.label.length > 22 ? `${x.label.slice(0, 21)}…` : x.label;
    svg.append(s('text', { x: lx + 14, y: H - 9, 'font-size': 11, fill: '#334' }, label));
    lx += 26 + textWidth(label);
  });
  return svg;
}

/** Horizontal bars, one per item: [{label, value}], most first as given. */
export function hbarChart({ items, testid }) {
  const rowH = 24, L = 230, R = 60, W = 640;
  const H = Math.max(1, items.length) * rowH + 10;
  const max = niceMax(Math.max(0, ...items.map((i) => i.value)));
  const svg = s('svg', { xmlns: NS, viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'data-testid': testid });
  items.forEach((it, i) => {
    const y0 = 5 + i * rowH;
    const label = it.label.length > 30 ? `${it.label.slice(0, 29)}…` : it.label;
    svg.append(s('text', { x: L - 8, y: y0 + 15, 'text-anchor': 'end', 'font-size': 12, fill: '#223' }, label));
    const w = ((W - L - R) * it.value) / max;
    const r = s('rect', { x: L, y: y0 + 3, width: Math.max(1, w), height: rowH - 8, fill: PALETTE[0], 'data-value': it.value, 'data-label': it.label });
    r.append(s('title', {}, `${it.label}: ${it.value}`));
    svg.append(r);
    svg.append(s('text', { x: L + w + 6, y: y0 + 15, 'font-size': 12, fill: '#223' }, String(it.value)));
  });
  return svg;
}
