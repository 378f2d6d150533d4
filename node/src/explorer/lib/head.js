// How old the verified head is: the newest block whose commit certificate this browser checked
// against the pinned genesis's validators, its ledger time against the browser's clock. A node
// that stopped following the chain (or a chain that stopped) still serves proofs that verify;
// only their age shows it.

import { verifyCertificate } from './verify.js';
import { t } from './i18n.js';

/** A head older than this is flagged stale. Blocks come every second or so while there are
 * transactions; two minutes without one on a network that should be busy means the node (or the
 * chain) has stopped, and proofs it serves describe the past. */
export const STALE_AFTER_MS = 2 * 60 * 1000;

/** "X 秒前" / "X 分钟前" / "X 小时前" / "X 天前" for an age in ms (a head from the future, which a
 * skewed clock can show, reads "刚刚 / just now"). */
export function ageText(ms) {
  const s = Math.floor(Number(ms) / 1000);
  if (!(s > 0)) return t('age.now');
  if (s < 120) return t('age.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 120) return t('age.minutes', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return t('age.hours', { n: h });
  const d = Math.floor(h / 24);
  return t('age.days', { n: d });
}

/**
 * The verified head for `block` (an /api/block answer) under `validators` (null: nothing is
 * trusted) at browser time `nowMs`: {ok, height, ageMs, stale, text, reason}.
 */
export function verifiedHead(block, validators, nowMs) {
  if (!validators) return { ok: false, reason: t('head.no_pin') };
  const c = verifyCertificate(block.header, block.certificate, validators);
  if (!c.ok) return { ok: false, reason: t('head.not_verified', { reason: c.reason }) };
  const height = Number(block.header.height);
  const ageMs = nowMs - Number(block.header.timestamp_ms);
  const stale = ageMs > STALE_AFTER_MS;
  const text = t('head.verified', { height, age: ageText(ageMs) });
  return { ok: true, height, ageMs, stale, text, reason: null };
}
