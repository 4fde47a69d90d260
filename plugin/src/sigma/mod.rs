//! Sigma rules (specification v2) evaluated inside the plugin, next to the built-in detections.
//!
//! Rules arrive as YAML text in the configuration document (the plugin has no filesystem). `load`
//! compiles every document once: YAML → typed rule (`rule`), values and modifiers → matchers
//! (`modifiers`, `pattern`), condition → expression (`condition`), `logsource` → the plugin source it
//! reads (`logsource`), field names → event paths (`fields`), and files each rule in a prefilter
//! (`index`). `SigmaRuleSet::evaluate` then tests an event only against the rules of its source that the
//! prefilter keeps, reading just the fields those rules name from the already-scanned event.
//!
//! Why not the `sigma-rust` crate: its events and rules are built on std `HashMap` (WASI randomness in
//! the wasm builds) and the `regex` crate with `std`, every event is converted into its own map tree
//! before matching, and it has no prefilter; the YAML crate it uses (`serde_norway`) brings the same map
//! type. `saphyr-parser` is the YAML 1.2 parser here; `yaml` builds the tree on it.

mod condition;
mod error;
mod fields;
mod index;
mod logsource;
mod modifiers;
mod pattern;
mod rule;
mod yaml;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use error::{ErrorKind, SigmaError};
pub use fields::{FieldPath, map_field};
pub use logsource::LogSource;
pub use rule::CompiledRule;

use fields::{Resolved, Scalar};
use index::Index;
use modifiers::{Item, Matcher};
use rule::FieldTable;

use crate::model::SourceKind;
use crate::sources::json::Object;

/// One YAML text holding one or more (`---`-separated) rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigmaDocument {
    /// Where it came from: a file path, or `config.sigma.rules[3]`.
    pub origin: String,
    pub text: String,
}

/// What to do with a rule using a feature the plugin does not evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnUnsupported {
    /// Fail the whole load (the configuration is refused).
    #[default]
    Reject,
    /// Load the other rules and report the skipped ones.
    SkipAndReport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SigmaOptions {
    pub on_unsupported: OnUnsupported,
}

/// A rule left out under `OnUnsupported::SkipAndReport`, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub error: SigmaError,
}

/// Compiled rules and their prefilter.
#[derive(Debug, Default)]
pub struct SigmaRuleSet {
    rules: Vec<CompiledRule>,
    fields: FieldTable,
    index: Index,
}

/// One field (or keyword) that contributed to a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedField {
    pub selection: String,
    /// The detection key as written (`eventName|startswith`), or the selection name for keywords.
    pub field: String,
    /// The event's value that matched (`null`/absent for null and exists checks).
    pub value: String,
}

/// A rule that matched an event.
#[derive(Debug)]
pub struct SigmaMatch<'r> {
    pub rule: &'r CompiledRule,
    pub matched: Vec<MatchedField>,
}

/// Compile every rule of `documents`. Invalid YAML, invalid rules and duplicate ids are errors;
/// unsupported features are errors or skips per `options`.
pub fn load(
    documents: &[SigmaDocument],
    options: SigmaOptions,
) -> Result<(SigmaRuleSet, Vec<Skipped>), SigmaError> {
    let mut fields = FieldTable::default();
    let mut rules: Vec<CompiledRule> = Vec::new();
    let mut skipped = Vec::new();
    for document in documents {
        let docs = yaml::load_documents(&document.text).map_err(|e| SigmaError {
            kind: ErrorKind::Invalid,
            origin: document.origin.clone(),
            rule: "(not read)".into(),
            path: String::new(),
            line: Some(e.line),
            reason: format!("invalid YAML: {}", e),
        })?;
        let many = docs.len() > 1;
        for (n, doc) in docs.iter().enumerate() {
            let origin = if many {
                format!("{} document {}", document.origin, n + 1)
            } else {
                document.origin.clone()
            };
            match rule::compile(doc, &origin, &mut fields) {
                Ok(rule) => {
                    if let Some(other) = rules.iter().find(|r| r.id == rule.id) {
                        return Err(SigmaError {
                            kind: ErrorKind::DuplicateId,
                            origin,
                            rule: rule.id.clone(),
                            path: "id".into(),
                            line: doc.get("id").map(|n| n.line),
                            reason: format!(
                                "the id is already used by the rule from {}",
                                other.origin
                            ),
                        });
                    }
                    rules.push(rule);
                }
                Err(error)
                    if error.kind == ErrorKind::Unsupported
                        && options.on_unsupported == OnUnsupported::SkipAndReport =>
                {
                    skipped.push(Skipped { error })
                }
                Err(error) => return Err(error),
            }
        }
    }
    let index = Index::build(&rules, &fields);
    Ok((
        SigmaRuleSet {
            rules,
            fields,
            index,
        },
        skipped,
    ))
}

/// Values of one event, resolved on first use and kept for the other rules.
struct EventView<'e, 'a> {
    event: &'e Object<'a>,
    source: SourceKind,
    fields: &'e FieldTable,
    resolved: BTreeMap<usize, Resolved>,
    keywords: Option<Vec<Scalar>>,
}

impl EventView<'_, '_> {
    fn field(&mut self, id: usize) -> Option<&[Scalar]> {
        if !self.resolved.contains_key(&id) {
            let value = self
                .fields
                .paths
                .get(id)
                .and_then(|p| fields::resolve(self.event, p, self.source));
            self.resolved.insert(id, value);
        }
        self.resolved.get(&id).and_then(|v| v.as_deref())
    }

    fn keywords(&mut self) -> &[Scalar] {
        let event = self.event;
        self.keywords
            .get_or_insert_with(|| fields::all_values(event))
    }
}

