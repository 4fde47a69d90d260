//! Sigma rules for the Fluent Bit module: the `*.yml` / `*.yaml` files beside `blindspot.json` are
//! added to the configuration's `sigma.rules` (with their paths as origins), since the module's only
//! way in is the preopened directory.

use serde_json::{Map, Value};

/// The configuration read from `path` with the Sigma files of its directory added. A document that
/// is not a JSON object is returned unchanged: the engine rejects it with its own message.
pub fn with_rules(
    loaded: Result<Option<(String, String)>, String>,
) -> Result<Option<(String, String)>, String> {
    let Ok(Some((path, text))) = loaded else {
        return loaded;
    };
    let dir = match path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir.to_owned(),
        Some(_) => "/".to_owned(),
        None => ".".to_owned(),
    };
    let files = rule_files(&dir)?;
    if files.is_empty() {
        return Ok(Some((path, text)));
    }
    let mut document = if text.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        match serde_json::from_str::<Value>(&text) {
            Ok(v @ Value::Object(_)) => v,
            _ => return Ok(Some((path, text))),
        }
    };
    let Some(sigma) = document.as_object_mut().map(|o| {
        o.entry("sigma")
            .or_insert_with(|| Value::Object(Map::new()))
    }) else {
        return Ok(Some((path, text)));
    };
    let Some(rules) = sigma
        .as_object_mut()
        .map(|s| s.entry("rules").or_insert_with(|| Value::Array(Vec::new())))
    else {
        return Ok(Some((path, text)));
    };
    let Some(rules) = rules.as_array_mut() else {
        return Ok(Some((path, text)));
    };
    for (origin, rule) in files {
        let mut entry = Map::new();
        entry.insert("origin".into(), Value::String(origin));
        entry.insert("text".into(), Value::String(rule));
        rules.push(Value::Object(entry));
    }
    let text = serde_json::to_string(&document).map_err(|e| format!("{path}: {e}"))?;
    Ok(Some((path, text)))
}

/// `(path, text)` of every `*.yml` / `*.yaml` file in `dir`, by name so the load order is stable.
fn rule_files(dir: &str) -> Result<Vec<(String, String)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{dir}: {e}"))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let path = format!("{}/{name}", dir.trim_end_matches('/'));
            let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
            let text = String::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8"))?;
            Ok((path, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::with_rules;
    use crate::engine::Engine;

    #[test]
    fn rule_files_beside_the_configuration_are_loaded() {
        let dir = std::env::temp_dir().join(format!("blindspot-fb-sigma-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let rule = include_str!("../../testdata/sigma/cloudtrail_logging_stopped.yml");
        std::fs::write(dir.join("trail.yml"), rule).expect("write");
        std::fs::write(dir.join("notes.txt"), "not a rule").expect("write");
        let path = format!("{}/blindspot.json", dir.display());
        let config = r#"{"suppressions":[{"name":"m","reason":"migration","rules":["sigma:*"],"principals":["x"]}]}"#;
        let (_, text) = with_rules(Ok(Some((path, config.to_owned()))))
            .expect("readable")
            .expect("a configuration");
        let mut engine = Engine::new();
        engine
            .configure(&text)
            .expect("the rule is loaded, so sigma:* matches");
        let sigma = engine.rules().pop().expect("rules");
        assert_eq!(sigma.origin, format!("{}/trail.yml", dir.display()));
        std::fs::remove_dir_all(&dir).expect("cleanup");

        assert_eq!(with_rules(Ok(None)), Ok(None));
        assert_eq!(with_rules(Err("x".into())), Err("x".into()));
    }
}
