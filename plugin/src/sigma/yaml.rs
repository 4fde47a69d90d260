//! A YAML document tree built from `saphyr-parser` events. The `saphyr` tree type keeps mappings in a
//! `LinkedHashMap` seeded by std's `RandomState`, which would make the wasm builds import WASI
//! randomness; this tree keeps mappings as ordered pairs instead and records each node's line, so errors
//! can point into the rule. Scalars are resolved with the YAML 1.2 core schema.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

/// Deeper nesting than any Sigma rule needs is refused rather than followed.
const MAX_DEPTH: usize = 64;
/// Node budget per text, so aliases cannot expand a small text into an enormous tree.
const MAX_NODES: usize = 200_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 1-based line where the node starts.
    pub line: usize,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }

    /// The scalar's text as Sigma compares it: numbers and booleans by their YAML spelling.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} column {column}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl YamlError {
    fn at(span: &Span, message: impl Into<String>) -> YamlError {
        YamlError {
            line: span.start.line(),
            column: span.start.col() + 1,
            message: message.into(),
        }
    }
}

impl From<ScanError> for YamlError {
    fn from(e: ScanError) -> YamlError {
        YamlError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        }
    }
}

enum Frame {
    Seq(Vec<Node>, usize, usize),
    /// Pairs so far, a key waiting for its value, the mapping's anchor and line.
    Map(Vec<(String, Node)>, Option<(String, Span)>, usize, usize),
}

/// Every document of a (possibly multi-document, `---`-separated) YAML text. Empty documents are dropped.
pub fn load_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    let mut nodes = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event?;
        let done: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                anchors.clear();
                None
            }
            Event::DocumentEnd => None,
            Event::Alias(id) => {
                let node = anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| YamlError::at(&span, "alias to an unknown anchor"))?;
                nodes = nodes.saturating_add(count(&node));
                Some((node, 0))
            }
            Event::Scalar(text, style, anchor, tag) => {
                let forced_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = if style == ScalarStyle::Plain && !forced_str {
                    resolve_plain(&text)
                } else {
                    Value::Str(text.into_owned())
                };
                nodes += 1;
                Some((
                    Node {
                        value,
                        line: span.start.line(),
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError::at(&span, "nesting deeper than 64 levels"));
                }
                stack.push(Frame::Seq(Vec::new(), anchor, span.start.line()));
                None
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError::at(&span, "nesting deeper than 64 levels"));
                }
                stack.push(Frame::Map(Vec::new(), None, anchor, span.start.line()));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, anchor, line)) => Some((
                    Node {
                        value: Value::Seq(items),
                        line,
                    },
                    anchor,
                )),
                _ => return Err(YamlError::at(&span, "unbalanced sequence end")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(pairs, None, anchor, line)) => Some((
                    Node {
                        value: Value::Map(pairs),
                        line,
                    },
                    anchor,
                )),
                _ => return Err(YamlError::at(&span, "unbalanced mapping end")),
            },
        };
        if nodes > MAX_NODES {
            return Err(YamlError::at(
                &span,
                "more than 200000 nodes (alias expansion?)",
            ));
        }
        let Some((node, anchor)) = done else { continue };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => {
                if node.value != Value::Null {
                    documents.push(node);
                }
            }
            Some(Frame::Seq(items, _, _)) => items.push(node),
            Some(Frame::Map(pairs, pending, _, _)) => match pending.take() {
                None => {
                    let key = node.scalar_text().ok_or_else(|| {
                        YamlError::at(&span, format!("a {} cannot be a mapping key", node.kind()))
                    })?;
                    *pending = Some((key, span));
                }
                Some((key, key_span)) => {
                    if pairs.iter().any(|(k, _)| *k == key) {
                        return Err(YamlError::at(&key_span, format!("duplicate key `{key}`")));
                    }
                    pairs.push((key, node));
                }
            },
        }
    }
    Ok(documents)
}

fn count(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(count).sum::<usize>(),
        Value::Map(pairs) => 1 + pairs.iter().map(|(_, v)| count(v)).sum::<usize>(),
        _ => 1,
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let bytes = text.as_bytes();
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = text.strip_prefix("0x")
        && digits(hex, 16)
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && digits(oct, 8)
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned, 10) {
        if let Ok(i) = text.parse::<i64>() {
            return Value::Int(i);
        }
    } else if bytes.iter().any(u8::is_ascii_digit)
        && unsigned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = load_documents(text).expect("yaml");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn resolves_scalars_by_the_core_schema() {
        let doc = one("a: 404\nb: '404'\nc: false\nd: ~\ne: 1.5\nf: text\ng: !!str 12\nh: 0x1F\n");
        let get = |k: &str| doc.get(k).map(|n| n.value.clone());
        assert_eq!(get("a"), Some(Value::Int(404)));
        assert_eq!(get("b"), Some(Value::Str("404".into())));
        assert_eq!(get("c"), Some(Value::Bool(false)));
        assert_eq!(get("d"), Some(Value::Null));
        assert_eq!(get("e"), Some(Value::Float(1.5)));
        assert_eq!(get("f"), Some(Value::Str("text".into())));
        assert_eq!(get("g"), Some(Value::Str("12".into())));
        assert_eq!(get("h"), Some(Value::Int(31)));
        assert_eq!(doc.get("f").map(|n| n.line), Some(6));
    }

    #[test]
    fn splits_documents_and_expands_aliases() {
        let docs = load_documents("---\na: &x [1, 2]\nb: *x\n---\n---\nc: d\n").expect("yaml");
        assert_eq!(docs.len(), 2);
        let value = |k: &str| docs[0].get(k).map(|n| n.value.clone());
        let one_two = Value::Seq(vec![
            Node {
                value: Value::Int(1),
                line: 2,
            },
            Node {
                value: Value::Int(2),
                line: 2,
            },
        ]);
        assert_eq!(value("b"), Some(one_two));
        assert_eq!(value("a"), value("b"));
        assert_eq!(docs[1].get("c").map(|n| n.line), Some(6));
    }

    #[test]
    fn reports_errors_with_positions() {
        let err = load_documents("a: b\na: c\n").expect_err("duplicate");
        assert_eq!((err.line, err.message.as_str()), (2, "duplicate key `a`"));
        let err = load_documents("a: [b\n").expect_err("unterminated");
        assert!(err.line >= 1, "{err}");
        let deep = "[".repeat(100);
        assert!(load_documents(&deep).is_err());
        let bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n";
        let err = load_documents(bomb).expect_err("bomb");
        assert!(err.message.contains("200000"), "{err}");
    }
}
