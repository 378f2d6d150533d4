//! The test world of the lists: one in-memory chain served over HTTP, on which a sharing story,
//! a market and governance leave many items of mixed states. Every item the story creates is
//! remembered with the block and ledger time that created it, so the tests compute what each
//! list must show from the contracts' records without going through the lists' code.
#![allow(clippy::disallowed_methods, reason = "test fixture")]

use crate::api::tests::{Reply, get_from, serve};
use crate::api::{ApiOptions, router};
use crate::chain::tests::produce;
use crate::chain::{Chain, ChainLimits};
use crate::storage::{ChainStore, MemKv};
use serde::de::DeserializeOwned;
use shulian_api::regulator::ViewPage;
use shulian_runtime::call::{
    CatalogCall, Classification, DatasetSpec, GrantsCall, LineageCall, MarketCall, OrgsCall, ParentRef, Product,
    ProposalAction, ReceiptsCall, Ruling, SettlementCall, SharingAttribute, TradeWindows, Validity,
};
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::test_utils::{GenesisBuilder, account, key, signed};
use shulian_runtime::{Call, DatasetId, Event, Fen, GrantId, Hash, Height, ListingId, OrderId, RequestId};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// A department that owns most data sets and sells.
pub(super) const HEALTH: u8 = 1;
/// A department that requests and owns a few data sets.
pub(super) const TRANSPORT: u8 = 2;
/// A department and trader that requests, sells off-catalog products and buys.
pub(super) const STATS: u8 = 3;
/// The regulator.
pub(super) const REGULATOR: u8 = 4;
/// The exchange center.
pub(super) const EXCHANGE: u8 = 5;
/// The only validator operator (it alone passes proposals).
pub(super) const OPERATOR: u8 = 6;
/// A trader that buys.
pub(super) const BUYER: u8 = 7;
/// A second exchange center, which arbitrates a dispute over a listing the first reviewed.
pub(super) const ARBITER: u8 = 8;
/// Every organization.
pub(super) const ORGS: [u8; 8] = [HEALTH, TRANSPORT, STATS, REGULATOR, EXCHANGE, OPERATOR, BUYER, ARBITER];
/// Opening balance of each organization.
pub(super) const OPENING: u64 = 1_000_000;
/// Genesis time: 2026-01-01 UTC.
const T0: u64 = 1_767_225_600_000;
/// Ledger time between two blocks of the story.
const STEP_MS: u64 = 1_000;
/// A day of ledger time.
pub(super) const DAY: u64 = 86_400_000;

/// Where an item was created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct At {
    pub(super) height: Height,
    pub(super) tx_hash: Hash,
    pub(super) time_ms: u64,
}

/// The chain, its HTTP address and what the story created, in creation order.
pub(super) struct World {
    pub(super) chain: Arc<Chain>,
    pub(super) addr: SocketAddr,
    nonces: BTreeMap<u8, u64>,
    pub(super) now: u64,
    pub(super) datasets: Vec<(DatasetId, At)>,
    pub(super) requests: Vec<(RequestId, At)>,
    pub(super) grants: Vec<(GrantId, At)>,
    pub(super) listings: Vec<(ListingId, At)>,
    pub(super) orders: Vec<(OrderId, At)>,
    /// The grant with many receipts.
    pub(super) receipted: Option<GrantId>,
    _shutdown: watch::Sender<bool>,
}

fn genesis() -> Genesis {
    let roles: [(u8, &str, &[Role]); 8] = [
        (HEALTH, "health", &[Role::Department]),
        (TRANSPORT, "transport", &[Role::Department]),
        (STATS, "stats", &[Role::Department, Role::Trader]),
        (REGULATOR, "regulator", &[Role::Regulator]),
        (EXCHANGE, "exchange", &[Role::ExchangeCenter]),
        (OPERATOR, "operator", &[Role::ValidatorOperator]),
        (BUYER, "buyer", &[Role::Trader]),
        (ARBITER, "arbiter", &[Role::ExchangeCenter]),
    ];
    roles
        .iter()
        .fold(GenesisBuilder::new("lists").genesis_time_ms(T0).validator("v", &key(100), 1), |b, (seed, name, r)| {
            b.org(*name, &key(*seed), r, Fen(OPENING))
        })
        .build()
}

