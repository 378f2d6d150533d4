//! The benchmark's transactions, all signed before the network starts: a setup that admits the
//! sender organizations, funds them, registers a data set and gives each sender a grant, then a
//! load mix of 80% usage receipts, 15% transfers and 5% new grant requests and market orders.

use shulian_contracts::grants::grant_id_for;
use shulian_runtime::call::{
    Call, CatalogCall, Classification, DatasetSpec, GrantsCall, MarketCall, OrgsCall, Product, ProposalAction,
    ReceiptsCall, SettlementCall, SharingAttribute, TradeWindows, Validity,
};
use shulian_runtime::genesis::Role;
use shulian_runtime::{AccountId, Fen, GrantId, Hash, SecretKey, Transaction, UnsignedTransaction};

/// One signed transaction ready to send.
#[derive(Clone, Debug)]
pub(crate) struct PreTx {
    /// Hex of its borsh bytes (what the API takes).
    pub(crate) hex: String,
    /// Its hash, hex.
    pub(crate) hash: String,
    /// Which mix class it belongs to.
    pub(crate) kind: Kind,
}

/// The kinds of the load mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Setup, not part of the measured mix.
    Setup,
    /// `receipts.record`.
    Receipt,
    /// `settlement.transfer`.
    Transfer,
    /// `grants.request` on an unconditional data set (issues a grant).
    Grant,
    /// `market.place_order` on an approved listing.
    Order,
}

/// The transactions of one sender, in nonce order, all for one node.
#[derive(Debug)]
pub(crate) struct SenderQueue {
    /// Node (index) it is submitted to: an account's nonces must reach one mempool in order.
    pub(crate) node: usize,
    /// Account id, hex (to check its nonce at the end).
    pub(crate) account: String,
    /// Setup and load transactions in nonce order.
    pub(crate) txs: std::collections::VecDeque<PreTx>,
}

/// Everything the run sends.
pub(crate) struct Workload {
    /// Setup phase 1 (admissions, deposits, data set, listing), per sender queue.
    pub(crate) setup1: Vec<SenderQueue>,
    /// Setup phase 2 (listing review, each sender's grant request), per sender queue.
    pub(crate) setup2: Vec<SenderQueue>,
    /// The load, one queue per benchmark sender.
    pub(crate) load: Vec<SenderQueue>,
}

/// The demo organizations' keys the setup needs.
pub(crate) struct DemoKeys {
    /// Exchange center (also the only validator operator, so its vote alone passes a proposal).
    pub(crate) exchange: SecretKey,
    /// A department that owns the data set.
    pub(crate) transport: SecretKey,
    /// A trader that sells the listed product.
    pub(crate) trader: SecretKey,
}

fn signed(chain_id: &str, key: &SecretKey, nonce: u64, call: Call, kind: Kind) -> (PreTx, Hash) {
    let tx: Transaction =
        UnsignedTransaction { chain_id: chain_id.to_string(), sender: key.public_key(), nonce, call }.sign(key);
    let bytes = borsh::to_vec(&tx).unwrap_or_default();
    let hash = tx.hash();
    (PreTx { hex: hex::encode(&bytes), hash: hash.to_hex(), kind }, hash)
}

/// Key of benchmark sender `i` (deterministic, so runs are comparable).
pub(crate) fn sender_key(i: usize) -> SecretKey {
    SecretKey::from_bytes(blake3::hash(format!("shulian-bench sender {i}").as_bytes()).as_bytes())
}

fn queue(node: usize, key: &SecretKey) -> SenderQueue {
    SenderQueue { node, account: AccountId::from_public_key(&key.public_key()).to_string(), txs: Default::default() }
}

const FIELDS: [&str; 3] = ["district", "count", "hour"];

