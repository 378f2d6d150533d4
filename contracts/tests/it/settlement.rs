//! Settlement contract tests, driven through the runtime.

use crate::common::*;
use proptest::prelude::*;
use shulian_contracts::settlement::{balance_of, total_supply, withdrawal_request};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::exec::next_nonce;
use shulian_runtime::test_utils::{signed, transfer_call};
use shulian_runtime::{Event, Fen, TxStatus};

fn transfer(to: u8, amount: u64) -> Call {
    transfer_call(account(to), Fen(amount))
}

#[test]
fn transfer_moves_money_and_emits_event() {
    let mut c = TestChain::new(&genesis(2, 1_000));
    let o = c.call(1, transfer(2, 300));
    assert_eq!(o.status, TxStatus::Success);
    assert_eq!(o.events, vec![Event::Transferred { from: account(1), to: account(2), amount: Fen(300) }]);
    assert_eq!(balance_of(&c.state, &account(1)).ok(), Some(Fen(700)));
    assert_eq!(balance_of(&c.state, &account(2)).ok(), Some(Fen(1_300)));
}

#[test]
fn insufficient_balance_fails_and_changes_nothing_but_the_nonce() {
    let mut c = TestChain::new(&genesis(2, 1_000));
    let o = c.call(1, transfer(2, 1_001));
    let msg = assert_failed(&o, "settlement.insufficient_balance");
    assert!(msg.contains("1000") && msg.contains("1001"), "message names the numbers: {msg}");
    assert_eq!(balance_of(&c.state, &account(1)).ok(), Some(Fen(1_000)));
    assert_eq!(balance_of(&c.state, &account(2)).ok(), Some(Fen(1_000)));
    assert_eq!(next_nonce(&c.state, &account(1)).ok(), Some(1), "the nonce is used even though the call failed");
}

#[test]
fn zero_amount_and_self_transfer_are_refused_with_their_own_errors() {
    let mut c = TestChain::new(&genesis(2, 1_000));
    assert_failed(&c.call(1, transfer(2, 0)), "settlement.zero_amount");
    assert_failed(&c.call(1, transfer(1, 5)), "settlement.self_transfer");
    assert_eq!(total_supply(&c.state).ok(), Some(Fen(2_000)));
}

#[test]
fn a_failed_call_in_a_block_does_not_stop_the_others() {
    let mut c = TestChain::new(&genesis(3, 100));
    let t1 = c.tx(1, transfer(2, 500));
    let t2 = c.tx(3, transfer(2, 50));
    let exec = c.block(vec![t1, t2]);
    assert!(matches!(exec.outcomes[0].status, TxStatus::Failed { .. }));
    assert_eq!(exec.outcomes[1].status, TxStatus::Success);
    assert_eq!(balance_of(&c.state, &account(2)).ok(), Some(Fen(150)));
}

#[test]
fn same_blocks_on_two_fresh_stores_give_the_same_state_roots() {
    let g = genesis(4, 10_000);
    let mut a = TestChain::new(&g);
    let mut roots = vec![];
    for i in 0..10u64 {
        let from = (i % 4 + 1) as u8;
        let to = ((i + 1) % 4 + 1) as u8;
        let tx = a.tx(from, transfer(to, 10 + i));
        a.block(vec![tx]);
        roots.push(a.root);
    }
    let mut b = TestChain::new(&g);
    let mut parent_ms = g.genesis_time_ms;
    for (blk, root) in a.blocks.clone().iter().zip(&roots) {
        let exec = shulian_runtime::apply_block(
            &b.state,
            parent_ms,
            blk,
            &shulian_contracts::NativeContracts,
            shulian_runtime::SignatureCheck::Verify,
        )
        .expect("replay");
        assert_eq!(&exec.state_root, root);
        parent_ms = blk.header.timestamp_ms;
        b.state.apply(exec.changes);
    }
    assert_eq!(shulian_runtime::smt::root(&b.state).ok(), roots.last().copied());
    // Roots change with every block that changes state.
    let distinct: std::collections::BTreeSet<_> = roots.iter().collect();
    assert_eq!(distinct.len(), roots.len());
}

