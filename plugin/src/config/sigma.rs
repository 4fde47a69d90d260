//! The `sigma` section: a team's Sigma rules (YAML text, the plugin has no filesystem) and what to do
//! with rules using features the plugin does not evaluate. Compiling them is the engine's job
//! (`Engine::configure`), since the configuration layer sits below the rules.

use serde::Deserialize;

use crate::sigma::{OnUnsupported, SigmaDocument};

#[derive(Debug, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SigmaSection {
    /// Sigma rule files: YAML text (one or more `---`-separated rules each), or `{"origin", "text"}`
    /// when the host read them from files and wants errors to name the file.
    #[serde(default)]
    rules: Vec<RuleText>,
    #[serde(default)]
    on_unsupported: UnsupportedPolicy,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
enum RuleText {
    Text(String),
    File(RuleFile),
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct RuleFile {
    /// Where the text came from (a file path), named in errors and in `blindspot rules`.
    origin: String,
    text: String,
}

/// A rule using an aggregation, a correlation, an unknown modifier or a log source without events
/// here: refuse the configuration, or load the other rules and list the skipped ones.
#[derive(Debug, Deserialize, Default, Clone, Copy)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
enum UnsupportedPolicy {
    #[default]
    Reject,
    SkipAndReport,
}

/// The validated section: documents with their origins, ready for `sigma::load`.
#[derive(Debug, Clone, Default)]
pub struct SigmaSettings {
    pub documents: Vec<SigmaDocument>,
    pub on_unsupported: OnUnsupported,
}

pub fn settings(section: SigmaSection) -> SigmaSettings {
    SigmaSettings {
        documents: section
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, rule)| match rule {
                RuleText::Text(text) => SigmaDocument {
                    origin: format!("config.sigma.rules[{i}]"),
                    text,
                },
                RuleText::File(file) => SigmaDocument {
                    origin: file.origin,
                    text: file.text,
                },
            })
            .collect(),
        on_unsupported: match section.on_unsupported {
            UnsupportedPolicy::Reject => OnUnsupported::Reject,
            UnsupportedPolicy::SkipAndReport => OnUnsupported::SkipAndReport,
        },
    }
}
