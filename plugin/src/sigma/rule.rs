//! One YAML document → one compiled rule: metadata, log source, selections and condition.

use super::condition::{self, Expr};
use super::error::{ErrorKind, SigmaError};
use super::fields::{self, FieldPath};
use super::logsource::LogSource;
use super::modifiers::{self, Item};
use super::yaml::{Node, Value};
use crate::model::{Severity, SourceKind};

/// A selection: an OR of alternatives, each an AND of items (a mapping is one alternative; a list of
/// mappings is several; a keyword list is one alternative with one keyword item).
#[derive(Debug)]
pub struct Selection {
    pub name: String,
    pub alternatives: Vec<Vec<Item>>,
}

/// A rule ready to evaluate, with the metadata findings need.
#[derive(Debug)]
pub struct CompiledRule {
    /// `id` when the rule has one (SigmaHQ requires it), else the title.
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// `level` as written (`informational`, `low`, `medium`, `high`, `critical`).
    pub level: Option<String>,
    pub status: Option<String>,
    pub tags: Vec<String>,
    pub falsepositives: Vec<String>,
    pub references: Vec<String>,
    pub author: Option<String>,
    pub logsource: LogSource,
    pub source: SourceKind,
    /// Where the rule came from (`config.sigma.rules[3]`, a file path) and which document of it.
    pub origin: String,
    pub(crate) selections: Vec<Selection>,
    pub(crate) condition: Expr,
}

impl CompiledRule {
    /// Severity from `level`; `medium` when absent or unknown.
    pub fn severity(&self) -> Severity {
        match self
            .level
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("informational") => Severity::Info,
            Some("low") => Severity::Low,
            Some("high") => Severity::High,
            Some("critical") => Severity::Critical,
            _ => Severity::Medium,
        }
    }

    /// Confidence (0–100) from `status`: how far the rule's authors have vetted it. `stable` 90,
    /// `test` 70, `experimental` (and absent) 50, `deprecated`/`unsupported` 30.
    pub fn confidence(&self) -> u8 {
        match self
            .status
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("stable") => 90,
            Some("test") => 70,
            Some("deprecated" | "unsupported") => 30,
            _ => 50,
        }
    }

    /// MITRE ATT&CK technique ids from `attack.t1234` / `attack.t1234.001` tags, upper-cased.
    pub fn techniques(&self) -> Vec<String> {
        self.tags
            .iter()
            .filter_map(|t| {
                let id = t.to_ascii_lowercase().strip_prefix("attack.t")?.to_string();
                let (main, sub) = id.split_once('.').unwrap_or((&id, ""));
                let valid = main.len() == 4
                    && main.bytes().all(|b| b.is_ascii_digit())
                    && (sub.is_empty()
                        || (sub.len() == 3 && sub.bytes().all(|b| b.is_ascii_digit())));
                valid.then(|| format!("T{}", id.to_ascii_uppercase()))
            })
            .collect()
    }

    /// ATT&CK tactics from `attack.<tactic>` tags (`attack.defense-evasion` → `defense-evasion`).
    pub fn tactics(&self) -> Vec<String> {
        self.tags
            .iter()
            .filter_map(|t| {
                let rest = t.to_ascii_lowercase().strip_prefix("attack.")?.to_string();
                let technique_like = rest.starts_with(['t', 'g', 's'])
                    && rest[1..].starts_with(|c: char| c.is_ascii_digit());
                (!technique_like).then_some(rest)
            })
            .collect()
    }
}

/// The field table shared by the rules of a set: each distinct event path once.
#[derive(Debug, Default)]
pub struct FieldTable {
    pub paths: Vec<FieldPath>,
}

impl FieldTable {
    pub fn intern(&mut self, path: FieldPath) -> usize {
        match self.paths.iter().position(|p| p.segments == path.segments) {
            Some(i) => i,
            None => {
                self.paths.push(path);
                self.paths.len() - 1
            }
        }
    }
}

struct Ctx<'a> {
    origin: &'a str,
    rule: String,
}

