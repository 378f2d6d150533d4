//! Property: over random sequences of requests, approvals, revocations, negative listings,
//! receipts, derivations and block advances, a receipt is accepted exactly when an independent
//! model says the grant is valid at that height, no grant's use count ever exceeds its maximum,
//! and a derived data set is accepted exactly when the model says so and is never classified
//! below, or shared more freely than, its parent (classification follows lineage) unless a
//! regulator re-graded the parent since; a re-grade by anyone else is refused.

use crate::common::data::*;
use crate::common::*;
use proptest::prelude::*;
use shulian_contracts::catalog::get_dataset;
use shulian_contracts::grants::get_grant;
use shulian_runtime::call::{CatalogCall, Classification, GrantsCall, LineageCall, ParentRef, SharingAttribute};
use shulian_runtime::{Call, DatasetId, Event, GrantId, RequestId, TxStatus};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Op {
    Request {
        ds: usize,
        who: usize,
        from_off: u64,
        len: u64,
        max_uses: u64,
        mask: u8,
    },
    Approve(usize),
    Revoke(usize),
    /// A use under grant `grant`, by its grantee or (`impostor`) someone else, of fields from
    /// `mask`, kept within the grant's scope when `in_scope`.
    Record {
        grant: usize,
        impostor: Option<usize>,
        mask: u8,
        in_scope: bool,
    },
    ToggleNegativeList(usize),
    /// The grantee of grant `grant` derives a data set from the grant's data set, declared with
    /// classification `level` and sharing attribute `sharing` (indices into their orders).
    Derive {
        grant: usize,
        level: usize,
        sharing: usize,
    },
    /// Data set `ds` re-graded to (`level`, `sharing`) by the regulator or (`by_regulator` false)
    /// by its owner, who may not.
    Regrade {
        ds: usize,
        level: usize,
        sharing: usize,
        by_regulator: bool,
    },
    Advance(u64),
    /// Ledger time jumps ahead by this many ms (a slow block).
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, 0..2usize, 0..6u64, 0..40u64, 1..6u64, 0..16u8).prop_map(
            |(ds, who, from_off, len, max_uses, mask)| Op::Request { ds, who, from_off, len, max_uses, mask }
        ),
        3 => (0..8usize).prop_map(Op::Approve),
        1 => (0..8usize).prop_map(Op::Revoke),
        8 => (0..8usize, proptest::option::weighted(0.15, 0..3usize), 0..16u8, proptest::bool::weighted(0.8))
            .prop_map(|(grant, impostor, mask, in_scope)| Op::Record { grant, impostor, mask, in_scope }),
        1 => (0..2usize).prop_map(Op::ToggleNegativeList),
        2 => (0..8usize, 0..3usize, 0..3usize).prop_map(|(grant, level, sharing)| Op::Derive { grant, level, sharing }),
        1 => (0..2usize, 0..3usize, 0..3usize, proptest::bool::weighted(0.7))
            .prop_map(|(ds, level, sharing, by_regulator)| Op::Regrade { ds, level, sharing, by_regulator }),
        2 => (1..4u64).prop_map(Op::Advance),
        1 => (1..30u64).prop_map(Op::Wait),
    ]
}

/// Grantees and would-be users: two entitled kinds and one outsider.
const WHO: [u8; 3] = [USER, TRADER, OTHER];

fn fields(mask: u8) -> Vec<&'static str> {
    FIELDS.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, f)| *f).collect()
}

#[derive(Clone, Debug)]
struct Terms {
    ds: usize,
    grantee: u8,
    from: u64,
    until: u64,
    max_uses: u64,
    fields: Vec<&'static str>,
}

#[derive(Clone, Debug)]
struct ModelGrant {
    terms: Terms,
    uses: u64,
    revoked: bool,
}

/// Whether ledger time `now` is at or past `t`.
fn reached(t: u64, now: u64) -> bool {
    now >= t
}