/// Builds and signs the whole workload: `senders` organizations spread over `nodes` nodes and
/// `load_txs` load transactions (rounded up to a multiple of `senders`), signed on `threads` threads.
pub(crate) fn build(
    chain_id: &str,
    demo: &DemoKeys,
    senders: usize,
    nodes: usize,
    load_txs: usize,
    threads: usize,
) -> Workload {
    let keys: Vec<SecretKey> = (0..senders).map(sender_key).collect();
    let accounts: Vec<AccountId> = keys.iter().map(|k| AccountId::from_public_key(&k.public_key())).collect();

    // Phase 1: the exchange admits and funds every sender; transport registers a data set; the
    // trader lists a product.
    let mut ex = queue(0, &demo.exchange);
    let mut nonce = 0;
    for (i, k) in keys.iter().enumerate() {
        let action = ProposalAction::Admit {
            name: format!("bench org {i}"),
            roles: vec![Role::Department, Role::Trader],
            public_key: k.public_key(),
        };
        let (p, h) = signed(chain_id, &demo.exchange, nonce, Call::Orgs(OrgsCall::Propose { action }), Kind::Setup);
        let proposal = shulian_contracts::orgs::proposal_id_for(&h);
        let (v, _) = signed(
            chain_id,
            &demo.exchange,
            nonce + 1,
            Call::Orgs(OrgsCall::Vote { proposal, approve: true }),
            Kind::Setup,
        );
        ex.txs.extend([p, v]);
        nonce += 2;
    }
    for (i, a) in accounts.iter().enumerate() {
        let call = Call::Settlement(SettlementCall::Deposit {
            to: *a,
            amount: Fen(1_000_000_000),
            bank_ref: format!("bench-{i}"),
        });
        ex.txs.push_back(signed(chain_id, &demo.exchange, nonce, call, Kind::Setup).0);
        nonce += 1;
    }
    let spec = DatasetSpec {
        name: "Bus boardings by district".into(),
        metadata_hash: Hash([1; 32]),
        schema_hash: Hash([2; 32]),
        fields: FIELDS.iter().map(|f| f.to_string()).collect(),
        category: "transport".into(),
        classification: Classification::General,
        sharing: SharingAttribute::Unconditional,
        update_frequency: "hourly".into(),
    };
    let (reg, reg_hash) =
        signed(chain_id, &demo.transport, 0, Call::Catalog(CatalogCall::Register { dataset: spec }), Kind::Setup);
    let dataset = shulian_contracts::catalog::dataset_id_for(&reg_hash);
    let mut tr = queue(0, &demo.transport);
    tr.txs.push_back(reg);
    let forever = Validity { from_ms: 0, until_ms: u64::MAX / 2 };
    let listing_call = Call::Market(MarketCall::SubmitListing {
        product: Product::OffCatalog { name: "Ridership report".into(), metadata_hash: Hash([3; 32]) },
        price: Fen(100),
        licence_terms_hash: Hash([4; 32]),
        delivery_method: "sftp".into(),
        purpose: "planning".into(),
        validity: forever,
        fields: vec![],
        max_uses: 1,
        windows: TradeWindows::default(),
    });
    let (lst, lst_hash) = signed(chain_id, &demo.trader, 0, listing_call, Kind::Setup);
    let listing = shulian_contracts::market::listing_id_for(&lst_hash);
    let mut trq = queue(0, &demo.trader);
    trq.txs.push_back(lst);

    // Phase 2: the exchange approves the listing; each sender requests (and at once gets) a grant.
    let mut ex2 = queue(0, &demo.exchange);
    ex2.txs.push_back(
        signed(
            chain_id,
            &demo.exchange,
            nonce,
            Call::Market(MarketCall::ReviewListing { listing, approve: true, reason: "bench".into() }),
            Kind::Setup,
        )
        .0,
    );
    let request = |key: &SecretKey, nonce: u64, kind: Kind| {
        let call = Call::Grants(GrantsCall::Request {
            dataset,
            purpose: "load test".into(),
            fields: vec!["count".into(), "district".into()],
            valid_from_ms: 0,
            valid_until_ms: u64::MAX / 2,
            max_uses: u64::MAX / 2,
        });
        let (p, h) = signed(chain_id, key, nonce, call, kind);
        (p, grant_id_for(&shulian_contracts::grants::request_id_for(&h)))
    };
    let mut setup2 = vec![ex2];
    let mut grants: Vec<GrantId> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let (p, g) = request(k, 0, Kind::Setup);
        let mut q = queue(i % nodes, k);
        q.txs.push_back(p);
        setup2.push(q);
        grants.push(g);
    }

    // The load: per sender, nonces from 1, the mix drawn from a per-sender seed.
    let per_sender = load_txs.div_ceil(senders.max(1));
    let threads = threads.max(1);
    let load: Vec<SenderQueue> = std::thread::scope(|s| {
        let chunk = senders.div_ceil(threads).max(1);
        let handles: Vec<_> = (0..senders)
            .collect::<Vec<_>>()
            .chunks(chunk)
            .map(|ids| {
                let ids = ids.to_vec();
                let (keys, accounts, grants) = (&keys, &accounts, &grants);
                let request = &request;
                s.spawn(move || {
                    ids.into_iter()
                        .map(|i| {
                            let k = &keys[i];
                            let mut q = queue(i % nodes, k);
                            // The same mix on every run (splitmix64).
                            let mut mix = shulian_network_tests::SplitMix64(i as u64 + 1);
                            for n in 1..=per_sender as u64 {
                                let r = mix.next_u64() % 100;
                                let tx = if r < 80 {
                                    let call = Call::Receipts(ReceiptsCall::Record {
                                        grant: grants[i],
                                        query_hash: Hash::tagged(b"bench/query", &n.to_le_bytes()),
                                        result_hash: Hash::tagged(b"bench/result", &n.to_le_bytes()),
                                        row_count: r * 17,
                                        fields_used: vec!["count".into()],
                                    });
                                    signed(chain_id, k, n, call, Kind::Receipt).0
                                } else if r < 95 {
                                    let to = accounts[(i + 1 + (r as usize)) % accounts.len()];
                                    let call = Call::Settlement(SettlementCall::Transfer { to, amount: Fen(1 + r) });
                                    signed(chain_id, k, n, call, Kind::Transfer).0
                                } else if r < 98 {
                                    request(k, n, Kind::Grant).0
                                } else {
                                    signed(
                                        chain_id,
                                        k,
                                        n,
                                        Call::Market(MarketCall::PlaceOrder { listing }),
                                        Kind::Order,
                                    )
                                    .0
                                };
                                q.txs.push_back(tx);
                            }
                            q
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    Workload { setup1: vec![ex, tr, trq], setup2, load }
}
