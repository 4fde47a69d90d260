//! The `correlation` section of the configuration: window lengths and the caps that bound state.

use serde::Deserialize;

use crate::config::ConfigError;

const MINUTE: i64 = 60_000_000;
const SECOND: i64 = 1_000_000;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CorrelationDocument {
    window_minutes: Option<u32>,
    min_moves: Option<u32>,
    min_denied_attempts: Option<u32>,
    out_of_order_tolerance_seconds: Option<u32>,
    instance_cycle_minutes: Option<u32>,
    max_principals: Option<u32>,
    max_instances: Option<u32>,
    max_history: Option<u32>,
}

/// Validated correlation settings, in microseconds where they are durations.
#[derive(Debug, Clone)]
pub struct CorrelationSettings {
    /// One principal's monitoring-evasion moves within this span form one sequence.
    pub window: i64,
    /// Distinct moves (different rules or targets) that make a sequence worth escalating.
    pub min_moves: usize,
    /// Distinct failed attempts by one principal within `window` that escalate.
    pub min_denied_attempts: usize,
    /// How far behind the watermark an event may arrive and still join open windows.
    pub tolerance: i64,
    /// Stop → change → start on one instance within this span is one boot-configuration tamper.
    pub instance_cycle: i64,
    pub max_principals: usize,
    pub max_instances: usize,
    /// (principal, rule) and (principal, network) pairs remembered for first-seen scoring.
    pub max_history: usize,
}

impl Default for CorrelationSettings {
    fn default() -> Self {
        CorrelationSettings {
            window: 30 * MINUTE,
            min_moves: 2,
            min_denied_attempts: 3,
            tolerance: 5 * 60 * SECOND,
            instance_cycle: 60 * MINUTE,
            max_principals: 10_000,
            max_instances: 10_000,
            max_history: 50_000,
        }
    }
}

/// Moves kept per sequence; further moves are counted, not listed.
pub const MAX_MOVES_LISTED: usize = 32;

impl CorrelationSettings {
    pub fn validate(doc: CorrelationDocument) -> Result<CorrelationSettings, ConfigError> {
        let defaults = CorrelationSettings::default();
        let range = |name: &str,
                     value: Option<u32>,
                     lo: u32,
                     hi: u32|
         -> Result<Option<u32>, ConfigError> {
            match value {
                Some(v) if !(lo..=hi).contains(&v) => Err(ConfigError::at(
                    format!("correlation.{name}"),
                    format!("{v} is outside {lo}..={hi}"),
                )),
                other => Ok(other),
            }
        };
        let minutes = |v: u32| i64::from(v) * MINUTE;
        Ok(CorrelationSettings {
            window: range("window_minutes", doc.window_minutes, 1, 7 * 24 * 60)?
                .map_or(defaults.window, minutes),
            min_moves: range("min_moves", doc.min_moves, 2, 100)?
                .map_or(defaults.min_moves, |v| v as usize),
            min_denied_attempts: range("min_denied_attempts", doc.min_denied_attempts, 2, 100)?
                .map_or(defaults.min_denied_attempts, |v| v as usize),
            tolerance: range(
                "out_of_order_tolerance_seconds",
                doc.out_of_order_tolerance_seconds,
                0,
                24 * 3600,
            )?
            .map_or(defaults.tolerance, |v| i64::from(v) * SECOND),
            instance_cycle: range(
                "instance_cycle_minutes",
                doc.instance_cycle_minutes,
                1,
                7 * 24 * 60,
            )?
            .map_or(defaults.instance_cycle, minutes),
            max_principals: range("max_principals", doc.max_principals, 1, 1_000_000)?
                .map_or(defaults.max_principals, |v| v as usize),
            max_instances: range("max_instances", doc.max_instances, 1, 1_000_000)?
                .map_or(defaults.max_instances, |v| v as usize),
            max_history: range("max_history", doc.max_history, 1, 10_000_000)?
                .map_or(defaults.max_history, |v| v as usize),
        })
    }
}