impl SigmaRuleSet {
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules (by index into `rules()`) the prefilter keeps for this event, in load order.
    pub fn candidates(&self, source: SourceKind, event: &Object<'_>) -> Vec<usize> {
        let mut view = self.view(source, event);
        self.candidates_in(&mut view)
    }

    fn view<'e, 'a>(&'e self, source: SourceKind, event: &'e Object<'a>) -> EventView<'e, 'a> {
        EventView {
            event,
            source,
            fields: &self.fields,
            resolved: BTreeMap::new(),
            keywords: None,
        }
    }

    fn candidates_in(&self, view: &mut EventView<'_, '_>) -> Vec<usize> {
        let Some(index) = self.index.for_source(view.source) else {
            return Vec::new();
        };
        let mut out = index.always.clone();
        for (field, by_value) in &index.keyed {
            for value in view.field(*field).unwrap_or_default() {
                if let Scalar::Text { lower, .. } = value
                    && let Some(rules) = by_value.get(lower)
                {
                    out.extend_from_slice(rules);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether any rule could match `event` (of `source`): a rule the prefilter files under no exact
    /// value, or one filed under the event's own value of its field. `false` means `evaluate` would
    /// find nothing, so the engine's fast path may skip the event (`Engine::enrich`).
    pub fn could_match(&self, source: SourceKind, event: &Object<'_>) -> bool {
        let Some(index) = self.index.for_source(source) else {
            return false;
        };
        if !index.always.is_empty() {
            return true;
        }
        let mut view = self.view(source, event);
        index.keyed.iter().any(|(field, by_value)| {
            view.field(*field).unwrap_or_default().iter().any(
                |value| matches!(value, Scalar::Text { lower, .. } if by_value.contains_key(lower)),
            )
        })
    }

    /// Append the rules matching `event` (of `source`) to `out`, in load order.
    pub fn evaluate<'r>(
        &'r self,
        source: SourceKind,
        event: &Object<'_>,
        out: &mut Vec<SigmaMatch<'r>>,
    ) {
        if self.rules.is_empty() {
            return;
        }
        let mut view = self.view(source, event);
        for r in self.candidates_in(&mut view) {
            let Some(rule) = self.rules.get(r) else {
                continue;
            };
            let mut memo: Vec<Option<bool>> = vec![None; rule.selections.len()];
            let matched = rule.condition.eval(&mut |i| {
                if let Some(known) = memo.get(i).copied().flatten() {
                    return known;
                }
                let result = rule.selections.get(i).is_some_and(|s| {
                    s.alternatives
                        .iter()
                        .any(|items| items.iter().all(|item| item_matches(item, &mut view, None)))
                });
                if let Some(slot) = memo.get_mut(i) {
                    *slot = Some(result);
                }
                result
            });
            if matched {
                out.push(SigmaMatch {
                    rule,
                    matched: explain(rule, &memo, &mut view),
                });
            }
        }
    }
}

/// The fields of the selections that made the rule match (those evaluated true outside `not`).
fn explain(
    rule: &CompiledRule,
    memo: &[Option<bool>],
    view: &mut EventView<'_, '_>,
) -> Vec<MatchedField> {
    let mut positive = Vec::new();
    rule.condition.positive(false, &mut positive);
    let mut out = Vec::new();
    for i in positive {
        if memo.get(i).copied().flatten() != Some(true) {
            continue;
        }
        let Some(selection) = rule.selections.get(i) else {
            continue;
        };
        let Some(items) = selection
            .alternatives
            .iter()
            .find(|items| items.iter().all(|item| item_matches(item, view, None)))
        else {
            continue;
        };
        for item in items {
            let mut value = None;
            item_matches(item, view, Some(&mut value));
            out.push(MatchedField {
                selection: selection.name.clone(),
                field: if item.field.is_some() {
                    item.key.clone()
                } else {
                    selection.name.clone()
                },
                value: value.unwrap_or_default(),
            });
        }
    }
    out
}

/// Whether an item matches; with `witness`, the first event value that matched is recorded.
fn item_matches(
    item: &Item,
    view: &mut EventView<'_, '_>,
    mut witness: Option<&mut Option<String>>,
) -> bool {
    let mut results = item.matchers.iter().map(|matcher| {
        let other: Option<Vec<Scalar>> = match matcher {
            Matcher::FieldRef { field, .. } => view.field(*field).map(<[Scalar]>::to_vec),
            _ => None,
        };
        let (hit, value) = matcher_matches(item, matcher, view, other.as_deref());
        if hit
            && let Some(w) = witness.as_deref_mut()
            && w.is_none()
        {
            *w = Some(value);
        }
        hit
    });
    if item.all {
        results.all(|r| r)
    } else {
        results.any(|r| r)
    }
}

fn matcher_matches(
    item: &Item,
    matcher: &Matcher,
    view: &mut EventView<'_, '_>,
    other: Option<&[Scalar]>,
) -> (bool, String) {
    let values: Option<&[Scalar]> = match item.field {
        Some(field) => view.field(field),
        None => Some(view.keywords()),
    };
    match matcher {
        Matcher::Null => {
            let hit = values.is_none_or(|v| v.is_empty() || v.contains(&Scalar::Null));
            (hit, "null".into())
        }
        Matcher::Exists(expected) => {
            let present = values.is_some_and(|v| v.iter().any(|s| *s != Scalar::Null));
            (
                present == *expected,
                if present {
                    "exists".into()
                } else {
                    "absent".into()
                },
            )
        }
        _ => {
            let hit = values
                .unwrap_or_default()
                .iter()
                .find(|v| matcher.matches_value(v, other));
            match hit {
                Some(Scalar::Text { text, .. }) => (true, text.clone()),
                Some(_) => (true, String::new()),
                None => (false, String::new()),
            }
        }
    }
}
