//! Borrowed, shallow JSON access. An event is scanned once into its top-level keys with each value kept
//! as an unparsed span ([`Raw`]); a source then parses only the few values it reads. Large nested
//! bodies (request parameters, request objects) are never materialised unless a rule asks for them.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The text of one valid JSON value, without whitespace around it: a span that `sources::scan`
/// validated, or the text of a serde_json `RawValue`. serde_json cannot make a `RawValue` from a span
/// without validating it again, which is the cost the scan removes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Raw<'a>(&'a str);

impl<'a> Raw<'a> {
    /// `text` as one JSON value (whitespace around it allowed), validated by serde_json.
    pub fn parse(text: &'a str) -> Result<Raw<'a>, serde_json::Error> {
        serde_json::from_str::<&RawValue>(text).map(Raw::from)
    }

    pub fn get(self) -> &'a str {
        self.0
    }
}

impl<'a> From<&'a RawValue> for Raw<'a> {
    fn from(raw: &'a RawValue) -> Raw<'a> {
        Raw(raw.get())
    }
}

impl fmt::Debug for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

/// One member of an `Object`: its key, borrowed unless it held an escape, and its value.
pub(crate) type Entry<'a> = (Cow<'a, str>, Raw<'a>);

impl<'a> super::scan::Member<'a> for Entry<'a> {
    fn new(key: &'a str, value: &'a str) -> Self {
        (Cow::Borrowed(key), Raw(value))
    }
}

/// The top-level keys of one JSON object, in document order, each with its raw value.
///
/// Lakes and SIEM exports often lower-case every key (Athena/Glue tables write `eventname`,
/// `useridentity`). An object whose keys hold no upper-case letter at all is marked `folded`, and in
/// it a key that is missing exactly is looked up again ignoring ASCII case. An object with any
/// upper-case key (every canonical CloudTrail, GCP, Kubernetes or Azure event) never takes the
/// fallback, so canonical events pay only the scan of their first few keys at parse time.
#[derive(Debug, Default)]
pub struct Object<'a> {
    entries: Vec<Entry<'a>>,
    folded: bool,
    /// Set when a lookup found its key only by ignoring case.
    folded_hit: Cell<bool>,
    /// Why this object was rebuilt from another shape (set by `reshape` on the objects it makes).
    note: Option<&'static str>,
}

impl<'a> Object<'a> {
    /// Parse `text` as a JSON object. Anything else is an error whose message says what it was.
    pub fn parse(text: &'a str) -> Result<Object<'a>, serde_json::Error> {
        let mut entries = Vec::with_capacity(24);
        if super::scan::object(text, &mut entries) {
            // Canonical events show an upper-case key within their first few keys, where this
            // check stops.
            let any_upper = entries.iter().any(|(key, _): &Entry<'a>| has_upper(key));
            return Ok(Object {
                folded: !any_upper && !entries.is_empty(),
                entries,
                folded_hit: Cell::new(false),
                note: None,
            });
        }
        // What the scan leaves (escaped keys, deep nesting) and every error: serde_json's reading
        // and its message.
        serde_json::from_str(text)
    }

    /// Parse the raw value as a JSON object.
    pub fn from_raw(raw: Raw<'a>) -> Result<Object<'a>, serde_json::Error> {
        Object::parse(raw.get())
    }

    /// The raw value of `key`, unless absent. Duplicate keys: the last one wins, as in most parsers.
    /// In a `folded` object (no upper-case key), a key missing exactly is matched ignoring ASCII case.
    pub fn raw(&self, key: &str) -> Option<Raw<'a>> {
        let exact = self
            .entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v);
        if exact.is_some() || !self.folded || !has_upper(key) {
            return exact;
        }
        let folded = self
            .entries
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v);
        if folded.is_some() {
            self.folded_hit.set(true);
        }
        folded
    }

    /// Whether some lookup so far found its key only by ignoring case.
    pub fn matched_folded(&self) -> bool {
        self.folded_hit.get()
    }

