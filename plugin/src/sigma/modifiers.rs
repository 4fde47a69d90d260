//! A detection item `field|modifier|…: value(s)` compiled into matchers over the event's values.
//!
//! Supported modifiers: `contains`, `startswith`, `endswith`, `all`, `re` (with `i`, `m`, `s`), `cidr`,
//! `exists`, `base64`, `base64offset`, `wide`/`utf16le`, `utf16be`, `utf16`, `windash`, `lt`, `lte`, `gt`,
//! `gte`, `fieldref`, `cased`. Everything else is refused with the reason.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ipnet::IpNet;
use regex_automata::meta::Regex;
use regex_automata::util::syntax;

use super::fields::Scalar;
use super::pattern::Pattern;
use super::yaml::{Node, Value};

/// Bound on the variants `windash` may generate for one value.
const MAX_WINDASH_VARIANTS: usize = 1024;
const WINDASH: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Exact,
    Contains,
    StartsWith,
    EndsWith,
}

/// One rule value, compiled.
#[derive(Debug)]
pub enum Matcher {
    /// `null`: the field is absent or null.
    Null,
    /// `exists: true|false`.
    Exists(bool),
    Pattern(Pattern),
    Regex(Box<Regex>),
    Cidr(IpNet),
    Compare(Compare, f64),
    /// `fieldref`: equal to (or containing, starting or ending with) another field's value.
    FieldRef {
        /// The other field, by index into the rule set's field table.
        field: usize,
        anchor: Anchor,
        cased: bool,
    },
}

impl Matcher {
    /// Whether one present value matches. `Null`/`Exists` are decided on the whole field by the caller.
    pub fn matches_value(&self, value: &Scalar, other: Option<&[Scalar]>) -> bool {
        match (self, value) {
            (Matcher::Null, v) => *v == Scalar::Null,
            (Matcher::Exists(_), _) => false,
            (Matcher::Pattern(p), Scalar::Text { text, lower, .. }) => p.matches(text, lower),
            (Matcher::Regex(re), Scalar::Text { text, .. }) => re.is_match(text.as_str()),
            (Matcher::Cidr(net), Scalar::Text { text, .. }) => text
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| net.contains(&ip)),
            (
                Matcher::Compare(op, bound),
                Scalar::Text {
                    number: Some(n), ..
                },
            ) => match op {
                Compare::Lt => n < bound,
                Compare::Lte => n <= bound,
                Compare::Gt => n > bound,
                Compare::Gte => n >= bound,
            },
            (Matcher::FieldRef { anchor, cased, .. }, Scalar::Text { text, lower, .. }) => {
                other.unwrap_or_default().iter().any(|o| {
                    let Scalar::Text {
                        text: o_text,
                        lower: o_lower,
                        ..
                    } = o
                    else {
                        return false;
                    };
                    let (subject, needle) = if *cased {
                        (text.as_str(), o_text.as_str())
                    } else {
                        (lower.as_str(), o_lower.as_str())
                    };
                    match anchor {
                        Anchor::Exact => subject == needle,
                        Anchor::Contains => subject.contains(needle),
                        Anchor::StartsWith => subject.starts_with(needle),
                        Anchor::EndsWith => subject.ends_with(needle),
                    }
                })
            }
            _ => false,
        }
    }
}

/// A compiled detection item.
#[derive(Debug)]
pub struct Item {
    /// The field, by index into the rule set's field table; `None` for keywords (search every value of
    /// the event).
    pub field: Option<usize>,
    /// The key as written, for explanations (`eventName|startswith`).
    pub key: String,
    /// `all`: every matcher must match; otherwise any.
    pub all: bool,
    pub matchers: Vec<Matcher>,
}

/// Why an item cannot be compiled; the caller adds the rule and the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError(pub String);

#[derive(Default)]
struct Mods {
    anchor: Option<Anchor>,
    all: bool,
    cased: bool,
    re: bool,
    re_flags: (bool, bool, bool),
    cidr: bool,
    exists: bool,
    base64: bool,
    base64offset: bool,
    encoding: Option<&'static str>,
    windash: bool,
    compare: Option<Compare>,
    fieldref: bool,
}

