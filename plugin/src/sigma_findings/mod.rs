//! Loaded Sigma rules as the engine runs them: compiled once in `Engine::configure`, evaluated on each
//! event after the built-in rules, and turned into findings through the same enrichment (context,
//! switches, suppressions, response steps) as built-in detections.

use crate::config::Config;
use crate::config::ConfigError;
use crate::config::sigma::SigmaSettings;
use crate::enrich::{self, Context, Observed, RuleMeta, TechniqueView};
use crate::model::{Finding, RuleInfo, SourceKind, TechniqueRef};
use crate::rules::attack;
use crate::sigma::{self, CompiledRule, SigmaMatch, SigmaRuleSet, Skipped};
use crate::sources::json::Object;

/// Rule ids of Sigma rules carry this prefix, so they never collide with built-in ids.
pub const PREFIX: &str = "sigma:";

/// A compiled Sigma rule set with each rule's finding metadata, and the rules left out.
#[derive(Debug, Default)]
pub struct LoadedSigma {
    set: SigmaRuleSet,
    meta: Vec<Meta>,
    skipped: Vec<Skipped>,
}

/// What findings and `blindspot rules` say about one rule, derived once at load.
#[derive(Debug)]
struct Meta {
    id: String,
    technique: TechniqueRef,
    newer: Option<TechniqueRef>,
    notes: Vec<String>,
}

impl LoadedSigma {
    /// Compile the configured rules; `None` when there are none (evaluation then costs nothing).
    pub fn load(settings: &SigmaSettings) -> Result<Option<LoadedSigma>, ConfigError> {
        if settings.documents.is_empty() {
            return Ok(None);
        }
        let options = sigma::SigmaOptions {
            on_unsupported: settings.on_unsupported,
        };
        let (set, skipped) = sigma::load(&settings.documents, options).map_err(|e| {
            // The error's origin is the document's, possibly followed by ` document N`.
            let index = settings.documents.iter().position(|d| {
                e.origin == d.origin || e.origin.starts_with(&format!("{} ", d.origin))
            });
            let path =
                index.map_or_else(|| "sigma.rules".to_owned(), |i| format!("sigma.rules[{i}]"));
            ConfigError {
                path,
                message: e.to_string(),
            }
        })?;
        let meta = set.rules().iter().map(Meta::of).collect();
        Ok(Some(LoadedSigma { set, meta, skipped }))
    }

    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Finding rule ids (`sigma:<id>`), in load order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.meta.iter().map(|m| m.id.as_str())
    }

    pub fn info(&self, config: &Config) -> Vec<RuleInfo> {
        self.set
            .rules()
            .iter()
            .zip(&self.meta)
            .map(|(rule, meta)| RuleInfo {
                id: meta.id.clone(),
                title: rule.title.clone(),
                description: rule.description.clone().unwrap_or_default(),
                technique_id: meta.technique.id.clone(),
                technique_name: meta.technique.name.clone(),
                tactic: meta.technique.tactic.clone(),
                technique_newer: meta.newer.clone(),
                default_severity: rule.severity(),
                sources: vec![rule.source],
                enabled: config.enabled(&meta.id),
                origin: rule.origin.clone(),
            })
            .collect()
    }

    /// Whether any loaded rule could match `event` (see `SigmaRuleSet::could_match`).
    pub fn could_match(&self, source: SourceKind, event: &Object<'_>) -> bool {
        self.set.could_match(source, event)
    }

    /// Findings of the rules matching `event`, appended to `out`.
    pub fn findings(
        &self,
        source: SourceKind,
        event: &Object<'_>,
        context: &Context<'_>,
        config: &Config,
        out: &mut Vec<Finding>,
    ) {
        let mut matches = Vec::new();
        self.set.evaluate(source, event, &mut matches);
        for m in matches {
            let Some(meta) = self
                .set
                .rules()
                .iter()
                .position(|r| std::ptr::eq(r, m.rule))
                .and_then(|i| self.meta.get(i))
            else {
                continue;
            };
            out.extend(finding(m, meta, context, config));
        }
    }
}

