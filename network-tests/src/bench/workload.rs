//! The benchmark's transactions, signed before the network starts (or, with `--stream`, the load
//! as it is sent): a setup that admits the sender organizations, funds them, registers a data set
//! and gives each sender a grant, then a load mix of 80% usage receipts, 15% transfers and 5% new
//! grant requests and market orders.

use shulian_contracts::grants::grant_id_for;
use shulian_runtime::call::{
    Call, CatalogCall, Classification, DatasetSpec, GrantsCall, MarketCall, OrgsCall, Product, ProposalAction,
    ReceiptsCall, SettlementCall, SharingAttribute, TradeWindows, Validity,
};
use shulian_runtime::genesis::Role;
use shulian_runtime::{AccountId, Fen, GrantId, Hash, SecretKey, Transaction, UnsignedTransaction};
use std::sync::Arc;

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
    /// With `--stream`: signs this sender's next load transactions when the queue runs low.
    pub(crate) signer: Option<LoadGen>,
}

impl SenderQueue {
    /// Signs load transactions until `depth` are queued (nothing without a generator).
    pub(crate) fn top_up(&mut self, depth: usize) {
        if let Some(g) = &mut self.signer {
            while self.txs.len() < depth {
                self.txs.push_back(g.next_tx());
            }
        }
    }
}

/// What every sender's load refers to.
#[derive(Debug)]
pub(crate) struct LoadCommon {
    chain_id: String,
    accounts: Vec<AccountId>,
    dataset: shulian_runtime::DatasetId,
    listing: shulian_runtime::ListingId,
}

/// One sender's load, transaction after transaction: nonces from 1, the mix drawn from a
/// per-sender seed (splitmix64), so every run sends the same transactions.
#[derive(Debug)]
pub(crate) struct LoadGen {
    common: Arc<LoadCommon>,
    index: usize,
    key: SecretKey,
    grant: GrantId,
    next_nonce: u64,
    mix: shulian_network_tests::SplitMix64,
}

impl LoadGen {
    /// The next transaction: 80% receipts, 15% transfers, 3% grant requests, 2% orders.
    pub(crate) fn next_tx(&mut self) -> PreTx {
        let (n, k, c) = (self.next_nonce, &self.key, &*self.common);
        self.next_nonce += 1;
        let r = self.mix.next_u64() % 100;
        if r < 80 {
            let call = Call::Receipts(ReceiptsCall::Record {
                grant: self.grant,
                query_hash: Hash::tagged(b"bench/query", &n.to_le_bytes()),
                result_hash: Hash::tagged(b"bench/result", &n.to_le_bytes()),
                row_count: r * 17,
                fields_used: vec!["count".into()],
            });
            signed(&c.chain_id, k, n, call, Kind::Receipt).0
        } else if r < 95 {
            let to = c.accounts[(self.index + 1 + (r as usize)) % c.accounts.len()];
            let call = Call::Settlement(SettlementCall::Transfer { to, amount: Fen(1 + r) });
            signed(&c.chain_id, k, n, call, Kind::Transfer).0
        } else if r < 98 {
            signed(&c.chain_id, k, n, grant_request(c.dataset), Kind::Grant).0
        } else {
            signed(&c.chain_id, k, n, Call::Market(MarketCall::PlaceOrder { listing: c.listing }), Kind::Order).0
        }
    }
}

/// A request for the benchmark's data set (an unconditional one: the grant is issued at once).
fn grant_request(dataset: shulian_runtime::DatasetId) -> Call {
    Call::Grants(GrantsCall::Request {
        dataset,
        purpose: "load test".into(),
        fields: vec!["count".into(), "district".into()],
        valid_from_ms: 0,
        valid_until_ms: u64::MAX / 2,
        max_uses: u64::MAX / 2,
    })
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
    SenderQueue {
        node,
        account: AccountId::from_public_key(&key.public_key()).to_string(),
        txs: Default::default(),
        signer: None,
    }
}

const FIELDS: [&str; 3] = ["district", "count", "hour"];

/// Builds and signs the workload: `senders` organizations spread over `nodes` nodes and
/// `load_txs` load transactions (rounded up to a multiple of `senders`), signed on `threads`
/// threads; with `stream`, each sender's queue goes on signing the same mix as it is sent
/// ([`SenderQueue::top_up`]), without end.
pub(crate) fn build(
    chain_id: &str,
    demo: &DemoKeys,
    senders: usize,
    nodes: usize,
    load_txs: usize,
    threads: usize,
    stream: bool,
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
        let (p, h) = signed(chain_id, key, nonce, grant_request(dataset), kind);
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

    // The load: per sender, nonces from 1, the mix drawn from a per-sender seed; `load_txs` of
    // them signed now (on `threads` threads), the rest by the submitters as they go (`stream`).
    let per_sender = load_txs.div_ceil(senders.max(1));
    let threads = threads.max(1);
    let common = Arc::new(LoadCommon { chain_id: chain_id.to_string(), accounts, dataset, listing });
    let gens: Vec<LoadGen> = keys
        .into_iter()
        .enumerate()
        .map(|(i, key)| LoadGen {
            common: common.clone(),
            index: i,
            key,
            grant: grants[i],
            next_nonce: 1,
            mix: shulian_network_tests::SplitMix64(i as u64 + 1),
        })
        .collect();
    let load: Vec<SenderQueue> = std::thread::scope(|s| {
        let chunk = senders.div_ceil(threads).max(1);
        let mut gens = gens.into_iter();
        let handles: Vec<_> = (0..senders.div_ceil(chunk))
            .map(|_| {
                let mine: Vec<LoadGen> = gens.by_ref().take(chunk).collect();
                s.spawn(move || {
                    mine.into_iter()
                        .map(|mut g| {
                            let mut q = queue(g.index % nodes, &g.key);
                            q.txs.extend((0..per_sender).map(|_| g.next_tx()));
                            q.signer = stream.then_some(g);
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