fn parse_mods(modifiers: &[&str]) -> Result<Mods, ItemError> {
    let mut m = Mods::default();
    for name in modifiers {
        let set_anchor = |m: &mut Mods, a| {
            if m.anchor.is_some() {
                return Err(ItemError(
                    "only one of contains, startswith, endswith may be given".into(),
                ));
            }
            m.anchor = Some(a);
            Ok(())
        };
        match *name {
            "contains" => set_anchor(&mut m, Anchor::Contains)?,
            "startswith" => set_anchor(&mut m, Anchor::StartsWith)?,
            "endswith" => set_anchor(&mut m, Anchor::EndsWith)?,
            "all" => m.all = true,
            "cased" => m.cased = true,
            "re" => m.re = true,
            "i" | "m" | "s" if m.re => match *name {
                "i" => m.re_flags.0 = true,
                "m" => m.re_flags.1 = true,
                _ => m.re_flags.2 = true,
            },
            "i" | "m" | "s" => {
                return Err(ItemError(format!(
                    "modifier `{name}` is only valid after `re`"
                )));
            }
            "cidr" => m.cidr = true,
            "exists" => m.exists = true,
            "base64" => m.base64 = true,
            "base64offset" => m.base64offset = true,
            "wide" | "utf16le" => m.encoding = Some("utf16le"),
            "utf16be" => m.encoding = Some("utf16be"),
            "utf16" => m.encoding = Some("utf16"),
            "windash" => m.windash = true,
            "lt" => m.compare = Some(Compare::Lt),
            "lte" => m.compare = Some(Compare::Lte),
            "gt" => m.compare = Some(Compare::Gt),
            "gte" => m.compare = Some(Compare::Gte),
            "fieldref" => m.fieldref = true,
            "expand" => {
                return Err(ItemError(
                    "modifier `expand` needs placeholder values from a processing pipeline, which the plugin does not have".into(),
                ));
            }
            "" => return Err(ItemError("empty modifier (`||`)".into())),
            other => return Err(ItemError(format!("unknown modifier `{other}`"))),
        }
    }
    let standalone = [
        (m.re, "re"),
        (m.cidr, "cidr"),
        (m.exists, "exists"),
        (m.compare.is_some(), "lt/lte/gt/gte"),
        (m.fieldref, "fieldref"),
    ];
    let special: Vec<&str> = standalone
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
    let transforms = m.base64 || m.base64offset || m.windash || m.encoding.is_some();
    if special.len() > 1 {
        return Err(ItemError(format!(
            "modifiers {} cannot be combined",
            special.join(" and ")
        )));
    }
    if let Some(first) = special.first() {
        let anchor_ok = *first == "fieldref";
        if transforms || (m.anchor.is_some() && !anchor_ok) {
            return Err(ItemError(format!(
                "modifier `{first}` cannot be combined with string modifiers"
            )));
        }
    }
    if m.base64 && m.base64offset {
        return Err(ItemError(
            "base64 and base64offset cannot be combined".into(),
        ));
    }
    if m.encoding.is_some() && !(m.base64 || m.base64offset) {
        return Err(ItemError(
            "utf16/wide modifiers only make sense before base64 or base64offset".into(),
        ));
    }
    Ok(m)
}

/// Compile `key: value` of a selection. `field` is already interned; `None` for keyword lists, whose
/// plain values are searched as substrings of every value. `intern` maps a `fieldref` target to its index.
pub fn compile(
    key: &str,
    field: Option<usize>,
    modifiers: &[&str],
    value: &Node,
    intern: &mut dyn FnMut(&str) -> usize,
) -> Result<Item, ItemError> {
    let mut mods = parse_mods(modifiers)?;
    if field.is_none() && mods.anchor.is_none() {
        mods.anchor = Some(Anchor::Contains);
    }
    let values: Vec<&Node> = match &value.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![value],
    };
    if values.is_empty() {
        return Err(ItemError("empty list of values".into()));
    }
    let mut matchers = Vec::new();
    for node in values {
        compile_value(&mods, node, &mut matchers, intern)?;
    }
    if field.is_none() && matchers.iter().any(|m| matches!(m, Matcher::Null)) {
        return Err(ItemError("null is not a keyword".into()));
    }
    if field.is_none()
        && matchers
            .iter()
            .any(|m| matches!(m, Matcher::Exists(_) | Matcher::FieldRef { .. }))
    {
        return Err(ItemError("exists and fieldref need a field".into()));
    }
    Ok(Item {
        field,
        key: key.to_string(),
        all: mods.all,
        matchers,
    })
}