fn finding(
    m: SigmaMatch<'_>,
    meta: &Meta,
    context: &Context<'_>,
    config: &Config,
) -> Option<Finding> {
    let rule = m.rule;
    let mut reasons = vec![format!(
        "the Sigma rule {:?} ({}) matched",
        rule.title, rule.origin
    )];
    for field in &m.matched {
        if field.value.is_empty() {
            reasons.push(format!("selection {}: {}", field.selection, field.field));
        } else {
            reasons.push(format!(
                "selection {}: {} matched {:?}",
                field.selection, field.field, field.value
            ));
        }
    }
    let rule_meta = RuleMeta {
        id: &meta.id,
        title: &rule.title,
        technique: view(&meta.technique),
        newer: meta.newer.as_ref().map(view),
    };
    let observed = Observed {
        severity: rule.severity(),
        confidence: rule.confidence(),
        reasons,
        scope: String::new(),
        restore: Vec::new(),
        notes: meta.notes.clone(),
    };
    enrich::finding_for(rule_meta, observed, context, config)
}

impl Meta {
    fn of(rule: &CompiledRule) -> Meta {
        let (technique, newer) = techniques(rule);
        let mut notes = Vec::new();
        if let Some(description) = rule.description.as_deref().map(str::trim)
            && !description.is_empty()
        {
            notes.push(format!("About this rule: {description}"));
        }
        if !rule.falsepositives.is_empty() {
            notes.push(format!(
                "Known false positives (from the rule): {}",
                rule.falsepositives.join("; ")
            ));
        }
        Meta {
            id: format!("{PREFIX}{}", rule.id),
            technique,
            newer,
            notes,
        }
    }
}

fn view(t: &TechniqueRef) -> TechniqueView<'_> {
    TechniqueView {
        id: &t.id,
        name: &t.name,
        tactic: &t.tactic,
    }
}

/// The rule's technique (the first ATT&CK v18 id it tags, else its first id) and the newer
/// release's id: tagged, or known for the same behaviour from the built-in mapping.
fn techniques(rule: &CompiledRule) -> (TechniqueRef, Option<TechniqueRef>) {
    let ids = rule.techniques();
    let tactic = rule
        .tactics()
        .first()
        .map(|t| tactic_name(t))
        .unwrap_or_default();
    let describe = |id: &str, newer: bool| -> TechniqueRef {
        match attack::lookup(id) {
            Some((pair, false)) => pair.v18.to_ref(),
            Some((pair, true)) => pair
                .newer
                .map_or_else(|| unknown(id, &tactic, newer), |t| t.to_ref()),
            None => unknown(id, &tactic, newer),
        }
    };
    let newer = ids
        .iter()
        .find(|id| is_newer(id))
        .map(|id| describe(id, true));
    let technique = match ids.iter().find(|id| !is_newer(id)) {
        Some(id) => describe(id, false),
        // Tagged only with a newer id: its ATT&CK v18 counterpart when the mapping knows it.
        None => match ids.first() {
            Some(id) => {
                attack::lookup(id).map_or_else(|| describe(id, true), |(p, _)| p.v18.to_ref())
            }
            None => TechniqueRef {
                id: String::new(),
                name: String::new(),
                tactic,
            },
        },
    };
    let newer = newer.or_else(|| {
        attack::lookup(&technique.id)
            .and_then(|(pair, is_new)| (!is_new).then_some(pair.newer).flatten())
            .map(|t| t.to_ref())
    });
    (technique, newer)
}

fn is_newer(id: &str) -> bool {
    attack::lookup(id).is_some_and(|(_, newer)| newer) || attack::is_defense_impairment(id)
}

fn unknown(id: &str, tactic: &str, newer: bool) -> TechniqueRef {
    TechniqueRef {
        id: id.to_owned(),
        name: id.to_owned(),
        tactic: if newer {
            attack::DEFENSE_IMPAIRMENT.to_owned()
        } else {
            tactic.to_owned()
        },
    }
}

/// `defense-evasion` → the tactic name findings use (`Defense Evasion (TA0005)`).
fn tactic_name(tag: &str) -> String {
    match tag {
        "defense-evasion" => attack::DEFENSE_EVASION.to_owned(),
        "defense-impairment" => attack::DEFENSE_IMPAIRMENT.to_owned(),
        "privilege-escalation" => attack::PRIVILEGE_ESCALATION.to_owned(),
        "execution" => attack::EXECUTION.to_owned(),
        "exfiltration" => attack::EXFILTRATION.to_owned(),
        "impact" => attack::IMPACT.to_owned(),
        other => other
            .split(['-', '_'])
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests;
