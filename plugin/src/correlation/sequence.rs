//! Family 5, one principal and one window: several monitoring-evasion moves (each alerts on its own;
//! the sequence is the finding a human must see first), or several denied attempts (none alerts on its
//! own; together they are someone probing). Emitted once per window, when event time closes it,
//! listing every move.

use std::collections::BTreeSet;

use super::bounded::BoundedMap;
use super::clock::EventClock;
use super::synthetic;
use crate::config::Config;
use crate::config::correlation::{CorrelationSettings, MAX_MOVES_LISTED};
use crate::model::{EnrichedEvent, Finding, Normalized, Outcome, Severity, SourceKind};
use crate::rules::sequences::{DENIED_ATTEMPTS, EVASION_SEQUENCE};
use crate::rules::{Detection, Rule};
use crate::sigma_findings;

/// Which findings a sequence collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Successful changes of at least medium severity.
    Evasion,
    /// Failed attempts (low findings of failed calls).
    Denied,
}

impl Pattern {
    fn rule(self) -> &'static Rule {
        match self {
            Pattern::Evasion => &EVASION_SEQUENCE,
            Pattern::Denied => &DENIED_ATTEMPTS,
        }
    }

    fn collects(self, event: &EnrichedEvent, finding: &Finding) -> bool {
        if finding.suppression.is_some() || finding.rule_id.starts_with("sequence.") {
            return false;
        }
        match self {
            Pattern::Evasion => {
                event.fields.outcome != Outcome::Failure && finding.severity >= Severity::Medium
            }
            Pattern::Denied => event.fields.outcome == Outcome::Failure,
        }
    }

    fn minimum(self, settings: &CorrelationSettings) -> usize {
        match self {
            Pattern::Evasion => settings.min_moves,
            Pattern::Denied => settings.min_denied_attempts,
        }
    }

    /// The synthetic event's id and action names.
    fn name(self) -> &'static str {
        match self {
            Pattern::Evasion => "monitoring_evasion",
            Pattern::Denied => "denied_evasion_attempts",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Pattern::Evasion => "distinct monitoring-evasion changes",
            Pattern::Denied => "denied monitoring-evasion attempts",
        }
    }
}

/// One monitoring-evasion finding, as the sequence remembers it.
#[derive(Debug, Clone)]
struct Move {
    time: i64,
    rule_id: String,
    target: Option<String>,
    source: SourceKind,
    event_id: Option<String>,
    account: Option<String>,
    source_ip: Option<String>,
    severity: Severity,
}

#[derive(Debug)]
struct Episode {
    start: i64,
    moves: Vec<Move>,
    /// Moves beyond `MAX_MOVES_LISTED`, counted only.
    unlisted: u64,
    /// Distinct (rule, target) pairs, so one change repeated by a retrying client counts once.
    distinct: BTreeSet<(String, Option<String>)>,
}

#[derive(Debug)]
pub struct Sequences {
    pattern: Pattern,
    open: BoundedMap<String, Episode>,
    /// Closing deadlines → principal, so closing costs nothing until a deadline passes.
    deadlines: BTreeSet<(i64, String)>,
}

impl Sequences {
    pub fn new(pattern: Pattern, settings: &CorrelationSettings) -> Sequences {
        Sequences {
            pattern,
            open: BoundedMap::new(settings.max_principals),
            deadlines: BTreeSet::new(),
        }
    }

    pub fn tracked(&self) -> usize {
        self.open.len()
    }

    pub fn evicted(&self) -> u64 {
        self.open.evicted()
    }

    /// Remember the event's unsuppressed monitoring-evasion findings.
    pub fn observe(
        &mut self,
        event: &EnrichedEvent,
        config: &Config,
        out: &mut Vec<EnrichedEvent>,
    ) {
        let settings = &config.correlation;
        let fields = &event.fields;
        let (Some(principal), Some(time)) = (fields.principal.as_deref(), fields.event_time) else {
            return;
        };
        let collected: Vec<&Finding> = event
            .findings
            .iter()
            .filter(|f| self.pattern.collects(event, f))
            .collect();
        // A Sigma rule written for a behaviour a built-in rule already detects must not count the one
        // change twice: Sigma findings are moves only on events no built-in rule judged.
        let built_in = collected
            .iter()
            .any(|f| !f.rule_id.starts_with(sigma_findings::PREFIX));
        let moves: Vec<Move> = collected
            .into_iter()
            .filter(|f| !built_in || !f.rule_id.starts_with(sigma_findings::PREFIX))
            .map(|f| Move {
                time,
                rule_id: f.rule_id.clone(),
                target: fields.target.clone(),
                source: event.source,
                event_id: fields.event_id.clone(),
                account: fields.account.clone(),
                source_ip: fields.source_ip.clone(),
                severity: f.severity,
            })
            .collect();
        if moves.is_empty() {
            return;
        }
        let key = principal.to_owned();
        // A move after the principal's open window ends starts a new window; the old one is complete.
        if self
            .open
            .get(&key)
            .is_some_and(|episode| time > episode.start + settings.window)
            && let Some(episode) = self.open.remove(&key)
        {
            self.deadlines
                .remove(&(episode.start + settings.window, key.clone()));
            emit(self.pattern, &key, episode, false, config, out);
        }
        let mut created = false;
        let episode = self.open.touch_or_insert_with(key.clone(), || {
            created = true;
            Episode {
                start: time,
                moves: Vec::new(),
                unlisted: 0,
                distinct: BTreeSet::new(),
            }
        });
        // An out-of-order move (within tolerance) may predate the window's first move.
        let old_start = episode.start;
        episode.start = episode.start.min(time);
        for m in moves {
            // Repeats of one change (a retrying client, a duplicated delivery) are listed once.
            if !episode
                .distinct
                .insert((m.rule_id.clone(), m.target.clone()))
            {
                continue;
            }
            if episode.moves.len() < MAX_MOVES_LISTED {
                episode.moves.push(m);
            } else {
                episode.unlisted += 1;
            }
        }
        let new_start = episode.start;
        if !created {
            self.deadlines
                .remove(&(old_start + settings.window, key.clone()));
        }
        self.deadlines.insert((new_start + settings.window, key));
        // At the cap the least recently active principal's window is closed early rather than lost.
        if let Some((evicted_key, episode)) = self.open.take_evicted() {
            self.deadlines
                .remove(&(episode.start + settings.window, evicted_key.clone()));
            emit(self.pattern, &evicted_key, episode, true, config, out);
        }
    }