    /// Why this object was rebuilt from another shape, when it was.
    pub fn note(&self) -> Option<&'static str> {
        self.note
    }

    /// Mark an object rebuilt from another shape.
    pub fn with_note(mut self, note: &'static str) -> Object<'a> {
        self.note = Some(note);
        self
    }

    pub fn has(&self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    /// The string at `key`; `None` when absent, null or not a string.
    pub fn str(&self, key: &str) -> Option<Cow<'a, str>> {
        self.raw(key).and_then(raw_str)
    }

    /// The nested object at `key`; `None` when absent or not an object.
    pub fn object(&self, key: &str) -> Option<Object<'a>> {
        self.raw(key).and_then(|raw| Object::from_raw(raw).ok())
    }

    /// The boolean at `key`, also accepting the strings `"true"`/`"false"` that some services write.
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.raw(key).and_then(raw_bool)
    }

    /// The integer at `key`, also accepting a decimal string.
    pub fn i64(&self, key: &str) -> Option<i64> {
        self.raw(key).and_then(raw_i64)
    }

    /// The array at `key` as raw elements; `None` when absent or not an array.
    pub fn array(&self, key: &str) -> Option<Vec<Raw<'a>>> {
        self.raw(key).and_then(raw_array)
    }

    /// Follow a path of object keys.
    pub fn path(&self, keys: &[&str]) -> Option<Raw<'a>> {
        let (first, rest) = keys.split_first()?;
        let mut current = self.raw(first)?;
        for key in rest {
            current = Object::from_raw(current).ok()?.raw(key)?;
        }
        Some(current)
    }

    /// Whether no key holds an upper-case letter (lake exports; OCSF records, whose names are all
    /// snake_case): only such objects take the case-insensitive fallback.
    pub fn is_folded(&self) -> bool {
        self.folded
    }

    /// Every key with its raw value, in document order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Raw<'a>)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), *v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

pub(super) fn has_upper(key: &str) -> bool {
    key.bytes().any(|b| b.is_ascii_uppercase())
}

pub fn raw_str(raw: Raw<'_>) -> Option<Cow<'_, str>> {
    let text = raw.get();
    if !text.starts_with('"') {
        return None;
    }
    // A raw value is valid JSON, so a string without a backslash is its text between the quotes.
    // serde's `Cow<str>` would copy it anyway.
    match text.get(1..text.len().saturating_sub(1)) {
        Some(inner) if text.len() >= 2 && !inner.contains('\\') => Some(Cow::Borrowed(inner)),
        _ => serde_json::from_str::<String>(text).ok().map(Cow::Owned),
    }
}

pub fn raw_bool(raw: Raw<'_>) -> Option<bool> {
    match raw.get() {
        "true" | "\"true\"" | "\"True\"" => Some(true),
        "false" | "\"false\"" | "\"False\"" => Some(false),
        _ => None,
    }
}

pub fn raw_i64(raw: Raw<'_>) -> Option<i64> {
    let text = raw.get();
    let digits = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    digits.parse().ok()
}

pub fn raw_array(raw: Raw<'_>) -> Option<Vec<Raw<'_>>> {
    if raw.get().starts_with('[') {
        parse_array(raw.get()).ok()
    } else {
        None
    }
}

/// Parse `text` as a JSON array into its elements; anything else is serde_json's error.
pub fn parse_array(text: &str) -> Result<Vec<Raw<'_>>, serde_json::Error> {
    let mut elements = Vec::new();
    if super::scan::array(text, &mut elements) {
        return Ok(elements.into_iter().map(Raw).collect());
    }
    let elements: Vec<&RawValue> = serde_json::from_str(text)?;
    Ok(elements.into_iter().map(Raw::from).collect())
}

pub fn is_null(raw: Raw<'_>) -> bool {
    raw.get() == "null"
}

/// Describe a JSON value's kind for error messages.
pub fn kind_of(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        Some(_) => "number",
        None => "nothing",
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Object<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for ObjectVisitor<'a> {
            type Value = Object<'a>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Object<'a>, M::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(24));
                // Canonical events show an upper-case key within their first few keys; only then
                // does the check stop, so it costs a few bytes' scan per event.
                let mut any_upper = false;
                while let Some(BorrowedKey(key)) = map.next_key()? {
                    let value: &'de RawValue = map.next_value()?;
                    any_upper = any_upper || has_upper(&key);
                    entries.push((key, Raw::from(value)));
                }
                Ok(Object {
                    folded: !any_upper && !entries.is_empty(),
                    entries,
                    folded_hit: Cell::new(false),
                    note: None,
                })
            }
        }

        deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

