// Chinese-first labels of the lists' columns and of the states and levels they show, keyed by the
// API's own names (node/api-types/src/lists.rs). Pure: test/labels.test.mjs checks that every
// column and state the samples carry has a label.

/** Column name -> Chinese label (the column name follows it as the English). */
export const COLUMN_LABELS = {
  height: '高度', tx_hash: '交易', time_ms: '时间', dataset: '数据集', name: '名称', owner: '所有者',
  category: '类别', classification: '分级', sharing: '共享属性', version: '版本', negative_listed: '负面清单',
  retired: '已停用', request: '申请', requester: '申请方', purpose: '用途', state: '状态',
  needs_co_approval: '需监管会签', owner_approved: '所有者已批准', co_approved_by: '会签监管机构',
  valid_from_ms: '生效', valid_until_ms: '失效', max_uses: '次数上限', grant: '授权', grantor: '授权方',
  grantee: '被授权方', uses: '已用次数', revoked_at: '撤销高度', seq: '序号', row_count: '行数',
  query_hash: '查询哈希', result_hash: '结果哈希', fields_used: '使用字段', listing: '挂牌', seller: '卖方',
  buyer: '买方', price: '价格 (分)', fee: '手续费 (分)', delivery_window_ms: '交付期限',
  acceptance_window_ms: '验收期限', order: '订单', status: '状态', delivery_deadline_ms: '交付截止',
  acceptance_deadline_ms: '验收截止', kind: '类型', counterparty: '对方', credit: '收入 (分)', debit: '支出 (分)',
  regulator: '监管机构', reason: '原因', org: '机构',
};

/** Classification levels. */
export const CLASSIFICATIONS = [['general', '一般'], ['important', '重要'], ['core', '核心']];
/** Sharing attributes. */
export const SHARING = [['unconditional', '无条件共享'], ['conditional', '有条件共享'], ['not_shareable', '不予共享']];
/** Where a data-use request stands. */
export const REQUEST_STATES = [
  ['awaiting_owner', '待所有者决定'], ['awaiting_co_approval', '待监管会签'], ['granted', '已授权'], ['rejected', '已拒绝'],
];
/** Where a grant stands. */
export const GRANT_STATES = [
  ['active', '有效'], ['expiring', '即将到期'], ['expired', '已过期'], ['revoked', '已撤销'], ['exhausted', '次数已用尽'],
  ['not_yet_valid', '尚未生效'], ['suspended', '已暂停'],
];
/** Where a listing stands. */
export const LISTING_STATES = [
  ['pending_review', '待审核'], ['active', '在售'], ['frozen', '已冻结'], ['rejected', '已驳回'], ['withdrawn', '已撤回'],
];
/** Where an order stands. */
export const ORDER_STATES = [
  ['placed', '待交付'], ['delivered', '待验收'], ['accepted', '已验收'], ['disputed', '争议中'], ['claimed', '卖方已结算'],
  ['arbitrated', '已裁决'], ['cancelled', '已取消'],
];

/** Which enumeration each enumerated column draws from. */
export const VALUE_LABELS = {
  classification: CLASSIFICATIONS,
  sharing: SHARING,
  state: [...REQUEST_STATES, ...GRANT_STATES, ...LISTING_STATES], // a list names its own (`states`)
  status: ORDER_STATES,
};

/** A column's header: Chinese label, then the API's column name. */
export function columnLabel(col) {
  return COLUMN_LABELS[col] ? `${COLUMN_LABELS[col]} ${col}` : col;
}

/** An enumerated value as `中文 (name)`, from `pairs` or else the column's enumeration; the bare
 * value when the column or value is unknown. */
export function valueLabel(col, v, pairs = null) {
  const found = (pairs || VALUE_LABELS[col] || []).find(([name]) => name === v);
  return found ? `${found[1]} (${v})` : String(v);
}

/** Options of a filter select: an 'any' choice first, then `中文 (name)` per value. */
export function options(pairs) {
  return [['', '全部 (any)'], ...pairs.map(([v, zh]) => [v, `${zh} (${v})`])];
}
