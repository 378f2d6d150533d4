// Labels of the lists' columns and of the states and levels they show, keyed by the API's own
// names (node/api-types/src/lists.rs), in the current language (dictionary keys `col.<column>`
// and `<enumeration>.<value>`). test/labels.test.mjs checks that every column and value the
// samples and docs/openapi.json carry has a label in both languages.

import { has, t } from './i18n.js';

/** An enumeration: its dictionary prefix and its values, as the API names them. */
const enumeration = (prefix, values) => ({ prefix, values });

/** Classification levels. */
export const CLASSIFICATIONS = enumeration('classification', ['general', 'important', 'core']);
/** Sharing attributes. */
export const SHARING = enumeration('sharing', ['unconditional', 'conditional', 'not_shareable']);
/** Where a data-use request stands. */
export const REQUEST_STATES = enumeration('request_state', ['awaiting_owner', 'awaiting_co_approval', 'granted', 'rejected']);
/** Where a grant stands. */
export const GRANT_STATES = enumeration('grant_state', ['active', 'expiring', 'expired', 'revoked', 'exhausted', 'not_yet_valid', 'suspended', 'frozen', 'near_limit']);
/** Where a listing stands. */
export const LISTING_STATES = enumeration('listing_state', ['pending_review', 'active', 'frozen', 'rejected', 'withdrawn']);
/** Where an order stands. */
export const ORDER_STATES = enumeration('order_state', ['placed', 'delivered', 'accepted', 'disputed', 'claimed', 'arbitrated', 'cancelled']);

/** Where a demand of the demand list stands at the head's ledger time. */
export const DEMAND_STATES = enumeration('demand_state', ['filed', 'assigned', 'overdue', 'answered', 'refused', 'withdrawn']);

/** Which enumeration each enumerated column draws from (`state` names its own per list). */
export const VALUE_LABELS = {
  classification: CLASSIFICATIONS, from_classification: CLASSIFICATIONS, sharing: SHARING, from_sharing: SHARING, status: ORDER_STATES,
};

/** A column's header in the current language (the API's column name on hover, see lists.js). */
export function columnLabel(col) {
  return has(`col.${col}`) ? t(`col.${col}`) : col;
}

/** An enumerated value in the current language, from `e` or else the column's enumeration; the
 * bare value when the column or value is unknown. */
export function valueLabel(col, v, e = null) {
  const en = e || VALUE_LABELS[col];
  return en && en.values.includes(v) ? t(`${en.prefix}.${v}`) : String(v);
}

/** Options of a filter select: an 'any' choice first, then each value's label. */
export function options(e) {
  return [['', t('ui.any')], ...e.values.map((v) => [v, t(`${e.prefix}.${v}`)])];
}
