//! The multi-process tests, as one test binary (one link instead of one per file). Each module is
//! one behaviour or topology: it starts real `shulian-node` processes on temporary folders and
//! OS-chosen ports, and kills them when it ends, even when it fails.
//!
//! Run one module with `cargo test -p shulian-network-tests --test it MODULE::` (e.g. `n4_bft::`).

mod api_contract;
mod api_flood;
mod backup_restore;
mod byzantine_consensus;
mod byzantine_network;
mod crash_points;
mod data_sharing_cli;
mod demand_list_cli;
mod dev_node_survives_sigkill;
mod disk_faults;
mod docs;
mod event_stream;
mod explorer_browser;
mod explorer_read_only;
mod fault_schedules;
mod gateway;
mod genesis_city;
mod gmssl_cross_check;
mod health_ready;
mod hostile_input;
mod lists;
mod market_cli;
mod n4_bft;
mod n4_domain_flows;
mod n4_partition;
mod n4_sigkill_loop;
mod n4f1_byzantine;
mod observer;
mod packaging;
mod prometheus_alerts;
mod sm2_network;
mod snapshot_sync;
mod storage_growth;
mod twins_processes;
mod unknown_peer_refused;
mod upgrade;
mod validator_set_changes;
mod wallet_cli;