#[derive(Default)]
struct Model {
    requests: BTreeMap<RequestId, Terms>,
    grants: Vec<(GrantId, ModelGrant)>,
    negative: [bool; 2],
}

impl Model {
    fn absorb(&mut self, events: &[Event]) {
        for e in events {
            if let Event::GrantIssued { grant, request, .. } = e {
                let terms = self.requests[request].clone();
                self.grants.push((*grant, ModelGrant { terms, uses: 0, revoked: false }));
            }
        }
    }

    /// Whether `who` may record a use of `fields` under grant `i` at ledger time `h`.
    fn allows(&self, i: usize, who: u8, fields: &[&str], h: u64) -> bool {
        let g = &self.grants[i].1;
        g.terms.grantee == who
            && !g.revoked
            && reached(g.terms.from, h)
            && !reached(g.terms.until, h)
            && g.uses < g.terms.max_uses
            && !fields.is_empty()
            && fields.iter().all(|f| g.terms.fields.contains(f))
            && !self.negative[g.terms.ds]
    }
}

/// Classification levels and sharing attributes, each from the least strict.
const LEVELS: [Classification; 3] = [Classification::General, Classification::Important, Classification::Core];
const SHARING: [SharingAttribute; 3] =
    [SharingAttribute::Unconditional, SharingAttribute::Conditional, SharingAttribute::NotShareable];
