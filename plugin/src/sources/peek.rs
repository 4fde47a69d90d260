//! One-pass lookups in a nested value with `Object`'s rules, building no `Object`. The engine's fast
//! path reads two or three keys of a nested object per event (`objectRef`, `protoPayload`, `claims`);
//! an `Object` per level costs a vector of every key and its value, which is most of what the fast
//! path saves. Same rules as `Object::raw`: a repeated key's last value wins, and in an object with no
//! upper-case key a key missing exactly is matched ignoring ASCII case.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::json::{BorrowedKey, Entry, Raw, has_upper};

/// The raw values of `keys` in the object `raw`; `None` when `raw` is not an object (where
/// `Object::from_raw` fails).
pub fn members<'a, const N: usize>(raw: Raw<'a>, keys: [&str; N]) -> Option<[Option<Raw<'a>>; N]> {
    if !raw.get().starts_with('{') {
        return None;
    }
    let mut found = Found::new();
    // The same member type as `Object`'s: one instance of the scan in the engine.
    let mut all: Vec<Entry<'a>> = Vec::new();
    if super::scan::object(raw.get(), &mut all) {
        for (key, value) in all {
            found.member(&keys, &key, value);
        }
        return Some(found.finish(&keys));
    }
    // Escaped keys: serde_json reads them.
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    Members {
        keys,
        marker: PhantomData,
    }
    .deserialize(&mut deserializer)
    .ok()
}

/// The lookups' state over one object's members, with `Object::raw`'s rules.
struct Found<'a, const N: usize> {
    exact: [Option<Raw<'a>>; N],
    folded: [Option<Raw<'a>>; N],
    any_upper: bool,
}

impl<'a, const N: usize> Found<'a, N> {
    fn new() -> Self {
        Found {
            exact: [None; N],
            folded: [None; N],
            any_upper: false,
        }
    }

    fn member(&mut self, keys: &[&str; N], key: &str, value: Raw<'a>) {
        self.any_upper = self.any_upper || has_upper(key);
        for (i, wanted) in keys.iter().enumerate() {
            if key == *wanted {
                self.exact[i] = Some(value);
            } else if key.eq_ignore_ascii_case(wanted) {
                self.folded[i] = Some(value);
            }
        }
    }

    /// A folded match exists only in a non-empty object; it counts only when no key had an
    /// upper-case letter and the key looked up has one.
    fn finish(mut self, keys: &[&str; N]) -> [Option<Raw<'a>>; N] {
        for (i, wanted) in keys.iter().enumerate() {
            if self.exact[i].is_none() && !self.any_upper && has_upper(wanted) {
                self.exact[i] = self.folded[i];
            }
        }
        self.exact
    }
}

/// The first element of the array `raw` (`json::raw_array(raw)?.first()`), reading no further.
pub fn first(raw: Raw<'_>) -> Option<Raw<'_>> {
    if !raw.get().starts_with('[') {
        return None;
    }
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    First(PhantomData).deserialize(&mut deserializer).ok()?
}

struct Members<'k, 'a, const N: usize> {
    keys: [&'k str; N],
    marker: PhantomData<&'a ()>,
}

impl<'de: 'a, 'k, 'a, const N: usize> DeserializeSeed<'de> for Members<'k, 'a, N> {
    type Value = [Option<Raw<'a>>; N];

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de: 'a, 'k, 'a, const N: usize> Visitor<'de> for Members<'k, 'a, N> {
    type Value = [Option<Raw<'a>>; N];

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut found = Found::new();
        while let Some(BorrowedKey(key)) = map.next_key()? {
            let value: &'de RawValue = map.next_value()?;
            found.member(&self.keys, &key, Raw::from(value));
        }
        Ok(found.finish(&self.keys))
    }
}

struct First<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> DeserializeSeed<'de> for First<'a> {
    type Value = Option<Raw<'a>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for First<'a> {
    type Value = Option<Raw<'a>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let first: Option<&'de RawValue> = seq.next_element()?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(first.map(Raw::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::json::{Object, raw_array};

    fn raw(text: &str) -> Raw<'_> {
        Raw::parse(text).expect("raw value")
    }

    /// Every lookup gives what `Object::raw` gives, including duplicates and folded keys.
    #[test]
    fn members_agree_with_object() {
        let keys = ["username", "uid", "accountId", "Missing", "esc"];
        for text in [
            r#"{"username":"a","uid":"1","username":"b"}"#,
            r#"{"accountid":"111122223333","username":"x"}"#,
            r#"{"accountid":"111122223333","accountID":"222","Other":1}"#,
            r#"{"ACCOUNTID":"3","accountId":"4"}"#,
            r#"{"e\u0073c":"escaped key","uid":{"nested":[1,{"a":2}]}}"#,
            r#"{}"#,
        ] {
            let value = raw(text);
            let object = Object::from_raw(value).expect("object");
            let found = members(value, keys).expect("an object");
            for (key, got) in keys.iter().zip(found) {
                assert_eq!(
                    got.map(Raw::get),
                    object.raw(key).map(Raw::get),
                    "{text} {key}"
                );
            }
        }
        for text in ["[1]", "\"s\"", "null", "3"] {
            assert!(members(raw(text), keys).is_none(), "{text}");
        }
    }

    #[test]
    fn first_agrees_with_raw_array() {
        for text in [
            r#"["203.0.113.7","10.0.0.1"]"#,
            "[]",
            r#"[{"a":[1]},2]"#,
            "[null]",
        ] {
            let value = raw(text);
            let all = raw_array(value).expect("array");
            assert_eq!(
                first(value).map(Raw::get),
                all.first().map(|r| r.get()),
                "{text}"
            );
        }
        assert!(first(raw(r#""203.0.113.7""#)).is_none());
        assert!(first(raw(r#"{"a":1}"#)).is_none());
    }
}
