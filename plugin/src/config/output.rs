//! The `output` section: what NDJSON filters (the Fluent Bit module, `blindspot filter`) write for
//! records that carry no finding.

use serde::Deserialize;

/// Which records a filter enriches (`output.enrich` in the configuration document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Enrich {
    /// Records with findings carry them with their events' normalised fields (only the events that
    /// have findings); records that could not be read carry the error. Every other record passes
    /// byte for byte unchanged.
    #[default]
    Findings,
    /// Every record carries every event's normalised fields, findings or not.
    All,
}

impl Enrich {
    pub fn as_str(self) -> &'static str {
        match self {
            Enrich::Findings => "findings",
            Enrich::All => "all",
        }
    }

    pub fn parse(name: &str) -> Option<Enrich> {
        [Enrich::Findings, Enrich::All]
            .into_iter()
            .find(|e| e.as_str() == name)
    }
}

/// The `output` section of the configuration document: what NDJSON filters (the Fluent Bit module,
/// `blindspot filter`) write. Table outputs (Parquet, replay) always carry every column.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OutputSettings {
    /// `findings` (default): only records with findings (or read errors) gain the `blindspot` key, the
    /// rest pass unchanged; `all`: every record gains it, with its normalised fields.
    #[serde(default)]
    pub enrich: Enrich,
}
