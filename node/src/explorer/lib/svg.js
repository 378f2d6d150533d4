// Pictures drawn as SVG: a data set's lineage graph and a grant's uses over time.

import { t } from './i18n.js';

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, text = null) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

/**
 * The lineage graph: `nodes` maps id -> {name, parents: [id], depth}, depth < 0 for ancestors,
 * 0 for `center`, > 0 for descendants. Each generation is a row; an edge runs parent -> child.
 */
export function lineageSvg(center, nodes) {
  const rows = new Map();
  for (const [id, n] of Object.entries(nodes)) {
    if (!rows.has(n.depth)) rows.set(n.depth, []);
    rows.get(n.depth).push(id);
  }
  const depths = [...rows.keys()].sort((a, b) => a - b);
  const W = 180, H = 44, GX = 30, GY = 50;
  const widest = Math.max(...[...rows.values()].map((r) => r.length));
  const width = Math.max(1, widest) * (W + GX) + GX;
  const height = depths.length * (H + GY) + GY;
  const svg = s('svg', { xmlns: NS, width, height, viewBox: `0 0 ${width} ${height}`, class: 'lineage', 'data-testid': 'lineage' });
  const defs = s('defs');
  const marker = s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto' });
  marker.append(s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#557' }));
  defs.append(marker);
  svg.append(defs);
  const pos = {};
  depths.forEach((d, row) => {
    const ids = rows.get(d);
    const offset = (width - ids.length * (W + GX) + GX) / 2;
    ids.forEach((id, i) => { pos[id] = { x: offset + i * (W + GX), y: GY / 2 + row * (H + GY) }; });
  });
  for (const [id, n] of Object.entries(nodes)) {
    for (const p of n.parents) {
      if (!pos[p] || !pos[id]) continue;
      svg.append(s('line', { x1: pos[p].x + W / 2, y1: pos[p].y + H, x2: pos[id].x + W / 2, y2: pos[id].y, stroke: '#557', 'marker-end': 'url(#arrow)' }));
    }
  }
  for (const [id, n] of Object.entries(nodes)) {
    const a = s('a', { href: `#/dataset/${id}` });
    a.append(s('rect', { x: pos[id].x, y: pos[id].y, width: W, height: H, rx: 6, fill: id === center ? '#dbe8ff' : '#f4f4f8', stroke: id === center ? '#2a5bd7' : '#99a' }));
    a.append(s('text', { x: pos[id].x + 8, y: pos[id].y + 18, 'font-size': 12 }, (n.name || '').slice(0, 26)));
    a.append(s('text', { x: pos[id].x + 8, y: pos[id].y + 34, 'font-size': 10, fill: '#667' }, `${id.slice(0, 12)}… ${t(n.depth < 0 ? 'svg.ancestor' : n.depth > 0 ? 'svg.descendant' : 'svg.this')}`));
    svg.append(a);
  }
  return svg;
}

/** Cumulative uses of a grant against block height, as a step line, with its limit. */
export function usesSvg(receipts, maxUses, issuedAt, head) {
  const W = 520, H = 180, L = 40, B = 24;
  const svg = s('svg', { xmlns: NS, width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'uses-chart', 'data-testid': 'uses-chart' });
  const h0 = Number(issuedAt), h1 = Math.max(Number(head), h0 + 1);
  const top = Math.max(Number(maxUses) || 1, ...receipts.map((r) => Number(r.seq) || 0), receipts.length, 1);
  const x = (h) => L + ((Number(h) - h0) / (h1 - h0)) * (W - L - 10);
  const y = (n) => H - B - (n / top) * (H - B - 10);
  svg.append(s('line', { x1: L, y1: H - B, x2: W - 10, y2: H - B, stroke: '#889' }));
  svg.append(s('line', { x1: L, y1: 10, x2: L, y2: H - B, stroke: '#889' }));
  svg.append(s('line', { x1: L, y1: y(top), x2: W - 10, y2: y(top), stroke: '#d77', 'stroke-dasharray': '4 3' }));
  svg.append(s('text', { x: 4, y: y(top) + 4, 'font-size': 10 }, t('svg.max', { n: top })));
  svg.append(s('text', { x: L, y: H - 6, 'font-size': 10 }, t('svg.height', { h: h0 })));
  svg.append(s('text', { x: W - 80, y: H - 6, 'font-size': 10 }, t('svg.height', { h: h1 })));
  // A receipt's sequence number is the grant's use count after it, so a later page of receipts
  // starts where the uses before it left the line.
  const used = (r, i) => Number(r.seq ?? i + 1);
  let d = `M${x(h0)},${y(receipts.length ? used(receipts[0], 0) - 1 : 0)}`;
  receipts.forEach((r, i) => { d += ` H${x(r.height)} V${y(used(r, i))}`; });
  d += ` H${x(h1)}`;
  svg.append(s('path', { d, fill: 'none', stroke: '#2a5bd7', 'stroke-width': 2 }));
  receipts.forEach((r, i) => svg.append(s('circle', { cx: x(r.height), cy: y(used(r, i)), r: 3, fill: '#2a5bd7' })));
  return svg;
}