impl Ctx<'_> {
    fn err(
        &self,
        kind: ErrorKind,
        path: &str,
        node: Option<&Node>,
        reason: impl Into<String>,
    ) -> SigmaError {
        SigmaError {
            kind,
            origin: self.origin.to_string(),
            rule: self.rule.clone(),
            path: path.to_string(),
            line: node.map(|n| n.line),
            reason: reason.into(),
        }
    }
}

fn string(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::scalar_text)
}

fn strings(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(Node::scalar_text).collect(),
        Some(_) => string(node).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Compile one document. `fields` collects the event paths the rule reads.
pub fn compile(
    doc: &Node,
    origin: &str,
    fields: &mut FieldTable,
) -> Result<CompiledRule, SigmaError> {
    let title = string(doc.get("title"));
    let id = string(doc.get("id"));
    let ctx = Ctx {
        origin,
        rule: match (&id, &title) {
            (Some(id), Some(title)) => format!("{id} ({title})"),
            (Some(id), None) => id.clone(),
            (None, Some(title)) => title.clone(),
            (None, None) => "(untitled)".into(),
        },
    };
    if !matches!(doc.value, Value::Map(_)) {
        return Err(ctx.err(
            ErrorKind::Invalid,
            "",
            Some(doc),
            format!("a rule is a mapping, found a {}", doc.kind()),
        ));
    }
    if doc.get("correlation").is_some() {
        return Err(ctx.err(
            ErrorKind::Unsupported,
            "correlation",
            doc.get("correlation"),
            "correlation rules are not supported inside the plugin",
        ));
    }
    if let Some(action) = doc.get("action") {
        return Err(ctx.err(
            ErrorKind::Unsupported,
            "action",
            Some(action),
            "rule collections (`action: global/reset/repeat`) are not supported; write each rule in full",
        ));
    }
    let Some(title) = title else {
        return Err(ctx.err(ErrorKind::Invalid, "title", Some(doc), "missing `title`"));
    };
    let logsource_node = doc.get("logsource").ok_or_else(|| {
        ctx.err(
            ErrorKind::Invalid,
            "logsource",
            Some(doc),
            "missing `logsource`",
        )
    })?;
    let logsource = LogSource {
        product: string(logsource_node.get("product")),
        service: string(logsource_node.get("service")),
        category: string(logsource_node.get("category")),
    };
    let source = logsource.source().map_err(|reason| {
        ctx.err(
            ErrorKind::Unsupported,
            "logsource",
            Some(logsource_node),
            reason,
        )
    })?;
    let detection = doc.get("detection").ok_or_else(|| {
        ctx.err(
            ErrorKind::Invalid,
            "detection",
            Some(doc),
            "missing `detection`",
        )
    })?;
    let Value::Map(pairs) = &detection.value else {
        return Err(ctx.err(
            ErrorKind::Invalid,
            "detection",
            Some(detection),
            "`detection` must be a mapping",
        ));
    };
    let mut selections = Vec::new();
    let mut condition_node = None;
    for (name, node) in pairs {
        match name.as_str() {
            "condition" => condition_node = Some(node),
            "timeframe" => {
                return Err(ctx.err(
                    ErrorKind::Unsupported,
                    "detection.timeframe",
                    Some(node),
                    "`timeframe` belongs to aggregations and correlations, which the plugin does not evaluate",
                ));
            }
            _ => selections.push(compile_selection(&ctx, source, name, node, fields)?),
        }
    }
    let condition_node = condition_node.ok_or_else(|| {
        ctx.err(
            ErrorKind::Invalid,
            "detection.condition",
            Some(detection),
            "missing `condition`",
        )
    })?;
    let names: Vec<String> = selections.iter().map(|s| s.name.clone()).collect();
    let texts: Vec<(String, &Node)> = match &condition_node.value {
        Value::Str(s) => vec![(s.clone(), condition_node)],
        Value::Seq(items) if !items.is_empty() => items
            .iter()
            .map(|n| match &n.value {
                Value::Str(s) => Ok((s.clone(), n)),
                _ => Err(ctx.err(
                    ErrorKind::Invalid,
                    "detection.condition",
                    Some(n),
                    "each condition must be a string",
                )),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(ctx.err(
                ErrorKind::Invalid,
                "detection.condition",
                Some(condition_node),
                "`condition` must be a string or a list of strings",
            ));
        }
    };
    let mut conditions = Vec::new();
    for (text, node) in texts {
        let expr = condition::parse(&text, &names).map_err(|reason| {
            let kind = if reason.contains("not supported") {
                ErrorKind::Unsupported
            } else {
                ErrorKind::Invalid
            };
            ctx.err(
                kind,
                "detection.condition",
                Some(node),
                format!("`{text}`: {reason}"),
            )
        })?;
        conditions.push(expr);
    }
    let condition = if conditions.len() == 1 {
        conditions.remove(0)
    } else {
        Expr::Or(conditions)
    };
    Ok(CompiledRule {
        id: id.unwrap_or_else(|| title.clone()),
        title,
        description: string(doc.get("description")),
        level: string(doc.get("level")),
        status: string(doc.get("status")),
        tags: strings(doc.get("tags")),
        falsepositives: strings(doc.get("falsepositives")),
        references: strings(doc.get("references")),
        author: string(doc.get("author")),
        logsource,
        source,
        origin: origin.to_string(),
        selections,
        condition,
    })
}

fn compile_selection(
    ctx: &Ctx<'_>,
    source: SourceKind,
    name: &str,
    node: &Node,
    fields: &mut FieldTable,
) -> Result<Selection, SigmaError> {
    let path = format!("detection.{name}");
    let alternatives = match &node.value {
        Value::Map(pairs) => vec![compile_map(ctx, source, &path, node, pairs, fields)?],
        Value::Seq(items)
            if items.iter().all(|i| matches!(i.value, Value::Map(_))) && !items.is_empty() =>
        {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| match &item.value {
                    Value::Map(pairs) => {
                        compile_map(ctx, source, &format!("{path}[{i}]"), item, pairs, fields)
                    }
                    _ => unreachable_map(ctx, &path, item),
                })
                .collect::<Result<_, _>>()?
        }
        Value::Seq(items) if items.iter().any(|i| matches!(i.value, Value::Map(_))) => {
            return Err(ctx.err(
                ErrorKind::Invalid,
                &path,
                Some(node),
                "a selection list holds either mappings or keywords, not both",
            ));
        }
        Value::Seq(_) | Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            let item =
                modifiers::compile(name, None, &[], node, &mut |n| intern(fields, source, n))
                    .map_err(|e| ctx.err(ErrorKind::Invalid, &path, Some(node), e.0))?;
            vec![vec![item]]
        }
        Value::Null => {
            return Err(ctx.err(ErrorKind::Invalid, &path, Some(node), "empty selection"));
        }
    };
    Ok(Selection {
        name: name.to_string(),
        alternatives,
    })
}

