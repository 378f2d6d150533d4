//! Each refusal of `genesis validate` / `add-org` / `add-validator`, and the key file formats.

use super::*;
use shulian_runtime::SecretKey;

fn key(seed: u8) -> PublicKey {
    SecretKey::from_bytes(&[seed; 32]).public_key()
}

fn org(name: &str, roles: &[Role], seed: u8) -> GenesisOrg {
    GenesisOrg { name: name.into(), roles: roles.to_vec(), public_key: key(seed), balance: Fen(1_000) }
}

/// Four departments each operating one validator, an exchange center, a regulator.
fn city() -> Genesis {
    let mut g = empty("city", 1);
    for (k, d) in ["transport", "health", "water", "police"].iter().enumerate() {
        add_org(&mut g, org(d, &[Role::Department], k as u8 + 1)).expect("department");
    }
    add_org(&mut g, org("exchange", &[Role::ExchangeCenter], 10)).expect("exchange");
    add_org(&mut g, org("regulator", &[Role::Regulator], 11)).expect("regulator");
    for (k, d) in ["transport", "health", "water", "police"].iter().enumerate() {
        assert_eq!(add_validator(&mut g, key(k as u8 + 100), d, 1), Ok(true), "the role is added");
    }
    g
}

fn code(r: Result<(), GenesisCheckError>) -> &'static str {
    r.err().map(|e| e.code()).unwrap_or("ok")
}

#[test]
fn a_city_genesis_built_by_the_commands_is_valid() {
    let g = city();
    assert_eq!(check(&g), Ok(()));
    assert!(g.organizations[0].roles.contains(&Role::ValidatorOperator));
    assert_eq!(g.validators[0].name, "transport");
}

#[test]
fn the_runtimes_rules_are_applied() {
    let mut g = city();
    g.chain_id = " ".into();
    assert_eq!(code(check(&g)), "genesis.empty_chain_id");
    let g = empty("city", 1);
    assert_eq!(code(check(&g)), "genesis.no_validators");
}

#[test]
fn an_org_name_or_key_used_twice_is_refused_and_nothing_changes() {
    let mut g = city();
    let before = g.clone();
    let err = add_org(&mut g, org("health", &[Role::Trader], 50)).expect_err("same name");
    assert_eq!(err.code(), "genesis.duplicate_org_name");
    assert!(err.to_string().contains("\"health\""), "{err}");
    let err = add_org(&mut g, org("trader", &[Role::Trader], 2)).expect_err("same key");
    assert_eq!(err.code(), "genesis.duplicate_key");
    assert!(err.to_string().contains("\"health\""), "names the first holder: {err}");
    let err = add_validator(&mut g, key(1), "water", 1).expect_err("an org's key as a validator's");
    assert_eq!(err.code(), "genesis.duplicate_key");
    let err = add_validator(&mut g, key(100), "water", 1).expect_err("a validator's key twice");
    assert_eq!(err.code(), "genesis.duplicate_key");
    assert_eq!(g, before, "a refused command changes nothing");
}

#[test]
fn an_org_without_a_name_or_role_is_refused() {
    let mut g = city();
    assert_eq!(add_org(&mut g, org(" ", &[Role::Trader], 50)).map_err(|e| e.code()), Err("genesis.empty_org_name"));
    assert_eq!(add_org(&mut g, org("trader", &[], 50)).map_err(|e| e.code()), Err("genesis.no_roles"));
}

#[test]
fn a_validator_needs_an_existing_operator_with_the_operator_role() {
    let mut g = city();
    let err = add_validator(&mut g, key(120), "nobody", 1).expect_err("unknown operator");
    assert_eq!(err.code(), "genesis.unknown_operator");
    assert!(err.to_string().contains("\"nobody\""), "{err}");
    let mut g = city();
    g.organizations[0].roles = vec![Role::Department];
    assert_eq!(code(check(&g)), "genesis.operator_without_role");
    let mut g = city();
    g.validators[0].name = "gone".into();
    assert_eq!(code(check(&g)), "genesis.unknown_operator");
}