/// The two data sets' (level, sharing) indices.
const PARENTS: [(usize, usize); 2] = [(0, 1), (1, 0)];

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut c = TestChain::new(&world());
    let datasets: [DatasetId; 2] = [
        register(&mut c, OWNER, LEVELS[PARENTS[0].0], SHARING[PARENTS[0].1]),
        register(&mut c, OWNER, LEVELS[PARENTS[1].0], SHARING[PARENTS[1].1]),
    ];
    // Each derived set with its parent and how many re-grades that parent had when it was derived.
    let mut derived: Vec<(DatasetId, usize, u32)> = Vec::new();
    // The parents' current (level, sharing) indices and how often each was re-graded.
    let mut grades = PARENTS;
    let mut regrades = [0u32; 2];
    let mut m = Model::default();
    let mut request_ids: Vec<RequestId> = Vec::new();
    for op in ops {
        let h = c.next_env().timestamp_ms;
        match op {
            Op::Request { ds, who, from_off, len, max_uses, mask } => {
                let (f, u) = (h + from_off, h + from_off + len);
                let bound = |x: u64| x;
                let fs = fields(mask);
                let o = c.call(WHO[who], request_call(datasets[ds], &fs, bound(f), bound(u), max_uses));
                if o.status == TxStatus::Success {
                    for e in &o.events {
                        if let Event::RequestFiled { request, .. } = e {
                            let terms = Terms {
                                ds,
                                grantee: WHO[who],
                                from: bound(f),
                                until: bound(u),
                                max_uses,
                                fields: fs.clone(),
                            };
                            m.requests.insert(*request, terms);
                            request_ids.push(*request);
                        }
                    }
                    m.absorb(&o.events);
                }
            }
            Op::Approve(i) if !request_ids.is_empty() => {
                let request = request_ids[i % request_ids.len()];
                let o = c.call(OWNER, Call::Grants(GrantsCall::Approve { request }));
                m.absorb(&o.events);
            }
            Op::Revoke(i) if !m.grants.is_empty() => {
                let i = i % m.grants.len();
                let o = c.call(OWNER, revoke(m.grants[i].0));
                prop_assert_eq!(o.status == TxStatus::Success, !m.grants[i].1.revoked);
                m.grants[i].1.revoked = true;
            }
            Op::Record { grant, impostor, mask, in_scope } if !m.grants.is_empty() => {
                let i = grant % m.grants.len();
                let terms = &m.grants[i].1.terms;
                let who = impostor.map_or(terms.grantee, |k| WHO[k]);
                let mut fs = fields(mask);
                if in_scope {
                    fs.retain(|f| terms.fields.contains(f));
                    if fs.is_empty() {
                        fs = terms.fields.clone();
                    }
                }
                let expected = m.allows(i, who, &fs, h);
                let o = c.call(who, record(m.grants[i].0, &fs));
                let accepted = o.status == TxStatus::Success;
                prop_assert_eq!(
                    accepted,
                    expected,
                    "receipt at ledger time {} under {:?}: {:?}",
                    h,
                    m.grants[i],
                    o.status
                );
                if accepted {
                    m.grants[i].1.uses += 1;
                }
            }
            Op::ToggleNegativeList(ds) => {
                let dataset = datasets[ds];
                let reason = "review".to_string();
                let call = if m.negative[ds] {
                    CatalogCall::RemoveNegativeList { dataset, reason }
                } else {
                    CatalogCall::NegativeList { dataset, reason }
                };
                assert_ok(&c.call(REGULATOR, Call::Catalog(call)));
                m.negative[ds] = !m.negative[ds];
            }
            Op::Derive { grant, level, sharing } if !m.grants.is_empty() => {
                let i = grant % m.grants.len();
                let (id, g) = (m.grants[i].0, &m.grants[i].1);
                let t = &g.terms;
                let usable = !g.revoked && reached(t.from, h) && !reached(t.until, h);
                let expected = t.grantee != TRADER
                    && !m.negative[t.ds]
                    && usable
                    && level >= grades[t.ds].0
                    && sharing >= grades[t.ds].1;
                let call = Call::Lineage(LineageCall::RegisterDerived {
                    dataset: spec(LEVELS[level], SHARING[sharing]),
                    parents: vec![ParentRef { dataset: datasets[t.ds], grant: Some(id) }],
                });
                let o = c.call(t.grantee, call);
                prop_assert_eq!(
                    o.status == TxStatus::Success,
                    expected,
                    "derive {:?} {:?}: {:?}",
                    level,
                    sharing,
                    o.status
                );
                if let Some(child) = o.events.iter().find_map(dataset_registered) {
                    derived.push((child, t.ds, regrades[t.ds]));
                }
            }
            Op::Regrade { ds, level, sharing, by_regulator } => {
                let call = Call::Catalog(CatalogCall::Regrade {
                    dataset: datasets[ds],
                    classification: LEVELS[level],
                    sharing: SHARING[sharing],
                    reason: "review".into(),
                });
                let o = c.call(if by_regulator { REGULATOR } else { OWNER }, call);
                let expected = by_regulator && grades[ds] != (level, sharing);
                prop_assert_eq!(o.status == TxStatus::Success, expected, "re-grade: {:?}", o.status);
                if expected {
                    grades[ds] = (level, sharing);
                    regrades[ds] += 1;
                }
            }
            Op::Advance(n) => c.advance(n),
            Op::Wait(ms) => c.advance_time(ms),
            _ => {}
        }
        for (ds, &(level, sharing)) in grades.iter().enumerate() {
            let p = get_dataset(&c.state, &datasets[ds]).expect("read").expect("parent");
            prop_assert_eq!((p.classification, p.sharing), (LEVELS[level], SHARING[sharing]));
        }
        for (child, ds, at) in &derived {
            if regrades[*ds] != *at {
                continue; // the regulator re-graded the parent since: its decision, recorded
            }
            let d = get_dataset(&c.state, child).expect("read").expect("derived set");
            let p = get_dataset(&c.state, &datasets[*ds]).expect("read").expect("parent");
            prop_assert!(d.classification >= p.classification && d.sharing >= p.sharing, "{:?} below {:?}", d, p);
        }
        for (id, mg) in &m.grants {
            let g = get_grant(&c.state, id).expect("read").expect("grant");
            prop_assert!(g.uses <= g.max_uses, "grant {} used {} of {}", id, g.uses, g.max_uses);
            prop_assert_eq!(g.uses, mg.uses);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn receipts_are_accepted_only_under_a_valid_grant_and_never_beyond_its_uses(
        ops in proptest::collection::vec(op(), 1..60)
    ) {
        run(ops)?;
    }
}
