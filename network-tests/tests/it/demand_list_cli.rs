//! The demand-list story (issue 22) through the real `shulian` wallet against a real dev node: the
//! regulator defines data elements with their responsible departments; transport files two
//! demands; the regulator assigns both to health with deadlines in ledger time; health registers
//! the authoritative data set and answers one with a grant; the other goes overdue. The
//! regulator's overdue list, the demand list and the department statistics (text, JSON and CSV)
//! show exactly that.

use anyhow::Context;
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::wallet::{account, file_request, json_ok, num, refused, shulian, succeeded, text};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// This machine's clock, which the dev node stamps its blocks with: the deadline is set from it.
#[expect(clippy::disallowed_methods, reason = "a deadline a few seconds after the dev node's own clock")]
fn wall_ms() -> anyhow::Result<u64> {
    Ok(u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis())?)
}

#[test]
fn an_overdue_demand_and_an_answered_one_show_in_the_regulators_lists_and_statistics() -> anyhow::Result<()> {
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let (health, transport) = (account(node, "health")?, account(node, "transport")?);

    // The responsibility list: one responsible department per element.
    for (code, name, org) in [("clinic_visits", "门诊人次", &health), ("bus_route", "公交线路", &transport)] {
        succeeded(
            node,
            &["element", "define", "--from", "regulator", "--code", code, "--name", name, "--responsible", org],
        )?;
    }
    let elements = json_ok(node, &["element", "list", "--org", &health, "--json"])?;
    assert_eq!(elements["rows"].as_array().map(Vec::len), Some(1), "{elements}");
    assert_eq!(elements["rows"][0]["element"], "clinic_visits", "{elements}");

    // Transport demands clinic visits twice.
    let file = || -> anyhow::Result<String> {
        let v = json_ok(
            node,
            &[
                "demand",
                "file",
                "--from",
                "transport",
                "--element",
                "clinic_visits",
                "--purpose",
                "公交线网优化",
                "--json",
            ],
        )?;
        text(&v, "demand_id")
    };
    let (late, answered) = (file()?, file()?);

    // The regulator assigns both to health: one due in a few seconds of ledger time, one in 7 days.
    let deadline = wall_ms()? + 4_000;
    let deadline_arg = deadline.to_string();
    succeeded(
        node,
        &["demand", "assign", "--from", "regulator", "--demand", &late, "--to", &health, "--deadline", &deadline_arg],
    )?;
    succeeded(
        node,
        &["demand", "assign", "--from", "regulator", "--demand", &answered, "--to", &health, "--due-in", "7d"],
    )?;

    // Transport cannot be the authoritative source of health's element: refused with its code.
    let hash = "ab".repeat(32);
    let register = |from: &'static str| -> Vec<&str> {
        let mut v = vec!["dataset", "register", "--from", from, "--name", "门诊人次统计", "--field", "district,visits"];
        v.extend(["--metadata-hash", &hash, "--schema-hash", &hash, "--category", "health"]);
        v.extend(["--classification", "important", "--sharing", "conditional", "--update-frequency", "daily"]);
        v.extend(["--element", "clinic_visits"]);
        v
    };
    let err = refused(node, &register("transport"), 1)?;
    assert!(err.contains("responsibility of department") && err.contains(&health), "{err}");
    // The regulator finds the attempt, with its call and code.
    let tried = json_ok(node, &["regulator", "refused-attempts", "--org", &transport, "--json"])?;
    let rows = tried["rows"].as_array().context("rows")?;
    assert_eq!(rows.len(), 1, "{tried}");
    assert_eq!(rows[0]["call"], "catalog.register_with_elements", "{tried}");
    assert_eq!(rows[0]["code"], "registry.not_element_source", "{tried}");

    // Health registers the authoritative data set, grants it to transport, and answers.
    let dataset = text(&json_ok(node, &[register("health"), vec!["--json"]].concat())?, "dataset_id")?;
    let listed = json_ok(node, &["element", "list", "--org", &health, "--json"])?;
    assert_eq!(listed["rows"][0]["authoritative"], dataset.as_str(), "{listed}");
    let request = text(&file_request(node, "transport", &dataset, "公交线网优化", &["district"], 5)?, "request_id")?;
    let grant =
        text(&json_ok(node, &["grant", "approve", "--from", "health", "--request", &request, "--json"])?, "grant_id")?;
    succeeded(node, &["demand", "answer", "--from", "health", "--demand", &answered, "--grant", &grant])?;

    // Ledger time passes the first deadline: wait for the clock, then one more block.
    node.wait_until(Duration::from_secs(30), |_| Ok(wall_ms()? > deadline))?;
    succeeded(
        node,
        &[
            "element",
            "define",
            "--from",
            "regulator",
            "--code",
            "vehicle_plate",
            "--name",
            "号牌",
            "--responsible",
            &transport,
        ],
    )?;
    let status = json_ok(node, &["status", "--json"])?;
    assert!(num(&status, "/last_block_time_ms")? >= deadline, "{status}");

    // The regulator's overdue list: exactly the demand left unanswered.
    let overdue = json_ok(node, &["regulator", "overdue-demands", "--json"])?;
    let rows = overdue["rows"].as_array().context("rows")?;
    assert_eq!(rows.len(), 1, "{overdue}");
    assert_eq!(rows[0]["demand"], late.as_str());
    assert_eq!((rows[0]["state"].as_str(), rows[0]["department"].as_str()), (Some("overdue"), Some(health.as_str())));
    assert_eq!(rows[0]["deadline_ms"], deadline);
    // The answered one, on time, with its grant.
    let done = json_ok(node, &["demand", "list", "--requester", &transport, "--state", "answered", "--json"])?;
    let rows = done["rows"].as_array().context("rows")?;
    assert_eq!(rows.len(), 1, "{done}");
    assert_eq!(
        (rows[0]["demand"].as_str(), rows[0]["grant"].as_str()),
        (Some(answered.as_str()), Some(grant.as_str()))
    );
    assert_eq!(rows[0]["on_time"], true);
    let text_list = shulian(node, &["regulator", "overdue-demands"])?;
    assert!(String::from_utf8_lossy(&text_list.stdout).contains(&late));

    // Health's statistics: one data set, two demands assigned, one answered on time, one overdue,
    // one request approved; transport's refused attempt is counted.
    let stats = json_ok(node, &["regulator", "department-stats", "--json"])?;
    let row = |org: &str| stats["rows"].as_array().and_then(|r| r.iter().find(|x| x["org"] == org).cloned());
    let h = row(&health).context("health has a statistics row")?;
    for (field, want) in [
        ("datasets_provided", 1),
        ("demands_assigned", 2),
        ("demands_answered_on_time", 1),
        ("demands_answered_late", 0),
        ("demands_refused", 0),
        ("demands_overdue", 1),
        ("requests_approved", 1),
    ] {
        assert_eq!(h[field], want, "health {field}: {h}");
    }
    assert_eq!(h["complete"], true, "{h}");
    let t = row(&transport).context("transport has a statistics row")?;
    assert_eq!(t["refused_attempts"], 1, "{t}");
    assert_eq!(t["demands_overdue"], 0, "{t}");

    // The same as CSV for a spreadsheet.
    let csv = shulian(node, &["regulator", "department-stats", "--export", "csv"])?;
    anyhow::ensure!(csv.status.success(), "{}", String::from_utf8_lossy(&csv.stderr));
    let csv = String::from_utf8(csv.stdout)?;
    let mut lines = csv.lines();
    assert!(lines.next().is_some_and(|l| l.starts_with("org,name,datasets_provided,demands_assigned")), "{csv}");
    let health_line = lines.find(|l| l.starts_with(health.as_str())).context("health's CSV line")?;
    assert!(health_line.contains(",1,2,1,0,0,0,1,1,"), "{health_line}");
    Ok(())
}
