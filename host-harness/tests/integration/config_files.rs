//! Configuration files as users write them: the generated JSON Schema is current, TOML means exactly
//! what the same document in JSON means, and a bad file stops the run before any input is read.

use crate::common;

use std::path::Path;
use std::process::Command;

fn blindspot() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blindspot"))
}

#[test]
fn docs_config_schema_is_generated_from_the_plugin() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/config.schema.json");
    let committed = std::fs::read_to_string(&path).expect("docs/config.schema.json");
    assert_eq!(
        committed,
        blindspot_plugin::config::json_schema(),
        "docs/config.schema.json is stale: run `cargo run -p blindspot-host -- config-schema > docs/config.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).expect("JSON");
    for key in [
        "suppressions",
        "maintenance_windows",
        "change_tickets",
        "correlation",
        "network",
        "trusted_networks",
    ] {
        assert!(schema["properties"][key].is_object(), "{key} missing");
    }
    assert_eq!(schema["additionalProperties"], serde_json::json!(false));
}

#[test]
fn a_toml_configuration_means_what_its_json_twin_means() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json_config = common::testdata("false_positives/blindspot.config.json");
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_config).expect("config"))
            .expect("json");
    let toml_config = dir.path().join("blindspot.toml");
    std::fs::write(&toml_config, toml::to_string(&document).expect("as TOML")).expect("write");
    let input = common::testdata("false_positives");
    let mut outputs = Vec::new();
    for (name, config) in [
        ("json", json_config.as_path()),
        ("toml", toml_config.as_path()),
    ] {
        let out = dir.path().join(format!("{name}.parquet"));
        let status = blindspot()
            .args([
                "replay",
                "--engine",
                "native",
                "--quiet",
                "--correlate",
                "per-file",
            ])
            .arg(&input)
            .arg("--config")
            .arg(config)
            .arg("--out")
            .arg(&out)
            .status()
            .expect("run blindspot");
        assert!(status.success(), "{name}: {status}");
        outputs.push(std::fs::read(&out).expect("output"));
    }
    assert!(outputs[0].len() > 1000);
    assert_eq!(
        outputs[0], outputs[1],
        "TOML and JSON configurations gave different output"
    );
}

#[test]
fn a_bad_configuration_file_stops_the_run_with_the_key_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text, expected) in [
        (
            "bad.toml",
            "[[maintenance_windows]]\nname = \"patching\"\n[maintenance_windows.weekly]\ndays = [\"sat\"]\nstart = \"23:00\"\nend = \"03:00\"\ntime_zone = \"Europe/Bonn\"\n",
            "maintenance_windows[0].weekly.time_zone",
        ),
        ("broken.toml", "suppressions = [", "not valid TOML"),
        (
            "bad.json",
            r#"{"change_tickets":[{"name":"jira","pattern":"(","fields":["principal"]}]}"#,
            "change_tickets[0].pattern",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let out = dir.path().join("never.parquet");
        let output = blindspot()
            .args(["replay", "--engine", "native"])
            .arg(common::testdata("aws"))
            .arg("--config")
            .arg(&path)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("run blindspot");
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(!out.exists(), "{name}: no output may be written");
    }
}
