// A data set: versions, classification, sharing, negative list, grants, usage receipts, its
// lineage drawn as SVG, and its whole history.

import { allEvents, get } from '../lib/api.js';
import { objectBadge } from '../lib/badge.js';
import { lineageSvg } from '../lib/svg.js';
import { el, kv, link, section, table } from '../lib/ui.js';
import { pagedHistory } from './org.js';

/** Ancestors and descendants with their parents and generation, fetched one data set at a time. */
async function lineage(d) {
  const nodes = { [d.dataset.id]: { name: d.dataset.name, parents: d.parents.map((p) => p.dataset), depth: 0 } };
  const ids = [...d.ancestors, ...d.descendants].slice(0, 60);
  const fetched = await Promise.all(ids.map((id) => get(`/api/dataset/${id}`, 'DatasetResponse').catch(() => null)));
  const byId = Object.fromEntries(fetched.filter(Boolean).map((x) => [x.dataset.id, x]));
  for (const x of Object.values(byId)) nodes[x.dataset.id] = { name: x.dataset.name, parents: x.parents.map((p) => p.dataset), depth: null };
  // Generations: ancestors above (negative), descendants below (positive), by shortest path.
  const walk = (start, next, sign) => {
    let frontier = [start], depth = 0;
    while (frontier.length) {
      depth += 1;
      const following = [];
      for (const id of frontier) for (const n of next(id)) {
        if (nodes[n] && nodes[n].depth === null) { nodes[n].depth = sign * depth; following.push(n); }
      }
      frontier = following;
    }
  };
  const children = (id) => (id === d.dataset.id ? d.children : (byId[id] ? byId[id].children : []));
  walk(d.dataset.id, (id) => nodes[id] ? nodes[id].parents : [], -1);
  walk(d.dataset.id, children, 1);
  for (const n of Object.values(nodes)) if (n.depth === null) n.depth = 1;
  return nodes;
}

export async function render(id) {
  const d = await get(`/api/dataset/${id}`, 'DatasetResponse');
  const ds = d.dataset;
  const events = await allEvents(`dataset:${id}`);
  const grants = events.filter((e) => e.event.type === 'grant_issued');
  const receipts = events.filter((e) => e.event.type === 'receipt_recorded');
  const nodes = await lineage(d);
  return el('div', {},
    el('h1', {}, `Data set: ${ds.name} `, objectBadge('dataset', id, ds)),
    kv([
      ['id', ds.id], ['owner', el('span', {}, link('org', ds.owner), ' ',
        el('a', { href: `#/catalog?owner=${ds.owner}`, 'data-testid': 'owner-catalog' }, '其数据目录 (its catalog)'))], ['category', ds.category],
      ['classification', el('span', { 'data-testid': 'classification' }, ds.classification)],
      ['sharing attribute', ds.sharing], ['negative list', el('span', {}, el('span', { 'data-testid': 'negative-list' }, ds.negative_listed ? `listed: ${ds.negative_listed}` : 'not listed'),
        ds.negative_listed ? el('a', { href: '#/regulator' }, ' 负面清单 (the negative list)') : null)],
      ['retired', ds.retired ? 'yes' : 'no'], ['current version', String(ds.version)], ['fields', ds.fields.join(', ')],
      ['update frequency', ds.update_frequency], ['registered at', link('block', ds.registered_at, String(ds.registered_at))],
    ]),
    d.truncated ? el('p', { class: 'trust trust-stale', 'data-testid': 'truncated' },
      `已截断 (cut): 节点在上限处截断了版本或谱系列表，此处未全部列出 (the node cut the versions or the lineage at its cap; not all are shown: `
      + `${ds.version} versions in all; follow the lineage from the data sets shown for the rest)`) : null,
    section('Versions', table(['version', 'height', 'tx', 'fields', 'metadata hash', 'schema hash'], d.versions.map((v) => [
      String(v.version), link('block', v.height, String(v.height)), link('tx', v.tx_hash), v.fields.join(', '), v.metadata_hash, v.schema_hash,
    ]))),
    section(`Grants (${grants.length})`, table(['grant', 'grantee', 'version', 'height', 'tx'], grants.map((e) => [
      link('grant', e.event.grant), link('org', e.event.grantee), String(e.event.version), link('block', e.height, String(e.height)), link('tx', e.tx_hash),
    ]), { 'data-testid': 'grants' })),
    section(`Usage receipts (${receipts.length})`, table(['grant', 'seq', 'user', 'rows', 'height', 'tx'], receipts.map((e) => [
      link('grant', e.event.grant), String(e.event.seq), link('org', e.event.grantee), String(e.event.row_count), link('block', e.height, String(e.height)), link('tx', e.tx_hash),
    ]))),
    section('Lineage (ancestors above, descendants below)', lineageSvg(id, nodes),
      el('p', { class: 'muted' }, `${d.ancestors.length} ancestors, ${d.descendants.length} descendants`)),
    section('History', pagedHistory(`dataset:${id}`)));
}