/// A data set spec with fields `a` and `b`.
pub(super) fn spec(name: &str, classification: Classification, sharing: SharingAttribute) -> DatasetSpec {
    DatasetSpec {
        name: name.into(),
        metadata_hash: Hash([1; 32]),
        schema_hash: Hash([2; 32]),
        fields: vec!["a".into(), "b".into()],
        category: "test".into(),
        classification,
        sharing,
        update_frequency: "daily".into(),
    }
}

impl World {
    /// An empty chain, served.
    pub(super) async fn empty() -> World {
        let store = ChainStore::new(Arc::new(MemKv::default()));
        let chain = Arc::new(Chain::open(store, genesis(), ChainLimits::default()).expect("open"));
        let (shutdown, rx) = watch::channel(false);
        let addr = serve(router(chain.clone(), ApiOptions { submit_enabled: false, shutdown: rx })).await;
        World {
            chain,
            addr,
            nonces: BTreeMap::new(),
            now: T0,
            datasets: Vec::new(),
            requests: Vec::new(),
            grants: Vec::new(),
            listings: Vec::new(),
            orders: Vec::new(),
            receipted: None,
            _shutdown: shutdown,
        }
    }

    /// Submits `calls` (signer seed, call) and commits them in one block; each must succeed.
    /// Returns each call's events and where it happened, remembering the items it created.
    pub(super) fn block(&mut self, calls: Vec<(u8, Call)>) -> Vec<(Vec<Event>, At)> {
        let mut hashes = Vec::new();
        for (seed, call) in calls {
            let nonce = self.nonces.entry(seed).or_insert(0);
            let tx = signed(self.chain.chain_id(), &key(seed), *nonce, call);
            *nonce += 1;
            self.chain.submit(&borsh::to_vec(&tx).expect("encode")).expect("submit");
            hashes.push(tx.hash());
        }
        self.now += STEP_MS;
        let head = produce(&self.chain, self.now);
        assert_eq!(head.timestamp_ms, self.now);
        let mut out = Vec::new();
        for h in hashes {
            let loc = self.chain.store().tx_location(&h).expect("read").expect("committed");
            let o = self.chain.store().outcome(loc.height, loc.index).expect("read").expect("outcome");
            assert!(loc.success, "call failed: {:?}", o.status);
            let at = At { height: loc.height, tx_hash: h, time_ms: self.now };
            for e in &o.events {
                match e {
                    Event::DatasetRegistered { dataset, .. } => self.datasets.push((*dataset, at)),
                    Event::RequestFiled { request, .. } => self.requests.push((*request, at)),
                    Event::GrantIssued { grant, .. } => self.grants.push((*grant, at)),
                    Event::ListingSubmitted { listing, .. } => self.listings.push((*listing, at)),
                    Event::OrderPlaced { order, .. } => self.orders.push((*order, at)),
                    _ => {}
                }
            }
            out.push((o.events, at));
        }
        out
    }

    /// Submits `call` in a block of its own, where it must fail; returns its error code.
    pub(super) fn refused(&mut self, seed: u8, call: Call) -> String {
        let nonce = self.nonces.entry(seed).or_insert(0);
        let tx = signed(self.chain.chain_id(), &key(seed), *nonce, call);
        *nonce += 1;
        self.chain.submit(&borsh::to_vec(&tx).expect("encode")).expect("submit");
        self.now += STEP_MS;
        produce(&self.chain, self.now);
        let loc = self.chain.store().tx_location(&tx.hash()).expect("read").expect("committed");
        let o = self.chain.store().outcome(loc.height, loc.index).expect("read").expect("outcome");
        match o.status {
            shulian_runtime::exec::TxStatus::Failed { error } => error.code,
            shulian_runtime::exec::TxStatus::Success => panic!("the call succeeded"),
        }
    }