    /// Close every window the watermark has passed.
    pub fn expire(&mut self, clock: &EventClock, config: &Config, out: &mut Vec<EnrichedEvent>) {
        while let Some((deadline, _)) = self.deadlines.first() {
            if !clock.has_passed(*deadline) {
                break;
            }
            let Some((_, key)) = self.deadlines.pop_first() else {
                break;
            };
            if let Some(episode) = self.open.remove(&key) {
                emit(self.pattern, &key, episode, false, config, out);
            }
        }
    }

    /// End of stream: close every window.
    pub fn close_all(&mut self, config: &Config, out: &mut Vec<EnrichedEvent>) {
        while let Some((_, key)) = self.deadlines.pop_first() {
            if let Some(episode) = self.open.remove(&key) {
                emit(self.pattern, &key, episode, false, config, out);
            }
        }
    }
}

/// The escalated finding, when the window holds enough distinct moves.
fn emit(
    pattern: Pattern,
    principal: &str,
    episode: Episode,
    early: bool,
    config: &Config,
    out: &mut Vec<EnrichedEvent>,
) {
    let settings = &config.correlation;
    if episode.distinct.len() < pattern.minimum(settings) {
        return;
    }
    let mut moves = episode.moves;
    moves.sort_by(|a, b| (a.time, &a.rule_id).cmp(&(b.time, &b.rule_id)));
    let (Some(first), Some(last)) = (moves.first(), moves.last()) else {
        return;
    };
    let sources: BTreeSet<&str> = moves.iter().map(|m| m.source.as_str()).collect();
    let accounts: BTreeSet<&str> = moves.iter().filter_map(|m| m.account.as_deref()).collect();
    let rules: BTreeSet<&str> = moves.iter().map(|m| m.rule_id.as_str()).collect();
    let minutes = (last.time - first.time) / 60_000_000;
    let fields = Normalized {
        event_time: Some(last.time),
        event_id: Some(format!(
            "blindspot:{}:{}:{}",
            match pattern {
                Pattern::Evasion => "sequence",
                Pattern::Denied => "denied",
            },
            synthetic::time_id(episode.start),
            principal
        )),
        provider: Some("blindspot".to_owned()),
        account: (accounts.len() == 1).then(|| accounts.iter().map(|a| (*a).to_owned()).collect()),
        principal: Some(principal.to_owned()),
        source_ip: last.source_ip.clone(),
        action: Some(format!("blindspot.sequence.{}", pattern.name())),
        target: Some(format!(
            "{} moves ({}) across {}",
            episode.distinct.len(),
            rules.iter().copied().collect::<Vec<_>>().join(", "),
            sources.iter().copied().collect::<Vec<_>>().join(", ")
        )),
        outcome: crate::model::Outcome::Success,
        ..Normalized::default()
    };
    let mut detection = Detection::new(pattern.rule()).reason(format!(
        "{principal} made {} {} within {minutes} minute(s) (window {} minutes) across {}",
        episode.distinct.len(),
        pattern.what(),
        settings.window / 60_000_000,
        sources.iter().copied().collect::<Vec<_>>().join(", ")
    ));
    for m in &moves {
        detection = detection.reason(format!(
            "{} {} {}{} ({}, event {})",
            synthetic::rfc3339(m.time),
            m.source.as_str(),
            m.rule_id,
            m.target
                .as_deref()
                .map(|t| format!(" on {t}"))
                .unwrap_or_default(),
            m.severity.as_str(),
            m.event_id.as_deref().unwrap_or("without id")
        ));
    }
    if episode.unlisted > 0 {
        detection = detection.reason(format!(
            "{} further move(s) in the window are not listed",
            episode.unlisted
        ));
    }
    if early {
        detection = detection.reason(
            "emitted before its window closed: the correlation state reached its principal cap \
             (correlation.max_principals) and this was the least recently active sequence",
        );
    }
    if accounts.len() > 1 {
        detection = detection.reason(format!(
            "spans {} accounts/projects/clusters: {}",
            accounts.len(),
            accounts.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    let related: Vec<String> = moves.iter().filter_map(|m| m.event_id.clone()).collect();
    let detection = detection.scope(format!(
        "every resource the listed events changed, from {} onwards; each listed finding has its own \
         restore step",
        synthetic::rfc3339(first.time)
    ));
    if let Some(event) =
        synthetic::event(sequence_source(&moves), fields, detection, related, config)
    {
        out.push(event);
    }
}

/// The source of the sequence's first move names the row; the target lists them all.
fn sequence_source(moves: &[Move]) -> SourceKind {
    moves.first().map_or(SourceKind::Unknown, |m| m.source)
}