#[test]
fn zero_or_overflowing_power_is_refused() {
    let mut g = city();
    assert_eq!(add_validator(&mut g, key(120), "exchange", 0).map_err(|e| e.code()), Err("genesis.zero_power"));
    let mut g = city();
    g.validators[0].power = u64::MAX;
    g.validators[1].power = u64::MAX;
    assert_eq!(code(check_entries(&g)), "genesis.power_overflow");
}

#[test]
fn one_validator_above_two_thirds_of_several_is_refused_but_a_lone_one_is_not() {
    let mut g = city();
    // 9 of 13 > 2/3.
    let err = add_validator(&mut g, key(120), "exchange", 9).expect_err("dominant");
    assert_eq!(err.code(), "genesis.dominant_validator");
    assert!(err.to_string().contains("\"exchange\""), "{err}");
    // 8 of 12 is exactly 2/3: it cannot commit alone.
    let mut g = city();
    assert_eq!(add_validator(&mut g, key(120), "exchange", 8).map(|_| ()), Ok(()));
    let mut lone = empty("solo", 1);
    add_org(&mut lone, org("exchange", &[Role::ExchangeCenter], 10)).expect("exchange");
    add_validator(&mut lone, key(100), "exchange", 1_000).expect("a lone validator holds all the power");
    assert_eq!(check(&lone), Ok(()));
}

#[test]
fn overflowing_balances_and_a_missing_exchange_center_are_refused() {
    let mut g = city();
    let mut rich = org("rich", &[Role::Trader], 60);
    rich.balance = Fen(u64::MAX);
    assert_eq!(add_org(&mut g, rich).map_err(|e| e.code()), Err("genesis.balance_overflow"));
    let mut g = city();
    g.organizations.retain(|o| o.name != "exchange");
    assert_eq!(code(check(&g)), "genesis.no_exchange_center");
}

#[test]
fn public_keys_are_read_from_wallet_files_validator_keys_json_or_hex() {
    let secret = SecretKey::from_bytes(&[7; 32]);
    let pk = secret.public_key();
    let file = shulian_runtime::keyfile::KeyFile::encrypt(
        "k",
        &secret,
        "pass",
        [1; 16],
        [2; 24],
        shulian_runtime::keyfile::DEFAULT_KDF,
    )
    .expect("encrypt");
    let wallet = serde_json::to_string(&file).expect("json");
    assert_eq!(parse_public_key(&wallet).ok(), Some(pk), "no passphrase needed");
    assert_eq!(parse_public_key(&format!("{pk}\n")).ok(), Some(pk));
    assert_eq!(parse_public_key(&format!("\"{pk}\"")).ok(), Some(pk));
    assert_eq!(parse_public_key(&format!("{{\"public_key\": \"{pk}\", \"secret_key\": \"00\"}}")).ok(), Some(pk));
    let lying = wallet.replace(&file.account.to_string(), &AccountId::from_public_key(&key(1)).to_string());
    assert!(parse_public_key(&lying).is_err(), "a key file whose account is not its key's");
    assert!(parse_public_key("{\"name\": \"x\"}").is_err());
    assert!(parse_public_key("abcd").is_err());
}

#[test]
fn init_makes_a_key_then_takes_the_genesis_and_refuses_another() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = Home::new(dir.path().join("n"));
    let first = init_home(&home, None, None, &InitConfig::default()).expect("key only");
    assert!(first.generated_key && first.genesis_hash.is_none());
    let mut g = city();
    g.validators[0].public_key = first.public_key;
    let gp = dir.path().join("genesis.json");
    save(&gp, &g).expect("save");
    let peers = InitConfig { peers: vec!["/ip4/127.0.0.1/tcp/1".into()], ..InitConfig::default() };
    let second = init_home(&home, Some(&gp), None, &peers).expect("genesis");
    assert_eq!(second.public_key, first.public_key, "the key is kept");
    assert_eq!(second.is_validator, Some(true));
    assert_eq!(second.genesis_hash, Some(g.hash().to_string()));
    assert_eq!(home.config().expect("config").peers, peers.peers);
    assert_eq!(home.genesis().expect("genesis"), g);
    g.chain_id = "other".into();
    save(&gp, &g).expect("save");
    let err = init_home(&home, Some(&gp), None, &InitConfig::default()).expect_err("another chain");
    assert!(err.to_string().contains("already holds genesis"), "{err}");
}