fn compile_value(
    mods: &Mods,
    node: &Node,
    out: &mut Vec<Matcher>,
    intern: &mut dyn FnMut(&str) -> usize,
) -> Result<(), ItemError> {
    if let Value::Seq(_) | Value::Map(_) = node.value {
        return Err(ItemError(format!("a {} is not a value", node.kind())));
    }
    if mods.exists {
        return match node.value {
            Value::Bool(b) => {
                out.push(Matcher::Exists(b));
                Ok(())
            }
            _ => Err(ItemError("exists takes true or false".into())),
        };
    }
    if node.value == Value::Null {
        if mods.anchor.is_some() || mods.re || mods.cidr || mods.compare.is_some() || mods.fieldref
        {
            return Err(ItemError("null cannot take a modifier".into()));
        }
        out.push(Matcher::Null);
        return Ok(());
    }
    if let Some(op) = mods.compare {
        let bound = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            _ => return Err(ItemError(format!("{op:?} needs a number").to_lowercase())),
        };
        out.push(Matcher::Compare(op, bound));
        return Ok(());
    }
    let text = node.scalar_text().unwrap_or_default();
    if mods.re {
        let (i, m, s) = mods.re_flags;
        let regex = Regex::builder()
            .syntax(
                syntax::Config::new()
                    .case_insensitive(i)
                    .multi_line(m)
                    .dot_matches_new_line(s),
            )
            .build(&text)
            .map_err(|e| ItemError(format!("invalid regular expression `{text}`: {e}")))?;
        out.push(Matcher::Regex(Box::new(regex)));
        return Ok(());
    }
    if mods.cidr {
        let net = text
            .parse::<IpNet>()
            .map_err(|_| ItemError(format!("invalid CIDR network `{text}`")))?;
        out.push(Matcher::Cidr(net));
        return Ok(());
    }
    if mods.fieldref {
        out.push(Matcher::FieldRef {
            field: intern(&text),
            anchor: mods.anchor.unwrap_or(Anchor::Exact),
            cased: mods.cased,
        });
        return Ok(());
    }
    let (lead, trail) = match mods.anchor {
        None | Some(Anchor::Exact) => (false, false),
        Some(Anchor::Contains) => (true, true),
        Some(Anchor::StartsWith) => (false, true),
        Some(Anchor::EndsWith) => (true, false),
    };
    for variant in transform(mods, &text) {
        out.push(Matcher::Pattern(Pattern::new(
            &variant, mods.cased, lead, trail,
        )));
    }
    Ok(())
}

/// windash, then encoding and base64/base64offset: the literal strings to look for. Encoded values are
/// escaped so that base64's characters are never read as wildcards (base64 has none, but `\` may follow).
fn transform(mods: &Mods, text: &str) -> Vec<String> {
    let mut variants = if mods.windash {
        windash(text)
    } else {
        vec![text.to_string()]
    };
    if mods.base64 || mods.base64offset {
        variants = variants
            .iter()
            .flat_map(|v| {
                let bytes = encode(v, mods.encoding);
                if mods.base64 {
                    vec![STANDARD.encode(&bytes)]
                } else {
                    base64_offsets(&bytes)
                }
            })
            .collect();
    }
    variants
}

fn encode(text: &str, encoding: Option<&str>) -> Vec<u8> {
    match encoding {
        Some("utf16le") => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Some("utf16be") => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        Some("utf16") => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        _ => text.as_bytes().to_vec(),
    }
}

/// The three encodings of `bytes` at offsets 0, 1 and 2 inside a larger base64 text, with the characters
/// that depend on the unknown neighbours cut off.
fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|shift| {
            let mut padded = vec![b' '; shift];
            padded.extend_from_slice(bytes);
            let encoded = STANDARD.encode(&padded);
            let end_cut = END[(bytes.len() + shift) % 3];
            let end = encoded.len().saturating_sub(end_cut);
            encoded
                .get(START[shift]..end)
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Every spelling of a Windows command line whose option dashes may be `-`, `/` or a Unicode dash: each
/// `-`/`/` that starts an option (not preceded by a word character, followed by one).
fn windash(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], '-' | '/')
                && !word(i.checked_sub(1).and_then(|p| chars.get(p)))
                && word(chars.get(i + 1))
        })
        .collect();
    let mut variants = vec![chars.clone()];
    for &pos in &positions {
        if variants.len() * WINDASH.len() > MAX_WINDASH_VARIANTS {
            break;
        }
        variants = variants
            .into_iter()
            .flat_map(|v| {
                WINDASH.iter().map(move |dash| {
                    let mut v = v.clone();
                    v[pos] = *dash;
                    v
                })
            })
            .collect();
    }
    variants
        .into_iter()
        .map(|v| v.into_iter().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64offset_matches_pysigma_shape() {
        // The three offsets of "/bin/bash" as produced by pySigma's base64offset.
        assert_eq!(
            base64_offsets(b"/bin/bash"),
            ["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]
        );
    }

    #[test]
    fn windash_variants() {
        let v = windash("-a /b c-d");
        assert_eq!(v.len(), 25);
        assert!(v.contains(&"/a -b c-d".to_string()));
        assert!(v.contains(&"\u{2013}a \u{2014}b c-d".to_string()));
        assert!(v.iter().all(|s| s.ends_with("c-d")));
    }

    #[test]
    fn utf16_encodings() {
        assert_eq!(encode("ab", Some("utf16le")), [b'a', 0, b'b', 0]);
        assert_eq!(encode("ab", Some("utf16be")), [0, b'a', 0, b'b']);
        assert_eq!(encode("a", Some("utf16")), [0xFF, 0xFE, b'a', 0]);
    }
}