/// An object key borrowed from the text unless it holds an escape. serde's own `Cow<str>` always
/// allocates, which was a third of the cost of scanning a CloudTrail record's top-level keys.
pub(crate) struct BorrowedKey<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for BorrowedKey<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = BorrowedKey<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedKey(Cow::Borrowed(key)))
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
                Ok(BorrowedKey(Cow::Owned(key.to_owned())))
            }

            fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
                Ok(BorrowedKey(Cow::Owned(key)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_without_parsing_the_rest() {
        let text = r#"{"a":"x\"y","n":"42","b":"false","nested":{"k":[1,2]},"dup":1,"dup":2}"#;
        let obj = Object::parse(text).expect("object");
        assert_eq!(obj.str("a").as_deref(), Some("x\"y"));
        assert_eq!(obj.i64("n"), Some(42));
        assert_eq!(obj.bool("b"), Some(false));
        assert_eq!(obj.i64("dup"), Some(2));
        assert_eq!(obj.path(&["nested", "k"]).map(|r| r.get()), Some("[1,2]"));
        assert!(obj.str("nested").is_none());
        assert!(obj.object("missing").is_none());
    }

    #[test]
    fn keys_are_borrowed_unless_escaped() {
        let text = r#"{"plain":1,"esc\u0061ped":2}"#;
        let obj = Object::parse(text).expect("object");
        let kinds: Vec<bool> = obj
            .entries
            .iter()
            .map(|(k, _)| matches!(k, Cow::Borrowed(_)))
            .collect();
        assert_eq!(kinds, [true, false]);
        assert_eq!(obj.i64("escaaped"), None);
        assert_eq!(obj.i64("escaped"), Some(2));
        let text = r#"{"s":"plain","e":"a\"b\u00e9","empty":""}"#;
        let obj = Object::parse(text).expect("object");
        assert!(matches!(obj.str("s"), Some(Cow::Borrowed("plain"))));
        assert!(matches!(obj.str("e"), Some(Cow::Owned(ref v)) if v == "a\"b\u{e9}"));
        assert!(matches!(obj.str("empty"), Some(Cow::Borrowed(""))));
    }

    #[test]
    fn lower_cased_exports_match_ignoring_case() {
        // An Athena CloudTrail row: every key lower-cased, nested ones too.
        let text = r#"{"eventname":"StopLogging","eventsource":"cloudtrail.amazonaws.com","useridentity":{"type":"IAMUser","accountid":"111122223333"}}"#;
        let obj = Object::parse(text).expect("object");
        assert!(!obj.matched_folded());
        assert_eq!(obj.str("eventName").as_deref(), Some("StopLogging"));
        assert!(obj.matched_folded());
        let identity = obj.object("userIdentity").expect("nested");
        assert_eq!(identity.str("accountId").as_deref(), Some("111122223333"));
        assert!(obj.str("errorCode").is_none());
    }

    #[test]
    fn canonical_objects_never_fall_back() {
        // One upper-case key marks the object as written with its original case: a differently
        // cased key is then a different key.
        let obj = Object::parse(r#"{"eventName":"A","eventsource":"x"}"#).expect("object");
        assert!(obj.str("eventSource").is_none());
        assert!(!obj.matched_folded());
        // Lower-case lookups are exact in every object.
        let obj = Object::parse(r#"{"Type":"container"}"#).expect("object");
        assert!(obj.str("type").is_none());
    }

    #[test]
    fn rejects_non_objects() {
        assert!(Object::parse("[1,2]").is_err());
        assert!(Object::parse("\"s\"").is_err());
        assert!(Object::parse("{\"a\":").is_err());
    }
}
