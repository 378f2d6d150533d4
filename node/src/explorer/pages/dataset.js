// A data set: versions, classification, sharing, negative list, grants, usage receipts, its
// lineage drawn as SVG, and its whole history.

import { allEvents, get } from '../lib/api.js';
import { objectBadge } from '../lib/badge.js';
import { lineageSvg } from '../lib/svg.js';
import { t } from '../lib/i18n.js';
import { valueLabel } from '../lib/labels.js';
import { el, kv, link, section, table, yesNo } from '../lib/ui.js';
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
    el('h1', {}, t('dataset.title'), ' ', el('span', { class: 'data', 'data-testid': 'dataset-name' }, ds.name), ' ', objectBadge('dataset', id, ds)),
    kv([
      [t('ui.id'), el('code', {}, ds.id)], [t('col.owner'), el('span', {}, link('org', ds.owner), ' ',
        el('a', { href: `#/catalog?owner=${ds.owner}`, 'data-testid': 'owner-catalog' }, t('dataset.its_catalog')))],
      [t('col.category'), el('span', { class: 'data' }, ds.category)],
      [t('col.classification'), el('span', { 'data-testid': 'classification', 'data-value': ds.classification }, valueLabel('classification', ds.classification))],
      [t('col.sharing'), valueLabel('sharing', ds.sharing)],
      [t('col.negative_listed'), el('span', {}, el('span', { 'data-testid': 'negative-list' }, ds.negative_listed ? t('dataset.listed', { reason: ds.negative_listed }) : t('dataset.not_listed')),
        ds.negative_listed ? el('a', { href: '#/regulator' }, ' ', t('dataset.negative_list')) : null)],
      [t('col.retired'), yesNo(ds.retired)], [t('dataset.current_version'), String(ds.version)], [t('dataset.fields'), ds.fields.join(', ')],
      [t('dataset.update_frequency'), el('span', { class: 'data' }, ds.update_frequency)], [t('dataset.registered_at'), link('block', ds.registered_at, String(ds.registered_at))],
    ]),
    d.truncated ? el('p', { class: 'trust trust-stale', 'data-testid': 'truncated' }, t('dataset.truncated', { n: ds.version })) : null,
    section(t('dataset.versions'), table([t('col.version'), t('col.height'), t('col.tx_hash'), t('dataset.fields'), t('dataset.metadata_hash'), t('dataset.schema_hash')], d.versions.map((v) => [
      String(v.version), link('block', v.height, String(v.height)), link('tx', v.tx_hash), v.fields.join(', '), v.metadata_hash, v.schema_hash,
    ]))),
    section(t('dataset.grants', { n: grants.length }), table([t('col.grant'), t('col.grantee'), t('col.version'), t('col.height'), t('col.tx_hash')], grants.map((e) => [
      link('grant', e.event.grant), link('org', e.event.grantee), String(e.event.version), link('block', e.height, String(e.height)), link('tx', e.tx_hash),
    ]), { 'data-testid': 'grants' })),
    section(t('dataset.receipts', { n: receipts.length }), table([t('col.grant'), t('col.seq'), t('dataset.user'), t('col.row_count'), t('col.height'), t('col.tx_hash')], receipts.map((e) => [
      link('grant', e.event.grant), String(e.event.seq), link('org', e.event.grantee), String(e.event.row_count), link('block', e.height, String(e.height)), link('tx', e.tx_hash),
    ]))),
    section(t('dataset.lineage'), lineageSvg(id, nodes),
      el('p', { class: 'muted' }, t('dataset.lineage_counts', { a: d.ancestors.length, d: d.descendants.length }))),
    section(t('ui.history'), pagedHistory(`dataset:${id}`)));
}
