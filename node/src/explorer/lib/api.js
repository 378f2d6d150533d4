// Reads the node's query API (GET only: the explorer has no way to change state).

import { has, t } from './i18n.js';
import { missingFields } from './shapes.js';

/** An API answer that was not 2xx, its stable error code said in the page's language (the node's
 * own message, English, follows it). */
export class ApiError extends Error {
  constructor(path, status, body) {
    const code = body && body.error ? body.error.code : null;
    const what = code && has(`error.${code}`) ? t(`error.${code}`) : t('error.status', { status });
    super(`${what}: ${body && body.error ? body.error.message : path}`);
    this.status = status;
    this.body = body;
  }
}

/** GET a JSON document from the API; with `type` (a `shulian-api` answer type, see shapes.js),
 * an answer without the fields the explorer reads is an error that names them. */
export async function get(path, type = null) {
  const r = await fetch(path, { method: 'GET', headers: { accept: 'application/json' } });
  let body = null;
  try { body = await r.json(); } catch { body = null; }
  if (!r.ok) throw new ApiError(path, r.status, body);
  if (type) {
    const missing = missingFields(type, body);
    if (missing.length) throw new Error(`${path}: the node's answer is not a ${type}: it lacks ${missing.join(', ')}`);
  }
  return body;
}

/** GET, or null on 404. */
export async function getOrNull(path, type = null) {
  try { return await get(path, type); } catch (e) { if (e instanceof ApiError && e.status === 404) return null; throw e; }
}

/** Adds a cursor parameter to a path that may already have a query. */
export function withParam(path, name, value) {
  if (value === null || value === undefined || value === '') return path;
  return `${path}${path.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}

/** Every event of a subject (`dataset:<id>`, ...), following `next` up to `max` events. */
export async function allEvents(subject, max = 2000) {
  const out = [];
  let after = null;
  do {
    const page = await get(withParam(`/api/events?subject=${subject}&limit=500`, 'after', after), 'EventsPage');
    out.push(...page.events);
    after = page.next;
  } while (after && out.length < max);
  return out;
}

let statusCache = null;
/** The chain status (validators, chain id), fetched once per page load. */
export async function status(fresh = false) {
  if (!statusCache || fresh) statusCache = await get('/api/status', 'StatusResponse');
  return statusCache;
}