    /// One call in a block of its own.
    pub(super) fn run(&mut self, seed: u8, call: Call) -> Vec<Event> {
        self.block(vec![(seed, call)]).remove(0).0
    }

    /// `seed` registers `spec` in a block of its own; answers the data set's id.
    pub(super) fn register(&mut self, seed: u8, spec: DatasetSpec) -> DatasetId {
        let events = self.run(seed, Call::Catalog(CatalogCall::Register { dataset: spec }));
        events
            .iter()
            .find_map(|e| match e {
                Event::DatasetRegistered { dataset, .. } => Some(*dataset),
                _ => None,
            })
            .expect("registered")
    }

    /// Moves ledger time on by `ms` (the next block is stamped after it).
    pub(super) fn advance(&mut self, ms: u64) {
        self.now += ms;
    }

    /// GET `path`.
    pub(super) async fn get(&self, path: &str) -> Reply {
        get_from([127, 0, 0, 1], self.addr, path).await
    }

    /// One page of a list at `path` (a query string included), which must answer 200.
    pub(super) async fn page<R: DeserializeOwned>(&self, path: &str) -> ViewPage<R> {
        let r = self.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{path}: {e}: {}", r.body))
    }

    /// Every row of a list, following `next` with pages of `limit`; each page holds at most
    /// `limit` rows.
    pub(super) async fn all<R: DeserializeOwned>(&self, path: &str, limit: usize) -> Vec<R> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut rows = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..10_000 {
            let cursor = after.as_ref().map(|a| format!("&after={a}")).unwrap_or_default();
            let p: ViewPage<R> = self.page(&format!("{path}{sep}limit={limit}{cursor}")).await;
            assert!(p.rows.len() <= limit, "{path}: a page holds at most its limit");
            rows.extend(p.rows);
            match p.next {
                Some(n) => after = Some(n),
                None => return rows,
            }
        }
        panic!("{path}: paging did not end")
    }

    /// The story: data sets, the negative list, requests, grants and receipts, the market,
    /// transfers, deposits, a dispute, and governance. Returns the world at its end.
    pub(super) async fn story() -> World {
        let mut w = World::empty().await;
        w.sharing();
        w.market();
        w.governance();
        w
    }

    fn sharing(&mut self) {
        use Classification::{Core, General, Important};
        use SharingAttribute::{Conditional, NotShareable, Unconditional};
        let kinds = [(General, Unconditional), (Important, Conditional), (Core, Conditional), (General, NotShareable)];
        let mut calls = Vec::new();
        for i in 0..12 {
            let (c, s) = kinds[i % kinds.len()];
            calls.push((HEALTH, Call::Catalog(CatalogCall::Register { dataset: spec(&format!("health {i}"), c, s) })));
        }
        self.block(calls);
        for (i, (c, s)) in kinds.iter().copied().enumerate().take(3) {
            self.run(TRANSPORT, Call::Catalog(CatalogCall::Register { dataset: spec(&format!("roads {i}"), c, s) }));
        }
        // A derived data set is registered by the catalog too.
        let roads = self.datasets[12].0;
        self.run(
            TRANSPORT,
            Call::Lineage(LineageCall::RegisterDerived {
                dataset: spec("roads derived", General, Conditional),
                parents: vec![ParentRef { dataset: roads, grant: None }],
            }),
        );
        let d: Vec<DatasetId> = self.datasets.iter().map(|(d, _)| *d).collect();
        // Requests on every shareable health data set, from two requesters, with windows that
        // will be open, closing soon, closed and not yet open at the head.
        let mut n = 0;
        for (i, ds) in d.iter().enumerate().take(12) {
            if i % 4 == 3 {
                continue;
            }
            for requester in [TRANSPORT, STATS] {
                // Open long, closing within days, closed by the head, not yet open.
                let t = self.now + STEP_MS;
                let windows = [(t, t + 400 * DAY), (t, t + 10 * DAY), (t, t + DAY), (t + 300 * DAY, t + 301 * DAY)];
                let (from, until) = windows[n % windows.len()];
                n += 1;
                self.run(
                    requester,
                    Call::Grants(GrantsCall::Request {
                        dataset: *ds,
                        purpose: format!("purpose {n}"),
                        fields: vec!["a".into()],
                        valid_from_ms: from,
                        valid_until_ms: until,
                        max_uses: if n % 5 == 0 { 1 } else { 20 },
                    }),
                );
            }
        }
        // Decide some: the owner approves every third, rejects every fifth; the regulator
        // co-approves some core requests, before or after the owner.
        let reqs: Vec<RequestId> = self.requests.iter().map(|(r, _)| *r).collect();
        for (i, r) in reqs.iter().enumerate() {
            let req = shulian_contracts::grants::get_request(self.chain.store(), r).expect("read").expect("request");
            if req.needs_co_approval && i % 2 == 0 {
                self.run(REGULATOR, Call::Grants(GrantsCall::CoApprove { request: *r }));
            }
            if req.owner_approved {
                continue;
            }
            if i % 3 == 0 {
                self.run(HEALTH, Call::Grants(GrantsCall::Approve { request: *r }));
            } else if i % 5 == 1 {
                self.run(HEALTH, Call::Grants(GrantsCall::Reject { request: *r, reason: "no".into() }));
            }
        }
        // Revoke one grant; use one many times and exhaust a single-use one.
        let grants: Vec<GrantId> = self.grants.iter().map(|(g, _)| *g).collect();
        assert!(grants.len() >= 4, "the story issues grants: {}", grants.len());
        let mut usable = Vec::new();
        for g in &grants {
            let gr = shulian_contracts::grants::get_grant(self.chain.store(), g).expect("read").expect("grant");
            let open = gr.validity.from_ms <= self.now + STEP_MS && gr.validity.until_ms > self.now + 20 * STEP_MS;
            if open {
                usable.push((*g, gr.grantee, gr.max_uses));
            }
        }
        let (many, many_by, _) = *usable.iter().find(|(_, _, m)| *m > 1).expect("a many-use grant");
        let record = |g: GrantId, i: u64| {
            Call::Receipts(ReceiptsCall::Record {
                grant: g,
                query_hash: Hash([i as u8; 32]),
                result_hash: Hash([7; 32]),
                row_count: i,
                fields_used: vec!["a".into()],
            })
        };
        for i in 0..7 {
            self.run(account_seed(many_by), record(many, i));
        }
        self.receipted = Some(many);
        if let Some((one, one_by, _)) = usable.iter().find(|(g, _, m)| *m == 1 && *g != many) {
            self.run(account_seed(*one_by), record(*one, 99));
        }
        let revoke = *usable.iter().map(|(g, _, _)| g).find(|g| **g != many).expect("another grant");
        self.run(HEALTH, Call::Grants(GrantsCall::Revoke { grant: revoke, reason: "ended".into() }));
        // One grant used to within a tenth of its limit (in one batch), one frozen by the regulator.
        // Near its limit at the head: a grant of the stats office (reinstated by then) on a data set
        // that stays off the negative list.
        let stays_usable = |g: &GrantId| {
            let gr = shulian_contracts::grants::get_grant(self.chain.store(), g).expect("read").expect("grant");
            gr.grantee == shulian_runtime::test_utils::account(STATS) && gr.dataset != d[0] && gr.dataset != d[1]
        };
        let others: Vec<(GrantId, shulian_runtime::AccountId, u64)> =
            usable.iter().copied().filter(|(g, _, m)| *g != many && *g != revoke && *m > 2).collect();
        let (near, near_by, max) = *others.iter().find(|(g, _, _)| stays_usable(g)).expect("a grant to use up");
        let uses = (0..max - (max / 10).max(1))
            .map(|i| shulian_runtime::call::ReceiptUse {
                query_hash: Hash([i as u8; 32]),
                result_hash: Hash([8; 32]),
                row_count: 1,
                fields_used: vec!["a".into()],
                countersignature: None,
            })
            .collect();
        self.run(account_seed(near_by), Call::Receipts(ReceiptsCall::RecordBatch { grant: near, uses }));
        // Frozen: one of transport's long grants (transport is suspended by the end; the freeze
        // shows first), so every other state keeps its grants.
        let long_of_transport = |g: &GrantId| {
            let gr = shulian_contracts::grants::get_grant(self.chain.store(), g).expect("read").expect("grant");
            gr.grantee == shulian_runtime::test_utils::account(TRANSPORT)
                && gr.validity.until_ms - gr.validity.from_ms >= 400 * DAY
        };
        let (frozen, _, _) =
            *others.iter().find(|(g, _, _)| *g != near && long_of_transport(g)).expect("a grant to freeze");
        self.run(REGULATOR, Call::Grants(GrantsCall::Freeze { grant: frozen, reason: "under review".into() }));
        // The negative list: d0 listed; d1 listed, removed, listed again; d2 listed and removed.
        let listed = |d: DatasetId| Call::Catalog(CatalogCall::NegativeList { dataset: d, reason: "bad".into() });
        let removed = |d: DatasetId| Call::Catalog(CatalogCall::RemoveNegativeList { dataset: d, reason: "ok".into() });
        for call in [listed(d[0]), listed(d[1]), removed(d[1]), listed(d[2]), listed(d[1]), removed(d[2])] {
            self.run(REGULATOR, call);
        }
        // Some windows close: three blocks on.
        self.advance(3 * STEP_MS);
    }

    fn market(&mut self) {
        let now = self.now;
        let sell = |product: Product, price: u64| {
            Call::Market(MarketCall::SubmitListing {
                product,
                price: Fen(price),
                licence_terms_hash: Hash([3; 32]),
                delivery_method: "sftp".into(),
                purpose: "planning".into(),
                validity: Validity { from_ms: now, until_ms: now + 400 * DAY },
                fields: vec!["a".into()],
                max_uses: 3,
                windows: TradeWindows { delivery_ms: Some(2 * DAY), acceptance_ms: Some(DAY) },
            })
        };
        // Health sells its shareable non-core data sets 4 and 5 (not negative-listed); stats
        // sells off-catalog reports.
        let d: Vec<DatasetId> = self.datasets.iter().map(|(d, _)| *d).collect();
        self.run(HEALTH, sell(Product::Dataset(d[4]), 10_000));
        self.run(HEALTH, sell(Product::Dataset(d[5]), 20_000));
        for i in 0..5u8 {
            let p = Product::OffCatalog { name: format!("report {i}"), metadata_hash: Hash([i; 32]) };
            self.run(STATS, sell(p, 1_000 + u64::from(i)));
        }
        let l: Vec<ListingId> = self.listings.iter().map(|(l, _)| *l).collect();
        let review = |l: ListingId, approve: bool| {
            Call::Market(MarketCall::ReviewListing { listing: l, approve, reason: "review".into() })
        };
        // l0, l1, l2, l3, l4 approved, l5 rejected, l6 left pending; l3 frozen; l4 withdrawn.
        for (i, listing) in l.iter().enumerate().take(6) {
            self.run(EXCHANGE, review(*listing, i < 5));
        }
        self.run(REGULATOR, Call::Market(MarketCall::FreezeListing { listing: l[3], reason: "check".into() }));
        self.run(STATS, Call::Market(MarketCall::WithdrawListing { listing: l[4] }));
        self.run(
            EXCHANGE,
            Call::Settlement(SettlementCall::Deposit {
                to: account(BUYER),
                amount: Fen(50_000),
                bank_ref: "b1".into(),
            }),
        );
        self.run(STATS, Call::Settlement(SettlementCall::RequestWithdrawal { amount: Fen(7) }));
        self.run(
            EXCHANGE,
            Call::Settlement(SettlementCall::Withdraw { from: account(STATS), amount: Fen(7), bank_ref: "b2".into() }),
        );
        self.run(TRANSPORT, Call::Settlement(SettlementCall::Transfer { to: account(HEALTH), amount: Fen(123) }));
        self.run(HEALTH, Call::Settlement(SettlementCall::Transfer { to: account(BUYER), amount: Fen(45) }));
        // Orders: o0 accepted, o1 disputed then split, o2 disputed (open), o3 cancelled, o4
        // claimed, o5 left placed, o6 delivered.
        let order = |l: ListingId| Call::Market(MarketCall::PlaceOrder { listing: l });
        for (buyer, listing) in [
            (BUYER, l[0]),
            (BUYER, l[1]),
            (STATS, l[0]),
            (BUYER, l[2]),
            (TRANSPORT, l[2]),
            (BUYER, l[0]),
            (TRANSPORT, l[1]),
        ] {
            self.run(buyer, order(listing));
        }
        let o: Vec<OrderId> = self.orders.iter().map(|(o, _)| *o).collect();
        let deliver = |o: OrderId| Call::Market(MarketCall::ConfirmDelivery { order: o, delivery_hash: Hash([9; 32]) });
        for (seller, ord) in [(HEALTH, o[0]), (HEALTH, o[1]), (HEALTH, o[2]), (STATS, o[4]), (HEALTH, o[6])] {
            self.run(seller, deliver(ord));
        }
        self.run(BUYER, Call::Market(MarketCall::AcceptDelivery { order: o[0] }));
        self.run(BUYER, Call::Market(MarketCall::OpenDispute { order: o[1], reason: "short".into() }));
        self.run(STATS, Call::Market(MarketCall::OpenDispute { order: o[2], reason: "late".into() }));
        // The second exchange center rules; the fee goes to the one that reviewed the listing.
        self.run(
            ARBITER,
            Call::Market(MarketCall::Arbitrate { order: o[1], ruling: Ruling::Split { buyer_bps: 2_500 } }),
        );
        // Past the delivery window of o3 and the acceptance window of o4.
        self.advance(3 * DAY);
        self.run(BUYER, Call::Market(MarketCall::CancelOrder { order: o[3] }));
        self.run(STATS, Call::Market(MarketCall::ClaimSettlement { order: o[4] }));
        // o5 and o6 are placed and delivered again later, so they stay open at the head.
        let fresh = self.orders.len();
        self.run(BUYER, order(l[0]));
        self.run(TRANSPORT, order(l[1]));
        let o: Vec<OrderId> = self.orders.iter().map(|(o, _)| *o).collect();
        self.run(HEALTH, deliver(o[fresh + 1]));
    }

    fn governance(&mut self) {
        let propose = |action| Call::Orgs(OrgsCall::Propose { action });
        let pass = |w: &mut World, action: ProposalAction| {
            let events = w.run(OPERATOR, propose(action));
            let Some(Event::ProposalCreated { proposal, .. }) = events.first() else {
                panic!("no proposal: {events:?}")
            };
            w.run(OPERATOR, Call::Orgs(OrgsCall::Vote { proposal: *proposal, approve: true }));
        };
        // Buyer suspended, reinstated, suspended again; transport suspended once; stats suspended
        // and reinstated.
        pass(self, ProposalAction::Suspend { org: account(BUYER), reason: "first".into() });
        pass(self, ProposalAction::Reinstate { org: account(BUYER) });
        pass(self, ProposalAction::Suspend { org: account(STATS), reason: "stats".into() });
        pass(self, ProposalAction::Suspend { org: account(BUYER), reason: "again".into() });
        pass(self, ProposalAction::Suspend { org: account(TRANSPORT), reason: "roads".into() });
        pass(self, ProposalAction::Reinstate { org: account(STATS) });
    }
}

/// The seed of a genesis organization's account.
pub(super) fn account_seed(a: shulian_runtime::AccountId) -> u8 {
    *ORGS.iter().find(|s| account(**s) == a).expect("a genesis organization")
}
