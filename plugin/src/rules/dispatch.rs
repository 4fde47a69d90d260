//! Which rules an event can concern, from the declarations' listeners: built once, then every event
//! costs one lookup by its action name. Rules run in catalogue order, so the findings of an event
//! always come out in the same order.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::container_evasion::agents::glob;
use super::{Rule, Trigger, catalogue};

/// Rules by the names they listen to. Exact names are looked up; patterns (few) are scanned.
#[derive(Default)]
pub struct Tables {
    /// CloudTrail `eventName` → rules (with the service each expects).
    cloudtrail: BTreeMap<&'static str, Vec<(&'static str, &'static Rule)>>,
    azure: BTreeMap<&'static str, Vec<&'static Rule>>,
    /// Azure operations listened to by suffix (`*/DIAGNOSTICSETTINGS/DELETE`), without the `*`.
    azure_suffixes: Vec<(&'static str, &'static Rule)>,
    gcp: BTreeMap<&'static str, Vec<&'static Rule>>,
    gcp_patterns: Vec<(&'static str, &'static Rule)>,
    /// Per entry of `gcp_patterns`: the literal text a matching method starts with and ends with
    /// (`glob` needs both), for `gcp_listens` to rule most methods out without a glob.
    gcp_pattern_ends: Vec<(&'static str, &'static str)>,
    k8s: Vec<&'static Rule>,
    docker_events: Vec<&'static Rule>,
    docker_containers: Vec<&'static Rule>,
}

/// The tables of the built-in catalogue.
pub fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables::build(catalogue()))
}

impl Tables {
    pub fn build(rules: impl Iterator<Item = &'static Rule>) -> Tables {
        let mut t = Tables::default();
        for rule in rules {
            match &rule.trigger {
                Trigger::CloudTrail { calls, .. } => {
                    for (service, name) in *calls {
                        t.cloudtrail.entry(name).or_default().push((service, rule));
                    }
                }
                Trigger::Azure { operations, .. } => {
                    for op in *operations {
                        match op.strip_prefix('*') {
                            Some(suffix) => t.azure_suffixes.push((suffix, rule)),
                            None => t.azure.entry(op).or_default().push(rule),
                        }
                    }
                }
                Trigger::Gcp { methods, .. } => {
                    for method in *methods {
                        if method.contains('*') {
                            t.gcp_patterns.push((method, rule));
                            t.gcp_pattern_ends.push(literal_ends(method));
                        } else {
                            t.gcp.entry(method).or_default().push(rule);
                        }
                    }
                }
                Trigger::K8s { .. } => t.k8s.push(rule),
                Trigger::DockerEvent { .. } => t.docker_events.push(rule),
                Trigger::DockerContainer { .. } => t.docker_containers.push(rule),
                Trigger::Docker { .. } => {
                    t.docker_events.push(rule);
                    t.docker_containers.push(rule);
                }
                Trigger::Correlation { .. } => {}
            }
        }
        t
    }

    /// Whether any rule listens to this CloudTrail call (the fast path's question).
    pub fn cloudtrail_listens(&self, event_name: &str) -> bool {
        self.cloudtrail.contains_key(event_name)
    }

    /// Whether any rule listens to this Azure operation (upper case), exactly or by suffix.
    pub fn azure_listens(&self, operation: &str) -> bool {
        self.azure.contains_key(operation)
            || self
                .azure_suffixes
                .iter()
                .any(|(suffix, _)| operation.ends_with(suffix))
    }

    /// Whether any rule listens to this GCP method, exactly or by pattern: `gcp(method)` is not
    /// empty. Asked of every GCP entry, so a pattern's literal head and tail are compared before
    /// the glob runs (most methods differ there).
    pub fn gcp_listens(&self, method: &str) -> bool {
        self.gcp.contains_key(method)
            || self.gcp_patterns.iter().zip(&self.gcp_pattern_ends).any(
                |((pattern, _), (head, tail))| {
                    starts_with_ignoring_case(method, head)
                        && ends_with_ignoring_case(method, tail)
                        && glob(pattern, method)
                },
            )
    }

