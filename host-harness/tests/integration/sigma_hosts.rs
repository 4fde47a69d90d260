//! Sigma rules in every host: `--sigma` for replay (Parquet and OCSF outputs) and filter, rule files
//! beside `blindspot.json` for the Fluent Bit module, and configured suppressions covering `sigma:` ids.
//! The rules are testdata/sigma's; the events are recorded CloudTrail records from
//! testdata/sigma/events (copied from testdata/aws/cloudtrail_audit_logging.ndjson).

use crate::common;

use std::process::Command;

use blindspot_host::runtime::fluent_bit::FluentBitModule;
use serde_json::Value;

const TRAIL_RULE: &str = "sigma:6f1d2a4c-8b3e-4f5a-9c7d-0e1f2a3b4c5d";

fn events() -> String {
    std::fs::read_to_string(common::testdata("sigma/events/aws_cloudtrail.ndjson")).expect("events")
}

/// The successful StopLogging on org-trail by platform-admin.
fn stop_logging() -> String {
    events()
        .lines()
        .find(|l| l.contains("\"StopLogging\"") && !l.contains("errorCode"))
        .expect("a successful StopLogging record")
        .to_owned()
}

fn blindspot(args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_blindspot"))
        .args(args)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn findings_of(rows: &[Value], rule: &str) -> Vec<Value> {
    rows.iter()
        .flat_map(|r| r["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

#[test]
fn replay_writes_sigma_findings_to_parquet_and_ocsf_and_suppressions_cover_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("trail.ndjson");
    std::fs::write(&input, stop_logging() + "\n").expect("write");
    let config = dir.path().join("blindspot.json");
    std::fs::write(
        &config,
        r#"{"suppressions":[{"name":"trail migration","reason":"platform team migrates trails","rules":["sigma:*"],"principals":["arn:aws:sts::111122223333:assumed-role/platform-admin/*"]}]}"#,
    )
    .expect("write");
    let table = dir.path().join("out.parquet");
    let ocsf = dir.path().join("findings.ocsf.ndjson");
    let sigma = common::testdata("sigma");
    blindspot(&[
        "replay",
        input.to_str().expect("utf-8"),
        "--sigma",
        sigma.to_str().expect("utf-8"),
        "--config",
        config.to_str().expect("utf-8"),
        "--out",
        table.to_str().expect("utf-8"),
        "--ocsf",
        ocsf.to_str().expect("utf-8"),
        "--format",
        "ndjson",
        "--quiet",
    ]);

    let rows = common::parquet_rows(&table);
    let sigma = findings_of(&rows, TRAIL_RULE);
    assert_eq!(sigma.len(), 1, "{rows:?}");
    let f = &sigma[0];
    assert_eq!(f["technique_id"], "T1562.008");
    assert_eq!(f["technique_id_newer"], "T1685.002");
    assert_eq!(f["tactic_newer"], "Defense Impairment");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["suppressed"], true);
    assert!(
        f["suppression_reason"]
            .as_str()
            .is_some_and(|r| r.contains("platform team migrates trails")),
        "{f}"
    );
    // The built-in rule on the same event is not covered by the `sigma:*` suppression.
    let builtin = findings_of(&rows, "aws.cloudtrail.stop_logging");
    assert_eq!(builtin.len(), 1);
    assert_eq!(builtin[0]["suppressed"], false);
    assert_eq!(builtin[0]["technique_id_newer"], "T1685.002");

    let records: Vec<Value> = std::fs::read_to_string(&ocsf)
        .expect("ocsf")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let record = records
        .iter()
        .find(|r| r["finding_info"]["analytic"]["uid"] == TRAIL_RULE)
        .expect("an OCSF record of the Sigma finding");
    let attacks = record["finding_info"]["attacks"]
        .as_array()
        .expect("attacks");
    assert_eq!(attacks.len(), 2, "{attacks:?}");
    assert_eq!(attacks[0]["sub_technique"]["uid"], "T1562.008");
    assert_eq!(attacks[1]["sub_technique"]["uid"], "T1685.002");
    assert_eq!(attacks[1]["tactic"]["name"], "Defense Impairment");
}

#[test]
fn filter_and_rules_take_sigma_files() {
    let sigma = common::testdata("sigma/cloudtrail_logging_stopped.yml");
    let sigma = sigma.to_str().expect("utf-8");
    let output = common::run_filter(&["--sigma", sigma], (stop_logging() + "\n").as_bytes());
    let line: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    let text = line.to_string();
    assert!(text.contains(TRAIL_RULE), "{text}");

    let listed = blindspot(&["rules", "--json", "--sigma", sigma]);
    let rules: Vec<Value> = serde_json::from_slice(&listed.stdout).expect("json");
    let rule = rules
        .iter()
        .find(|r| r["id"] == TRAIL_RULE)
        .expect("listed");
    assert_eq!(rule["origin"], sigma);
    assert_eq!(rule["default_severity"], "high");
}

#[test]
fn rules_lists_skipped_sigma_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rule = std::fs::read_to_string(common::testdata("sigma/cloudtrail_logging_stopped.yml"))
        .expect("rule");
    // An aggregation: valid Sigma the plugin does not evaluate.
    let counted = rule
        .replace("6f1d2a4c", "11111111")
        .replace("condition: selection", "condition: selection | count() > 3");
    std::fs::write(dir.path().join("counted.yml"), counted).expect("write");
    std::fs::write(dir.path().join("trail.yml"), rule).expect("write");
    let config = dir.path().join("c.json");
    std::fs::write(&config, r#"{"sigma":{"on_unsupported":"skip-and-report"}}"#).expect("write");
    let dir_arg = dir.path().to_str().expect("utf-8");
    let listed = blindspot(&[
        "rules",
        "--sigma",
        dir_arg,
        "--config",
        config.to_str().expect("utf-8"),
    ]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains(TRAIL_RULE), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("skipped Sigma rule") && l.contains("counted.yml")),
        "{text}"
    );

    // Without skip-and-report the configuration is refused: exit status 2, naming the file.
    let refused = Command::new(env!("CARGO_BIN_EXE_blindspot"))
        .args(["rules", "--sigma", dir_arg])
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("counted.yml"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn the_fluent_bit_module_loads_rule_files_beside_its_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("blindspot.json"), "{}").expect("write");
    std::fs::copy(
        common::testdata("sigma/cloudtrail_logging_stopped.yml"),
        dir.path().join("trail.yml"),
    )
    .expect("copy");
    let mut host = FluentBitModule::bundled()
        .expect("module")
        .instantiate("blindspot_filter", Some(dir.path()))
        .expect("instance");
    let out = host
        .call("cloudtrail", (0, 0), stop_logging().as_bytes())
        .expect("call")
        .expect("kept");
    let out: Value = serde_json::from_slice(&out).expect("json");
    assert!(out["blindspot"]["config_error"].is_null(), "{out}");
    let rules: Vec<&str> = out["blindspot"]["events"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert_eq!(rules, ["aws.cloudtrail.stop_logging", TRAIL_RULE], "{out}");
}
