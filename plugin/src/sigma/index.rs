//! Prefilter: which rules an event could match at all.
//!
//! At load, each rule's condition is searched for a field it requires to equal one of a few exact values
//! (`eventName: StopLogging`, `verb: [delete, deletecollection]`). The rule is then filed under those
//! values; an event is tested only against the rules filed under its own value of that field, plus the
//! rules without such a requirement. Preferred fields are the ones that identify an operation per source;
//! any other exact-valued field serves when a rule has none of them.

use std::collections::{BTreeMap, BTreeSet};

use super::condition::Expr;
use super::modifiers::Matcher;
use super::rule::{CompiledRule, FieldTable, Selection};
use crate::model::SourceKind;

const PREFERRED: [&str; 7] = [
    "eventName",
    "protoPayload.methodName",
    "operationName",
    "objectRef.resource",
    "verb",
    "eventSource",
    "protoPayload.serviceName",
];

/// A requirement: the field must equal (case-insensitively) one of these lower-cased values.
type Requirement = (usize, BTreeSet<String>);

#[derive(Debug, Default)]
pub struct SourceIndex {
    /// Rules tested on every event of the source.
    pub always: Vec<usize>,
    /// Per field: value → rules.
    pub keyed: Vec<(usize, BTreeMap<String, Vec<usize>>)>,
}

#[derive(Debug, Default)]
pub struct Index {
    by_source: Vec<(SourceKind, SourceIndex)>,
}

impl Index {
    pub fn build(rules: &[CompiledRule], fields: &FieldTable) -> Index {
        let mut index = Index::default();
        for (r, rule) in rules.iter().enumerate() {
            let slot = match index.by_source.iter().position(|(s, _)| *s == rule.source) {
                Some(i) => i,
                None => {
                    index.by_source.push((rule.source, SourceIndex::default()));
                    index.by_source.len() - 1
                }
            };
            let source_index = &mut index.by_source[slot].1;
            match choose(requirements(&rule.condition, &rule.selections), fields) {
                None => source_index.always.push(r),
                Some((field, values)) => {
                    let k = match source_index.keyed.iter().position(|(f, _)| *f == field) {
                        Some(k) => k,
                        None => {
                            source_index.keyed.push((field, BTreeMap::new()));
                            source_index.keyed.len() - 1
                        }
                    };
                    for value in values {
                        source_index.keyed[k].1.entry(value).or_default().push(r);
                    }
                }
            }
        }
        index
    }

    pub fn for_source(&self, source: SourceKind) -> Option<&SourceIndex> {
        self.by_source
            .iter()
            .find(|(s, _)| *s == source)
            .map(|(_, i)| i)
    }
}

fn choose(mut requirements: Vec<Requirement>, fields: &FieldTable) -> Option<Requirement> {
    let rank = |field: usize| {
        let path = fields
            .paths
            .get(field)
            .map(|p| p.segments.join("."))
            .unwrap_or_default();
        PREFERRED
            .iter()
            .position(|p| *p == path)
            .unwrap_or(PREFERRED.len())
    };
    requirements.sort_by_key(|(field, values)| (rank(*field), values.len()));
    requirements.into_iter().next()
}

/// Requirements every match of `expr` satisfies (a conjunction).
fn requirements(expr: &Expr, selections: &[Selection]) -> Vec<Requirement> {
    match expr {
        Expr::Selection(i) => selections
            .get(*i)
            .map(selection_requirements)
            .unwrap_or_default(),
        Expr::Not(_) => Vec::new(),
        Expr::And(terms) => terms
            .iter()
            .flat_map(|t| requirements(t, selections))
            .collect(),
        Expr::Or(terms) => disjunction(terms.iter().map(|t| requirements(t, selections)).collect()),
    }
}

fn selection_requirements(selection: &Selection) -> Vec<Requirement> {
    disjunction(
        selection
            .alternatives
            .iter()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| {
                        let field = item.field?;
                        let values: Option<BTreeSet<String>> = item
                            .matchers
                            .iter()
                            .map(|m| match m {
                                Matcher::Pattern(p) => p.exact().map(str::to_lowercase),
                                _ => None,
                            })
                            .collect();
                        values.filter(|v| !v.is_empty()).map(|v| (field, v))
                    })
                    .collect()
            })
            .collect(),
    )
}

/// Of alternatives, the fields every alternative requires, with the union of their values.
fn disjunction(alternatives: Vec<Vec<Requirement>>) -> Vec<Requirement> {
    let mut alternatives = alternatives.into_iter();
    let Some(first) = alternatives.next() else {
        return Vec::new();
    };
    let mut common: Vec<Requirement> = first;
    for alternative in alternatives {
        common = common
            .into_iter()
            .filter_map(|(field, mut values)| {
                let theirs: Vec<&BTreeSet<String>> = alternative
                    .iter()
                    .filter(|(f, _)| *f == field)
                    .map(|(_, v)| v)
                    .collect();
                // An alternative with several requirements on the field needs all; any one bounds it.
                let smallest = theirs.into_iter().min_by_key(|v| v.len())?;
                values.extend(smallest.iter().cloned());
                Some((field, values))
            })
            .collect();
    }
    common
}