    pub fn cloudtrail<'t>(
        &'t self,
        service: &'t str,
        event_name: &str,
    ) -> impl Iterator<Item = &'static Rule> + 't {
        self.cloudtrail
            .get(event_name)
            .into_iter()
            .flatten()
            .filter(move |(s, _)| *s == service)
            .map(|(_, rule)| *rule)
    }

    /// Rules for an Azure operation (upper case), in catalogue order.
    pub fn azure(&self, operation: &str) -> Cow<'_, [&'static Rule]> {
        with_patterns(
            self.azure.get(operation),
            self.azure_suffixes
                .iter()
                .filter(|(suffix, _)| operation.ends_with(suffix)),
        )
    }

    /// Rules for a GCP method, in catalogue order.
    pub fn gcp(&self, method: &str) -> Cow<'_, [&'static Rule]> {
        with_patterns(
            self.gcp.get(method),
            self.gcp_patterns
                .iter()
                .filter(|(pattern, _)| glob(pattern, method)),
        )
    }

    pub fn k8s<'a>(
        &'a self,
        resource: &'a str,
        verb: &'a str,
    ) -> impl Iterator<Item = &'static Rule> + 'a {
        self.k8s
            .iter()
            .copied()
            .filter(move |rule| match &rule.trigger {
                Trigger::K8s {
                    resources, verbs, ..
                } => verbs.contains(&verb) && resources.iter().any(|r| *r == "*" || *r == resource),
                _ => false,
            })
    }

    pub fn docker_events<'a>(
        &'a self,
        kind: &'a str,
        action: &'a str,
    ) -> impl Iterator<Item = &'static Rule> + 'a {
        self.docker_events
            .iter()
            .copied()
            .filter(move |rule| match &rule.trigger {
                Trigger::DockerEvent { actions, .. } | Trigger::Docker { actions, .. } => {
                    actions.iter().any(|(k, a)| *k == kind && *a == action)
                }
                _ => false,
            })
    }

    pub fn docker_containers(&self) -> &[&'static Rule] {
        &self.docker_containers
    }
}

/// What `glob` (ASCII case-insensitive `*` and `?`) needs of a value: the pattern's text before its
/// first wildcard starts it, and the text after its last `*` ends it (nothing when that text holds a
/// `?` or there is no `*`).
fn literal_ends(pattern: &'static str) -> (&'static str, &'static str) {
    let head = pattern
        .find(['*', '?'])
        .and_then(|at| pattern.get(..at))
        .unwrap_or(pattern);
    let tail = pattern
        .rfind('*')
        .and_then(|at| pattern.get(at + 1..))
        .filter(|tail| !tail.contains('?'))
        .unwrap_or("");
    (head, tail)
}

fn starts_with_ignoring_case(value: &str, head: &str) -> bool {
    value
        .as_bytes()
        .get(..head.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(head.as_bytes()))
}

fn ends_with_ignoring_case(value: &str, tail: &str) -> bool {
    value
        .len()
        .checked_sub(tail.len())
        .and_then(|at| value.as_bytes().get(at..))
        .is_some_and(|end| end.eq_ignore_ascii_case(tail.as_bytes()))
}

/// The rules listed for an exact name, plus those whose pattern matched. Most events match no pattern,
/// and then the exact list is returned as it is, without allocating.
fn with_patterns<'t>(
    exact: Option<&'t Vec<&'static Rule>>,
    matched: impl Iterator<Item = &'t (&'static str, &'static Rule)>,
) -> Cow<'t, [&'static Rule]> {
    let exact = exact.map_or(&[][..], Vec::as_slice);
    let mut matched = matched.peekable();
    if matched.peek().is_none() {
        return Cow::Borrowed(exact);
    }
    let mut found = exact.to_vec();
    for (_, rule) in matched {
        if !found.iter().any(|r| std::ptr::eq(*r, *rule)) {
            found.push(rule);
        }
    }
    sort_by_catalogue(&mut found);
    Cow::Owned(found)
}

/// Catalogue position of a rule (rules found by several listeners come out in one order).
fn sort_by_catalogue(rules: &mut [&'static Rule]) {
    if rules.len() > 1 {
        rules.sort_by_key(|rule| catalogue().position(|r| std::ptr::eq(r, *rule)));
    }
}