#[test]
fn block_with_a_replayed_nonce_is_refused_whole() {
    let mut c = TestChain::new(&genesis(2, 1_000));
    let tx = c.tx(1, transfer(2, 1));
    c.block(vec![tx.clone()]);
    let env = shulian_runtime::exec::BlockEnv { chain_id: CHAIN, height: c.height.next(), timestamp_ms: 99_999 };
    let r = shulian_runtime::exec::execute_txs(
        &c.state,
        env,
        &[tx],
        &shulian_contracts::NativeContracts,
        shulian_runtime::SignatureCheck::Verify,
    );
    assert!(matches!(
        r,
        Err(shulian_runtime::exec::BlockError::InvalidTx { error: shulian_runtime::TxError::StaleNonce { .. }, .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Over random transfers (many failing), the total supply never changes and always equals the
    /// sum of the balances.
    #[test]
    fn money_is_conserved_by_transfers(ops in proptest::collection::vec((1u8..=4, 1u8..=4, 0u64..1_500), 1..40)) {
        let mut c = TestChain::new(&genesis(4, 1_000));
        for chunk in ops.chunks(5) {
            let mut txs = vec![];
            let mut nonces = std::collections::BTreeMap::new();
            for (from, to, amount) in chunk {
                let base = next_nonce(&c.state, &account(*from)).unwrap_or(0);
                let n = nonces.entry(*from).or_insert(base);
                let tx = signed(CHAIN, &key(*from), *n, transfer(*to, *amount));
                *n += 1;
                txs.push(tx);
            }
            c.block(txs);
            let sum: u64 = (1..=4).map(|i| balance_of(&c.state, &account(i)).map(|f| f.0).unwrap_or(0)).sum();
            prop_assert_eq!(sum, 4_000);
            prop_assert_eq!(total_supply(&c.state).ok(), Some(Fen(4_000)));
        }
    }
}

/// Orgs 1..=3 hold 1 000 fen each; org 3 is the exchange center.
fn with_exchange() -> shulian_runtime::genesis::Genesis {
    let mut g = genesis(3, 1_000);
    g.organizations[2].roles = vec![shulian_runtime::genesis::Role::ExchangeCenter];
    g
}

fn deposit(to: shulian_runtime::AccountId, amount: u64) -> Call {
    Call::Settlement(SettlementCall::Deposit { to, amount: Fen(amount), bank_ref: "ICBC-2024-0001".into() })
}

fn withdraw(from: shulian_runtime::AccountId, amount: u64) -> Call {
    Call::Settlement(SettlementCall::Withdraw { from, amount: Fen(amount), bank_ref: "ICBC-2024-0002".into() })
}

fn request_withdrawal(amount: u64) -> Call {
    Call::Settlement(SettlementCall::RequestWithdrawal { amount: Fen(amount) })
}

#[test]
fn exchange_center_deposit_credits_the_account_and_grows_the_supply() {
    let mut c = TestChain::new(&with_exchange());
    let events = assert_ok(&c.call(3, deposit(account(1), 500)));
    assert_eq!(
        events,
        vec![Event::Deposited {
            to: account(1),
            amount: Fen(500),
            bank_ref: "ICBC-2024-0001".into(),
            clearing: account(3),
            supply: Fen(3_500),
        }]
    );
    assert_eq!(balance_of(&c.state, &account(1)).ok(), Some(Fen(1_500)));
    assert_eq!(total_supply(&c.state).ok(), Some(Fen(3_500)));
}

#[test]
fn exchange_center_withdrawal_debits_the_account_and_shrinks_the_supply() {
    let mut c = TestChain::new(&with_exchange());
    assert_ok(&c.call(2, request_withdrawal(400)));
    let events = assert_ok(&c.call(3, withdraw(account(2), 400)));
    assert!(matches!(&events[0], Event::Withdrawn { amount: Fen(400), supply: Fen(2_600), .. }));
    assert_eq!(balance_of(&c.state, &account(2)).ok(), Some(Fen(600)));
    assert_eq!(withdrawal_request(&c.state, &account(2)).ok(), Some(None), "the request is paid");
    // More than the balance is refused when asked for, and when paid if the balance fell since.
    let msg = assert_failed(&c.call(2, request_withdrawal(601)), "settlement.insufficient_balance");
    assert!(msg.contains("600") && msg.contains("601"), "{msg}");
    assert_ok(&c.call(2, request_withdrawal(600)));
    assert_ok(&c.call(2, Call::Settlement(SettlementCall::Transfer { to: account(1), amount: Fen(1) })));
    let msg = assert_failed(&c.call(3, withdraw(account(2), 600)), "settlement.insufficient_balance");
    assert!(msg.contains("599") && msg.contains("600"), "{msg}");
    assert_eq!(withdrawal_request(&c.state, &account(2)).ok(), Some(Some(Fen(600))), "a refusal consumes nothing");
    assert_eq!(total_supply(&c.state).ok(), Some(Fen(2_600)));
}

#[test]
fn a_withdrawal_debits_only_an_organization_that_asked_for_that_amount() {
    let mut c = TestChain::new(&with_exchange());
    // The exchange center cannot debit an organization that asked for nothing.
    let msg = assert_failed(&c.call(3, withdraw(account(1), 100)), "settlement.no_withdrawal_request");
    assert!(msg.contains(&account(1).to_string()), "{msg}");
    assert_failed(&c.call(1, request_withdrawal(0)), "settlement.zero_amount");
    let events = assert_ok(&c.call(1, request_withdrawal(300)));
    assert_eq!(events, vec![Event::WithdrawalRequested { org: account(1), amount: Fen(300) }]);
    // Nor more, or less, than asked; nor another organization's.
    let msg = assert_failed(&c.call(3, withdraw(account(1), 301)), "settlement.withdrawal_mismatch");
    assert!(msg.contains("300") && msg.contains("301"), "{msg}");
    assert_failed(&c.call(3, withdraw(account(2), 300)), "settlement.no_withdrawal_request");
    assert_eq!(balance_of(&c.state, &account(1)).ok(), Some(Fen(1_000)), "refusals debit nothing");
    // A new request replaces the old one; paying it consumes it.
    assert_ok(&c.call(1, request_withdrawal(200)));
    assert_failed(&c.call(3, withdraw(account(1), 300)), "settlement.withdrawal_mismatch");
    assert_ok(&c.call(3, withdraw(account(1), 200)));
    assert_failed(&c.call(3, withdraw(account(1), 200)), "settlement.no_withdrawal_request");
    assert_eq!(balance_of(&c.state, &account(1)).ok(), Some(Fen(800)));
    assert_eq!(total_supply(&c.state).ok(), Some(Fen(2_800)));
}

#[test]
fn only_the_exchange_center_deposits_or_withdraws() {
    let mut c = TestChain::new(&with_exchange());
    let msg = assert_failed(&c.call(1, deposit(account(1), 5)), "settlement.not_exchange_center");
    assert!(msg.contains(&account(1).to_string()), "{msg}");
    assert_failed(&c.call(2, withdraw(account(1), 5)), "settlement.not_exchange_center");
    assert_eq!(total_supply(&c.state).ok(), Some(Fen(3_000)));
}

#[test]
fn deposits_need_an_amount_a_bank_reference_and_an_organization() {
    let mut c = TestChain::new(&with_exchange());
    assert_failed(&c.call(3, deposit(account(1), 0)), "settlement.zero_amount");
    let no_ref = Call::Settlement(SettlementCall::Deposit { to: account(1), amount: Fen(5), bank_ref: " ".into() });
    assert_failed(&c.call(3, no_ref), "settlement.empty_bank_ref");
    assert_failed(&c.call(3, deposit(account(42), 5)), "settlement.unknown_account");
    let escrow = shulian_contracts::settlement::escrow_account();
    assert_failed(&c.call(3, deposit(escrow, 5)), "settlement.escrow_account");
    assert_failed(&c.call(3, withdraw(escrow, 5)), "settlement.escrow_account");
    assert_failed(&c.call(3, deposit(account(1), u64::MAX)), "settlement.supply_overflow");
}

#[test]
fn nobody_can_transfer_into_escrow() {
    let mut c = TestChain::new(&with_exchange());
    let escrow = shulian_contracts::settlement::escrow_account();
    let t = Call::Settlement(SettlementCall::Transfer { to: escrow, amount: Fen(5) });
    assert_failed(&c.call(1, t), "settlement.escrow_account");
    assert_eq!(shulian_contracts::settlement::escrow_balance(&c.state).ok(), Some(Fen(0)));
}