fn unreachable_map(ctx: &Ctx<'_>, path: &str, node: &Node) -> Result<Vec<Item>, SigmaError> {
    Err(ctx.err(ErrorKind::Invalid, path, Some(node), "expected a mapping"))
}

fn intern(fields: &mut FieldTable, source: SourceKind, name: &str) -> usize {
    fields.intern(fields::map_field(source, name))
}

fn compile_map(
    ctx: &Ctx<'_>,
    source: SourceKind,
    path: &str,
    node: &Node,
    pairs: &[(String, Node)],
    fields: &mut FieldTable,
) -> Result<Vec<Item>, SigmaError> {
    if pairs.is_empty() {
        return Err(ctx.err(ErrorKind::Invalid, path, Some(node), "empty selection"));
    }
    let mut items = Vec::new();
    for (key, value) in pairs {
        let item_path = format!("{path}.{key}");
        let mut parts = key.split('|');
        let field_name = parts.next().unwrap_or_default();
        let mods: Vec<&str> = parts.collect();
        let field = (!field_name.is_empty()).then(|| intern(fields, source, field_name));
        let item = modifiers::compile(key, field, &mods, value, &mut |n| intern(fields, source, n))
            .map_err(|e| {
                let kind = if e.0.starts_with("unknown modifier") || e.0.contains("does not have") {
                    ErrorKind::Unsupported
                } else {
                    ErrorKind::Invalid
                };
                ctx.err(kind, &item_path, Some(value), e.0)
            })?;
        items.push(item);
    }
    Ok(items)
}
