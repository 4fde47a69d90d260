//! The `agents` section: security and telemetry agents beyond the built-in catalogue
//! (`rules::container_evasion::agents`), recognised by namespace, workload name or image.

use serde::Deserialize;

use super::ConfigError;

/// An agent declared in configuration.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AgentDocument {
    name: String,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    workloads: Vec<String>,
    #[serde(default)]
    images: Vec<String>,
}

/// A validated configured agent.
#[derive(Debug, Clone)]
pub struct CustomAgent {
    pub name: String,
    pub namespaces: Vec<String>,
    pub workloads: Vec<String>,
    pub images: Vec<String>,
}

/// Validate the `agents` section. Every agent needs a name and at least one way to recognise it; a
/// pattern may not be empty or a bare `*`, which would make every workload an agent.
pub fn validate(documents: Vec<AgentDocument>) -> Result<Vec<CustomAgent>, ConfigError> {
    let mut agents = Vec::new();
    for (i, doc) in documents.into_iter().enumerate() {
        let path = format!("agents[{i}]");
        if doc.name.trim().is_empty() {
            return Err(error(format!("{path}.name"), "must not be empty"));
        }
        if doc.namespaces.is_empty() && doc.workloads.is_empty() && doc.images.is_empty() {
            return Err(error(
                path,
                "names no namespaces, workloads or images: nothing would be recognised as this agent",
            ));
        }
        for (key, list) in [
            ("namespaces", &doc.namespaces),
            ("workloads", &doc.workloads),
            ("images", &doc.images),
        ] {
            for (j, pattern) in list.iter().enumerate() {
                if pattern.trim().is_empty() || pattern.chars().all(|c| c == '*') {
                    return Err(error(
                        format!("{path}.{key}[{j}]"),
                        format!("{pattern:?} would match everything"),
                    ));
                }
                if pattern.chars().any(char::is_whitespace) {
                    return Err(error(
                        format!("{path}.{key}[{j}]"),
                        format!("{pattern:?} contains whitespace, which no name or image has"),
                    ));
                }
            }
        }
        agents.push(CustomAgent {
            name: doc.name,
            namespaces: doc.namespaces,
            workloads: doc.workloads,
            images: doc.images,
        });
    }
    Ok(agents)
}

fn error(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.into(),
        message: message.into(),
    }
}
