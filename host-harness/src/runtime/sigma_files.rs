//! Sigma rule files read by the host (`--sigma PATH`) and handed to the plugin inside its
//! configuration document: the plugin has no filesystem, and carrying the file path as each text's
//! origin lets its errors and `blindspot rules` name the file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

/// `(path, text)` of each file, or of every `*.yml` / `*.yaml` file directly inside each directory
/// (sorted by name, so the load order and the duplicate-id check are stable).
pub fn read(paths: &[PathBuf]) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("reading Sigma directory {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_rule_file(p))
                .collect();
            found.sort();
            if found.is_empty() {
                bail!("no *.yml or *.yaml files in {}", path.display());
            }
            for file in found {
                files.push(read_one(&file)?);
            }
        } else {
            files.push(read_one(path)?);
        }
    }
    Ok(files)
}

fn is_rule_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

fn read_one(path: &Path) -> Result<(String, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading Sigma rule {}", path.display()))?;
    Ok((path.display().to_string(), text))
}

/// The configuration document with `files` appended to `sigma.rules` as `{"origin", "text"}`.
pub fn add_to_config(config: Option<&str>, files: Vec<(String, String)>) -> Result<String> {
    let mut document = match config.map(str::trim) {
        None | Some("") => Value::Object(Map::new()),
        Some(text) => serde_json::from_str(text).context("the configuration is not JSON")?,
    };
    let Some(root) = document.as_object_mut() else {
        bail!("the configuration is not a JSON object");
    };
    let sigma = root.entry("sigma").or_insert_with(|| json!({}));
    let Some(sigma) = sigma.as_object_mut() else {
        bail!("the configuration's `sigma` is not an object");
    };
    let rules = sigma.entry("rules").or_insert_with(|| json!([]));
    let Some(rules) = rules.as_array_mut() else {
        bail!("the configuration's `sigma.rules` is not a list");
    };
    rules.extend(
        files
            .into_iter()
            .map(|(origin, text)| json!({"origin": origin, "text": text})),
    );
    Ok(document.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_a_directory_join_the_configured_rules() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/sigma");
        let files = read(&[dir]).expect("rules");
        assert_eq!(files.len(), 5, "the top-level rules, not conformance/");
        assert!(files[0].0.ends_with("azure_diagnostic_setting_deleted.yml"));
        let config = add_to_config(
            Some(r#"{"sigma":{"rules":["title: t"],"on_unsupported":"skip-and-report"}}"#),
            files,
        )
        .expect("merged");
        let value: Value = serde_json::from_str(&config).expect("json");
        assert_eq!(value["sigma"]["rules"].as_array().map(Vec::len), Some(6));
        assert_eq!(value["sigma"]["on_unsupported"], "skip-and-report");
        assert!(add_to_config(Some("[1]"), Vec::new()).is_err());
    }
}
