//! A validating scan of one JSON object into its members, each value kept as the span of its text.
//!
//! serde_json's `RawValue` scan was over half of the instructions the engine spends on an event no
//! rule listens to (callgrind, `fluent_bit_profile`), and under Fluent Bit's interpreter that cost is
//! multiplied: serde_json looks for the end of a string four bytes at a time on wasm32 (its word is a
//! `usize`) and goes through its visitor machinery for every member. This scan reads strings eight
//! bytes at a time (wasm has 64-bit integers) and builds nothing but the member list.
//!
//! It is never looser than serde_json: whatever it accepts, serde_json accepts with the same spans
//! (`tests` and the `json_scan` fuzz target compare the two). It may refuse what serde_json accepts,
//! and callers then ask serde_json, whose answer and error message stand: object keys with an escape
//! (serde_json checks their `\u` surrogate pairs) and nesting deeper than [`MAX_NESTING`].

/// Containers nested deeper than this inside one value are left to serde_json.
pub const MAX_NESTING: u32 = 128;

const ONES: u64 = u64::MAX / 255;
const HIGH: u64 = ONES << 7;

/// The members of the JSON object that is the whole of `text` (whitespace around it allowed), in
/// document order, appended to `out`; `false` when this scan does not vouch for `text` (invalid, or
/// a case left to serde_json), in which case `out` holds a partial list the caller discards.
pub fn object<'a, M: Member<'a>>(text: &'a str, out: &mut Vec<M>) -> bool {
    object_members(text, out).is_some()
}

/// What [`object`] makes of a member: from its key (the text between the quotes, which holds no
/// escape) and its value's text. Callers store members their own way without a second vector.
pub trait Member<'a> {
    fn new(key: &'a str, value: &'a str) -> Self;
}

impl<'a> Member<'a> for (&'a str, &'a str) {
    fn new(key: &'a str, value: &'a str) -> Self {
        (key, value)
    }
}

// Members go into a vector of one type for every caller in the engine, not to a callback: with a
// callback (generic or `dyn`) for a second caller, LLVM laid the scan out differently under
// `opt-level = "s"` and the interpreted module ran 2.5% more instructions per CloudTrail record.
fn object_members<'a, M: Member<'a>>(text: &'a str, out: &mut Vec<M>) -> Option<()> {
    let b = text.as_bytes();
    let mut next = first_item(b, b'{', b'}')?;
    while let Next::Item(i) = next {
        if *b.get(i)? != b'"' {
            return None;
        }
        // A key with an escape is read by serde_json, which also checks its `\u` escapes.
        let key_end = string_end::<false>(b, i + 1)?;
        let key = text.get(i + 1..key_end - 1)?;
        let colon = whitespace(b, key_end);
        if *b.get(colon)? != b':' {
            return None;
        }
        let start = whitespace(b, colon + 1);
        let end = value_end(b, start)?;
        out.push(M::new(key, text.get(start..end)?));
        next = next_item(b, end, b'}')?;
    }
    Some(())
}

/// The elements of the JSON array that is the whole of `text`, as [`object`] gives members (a
/// CloudTrail delivery file's `Records`, a log group's `logEvents`).
pub fn array<'a>(text: &'a str, out: &mut Vec<&'a str>) -> bool {
    array_elements(text, out).is_some()
}

fn array_elements<'a>(text: &'a str, out: &mut Vec<&'a str>) -> Option<()> {
    let b = text.as_bytes();
    let mut next = first_item(b, b'[', b']')?;
    while let Next::Item(start) = next {
        let end = value_end(b, start)?;
        out.push(text.get(start..end)?);
        next = next_item(b, end, b']')?;
    }
    Some(())
}

/// Where the whole text's container goes on: its next item starts at an offset, or it has closed
/// with only whitespace after it.
enum Next {
    Item(usize),
    Done,
}

/// After the opening bracket, which must be the text's first byte but for whitespace.
// This and `next_item` are inlined by hand: left to LLVM they cost the interpreted module 1.3% more
// instructions per CloudTrail record than the two loops written out.
#[inline(always)]
fn first_item(b: &[u8], open: u8, close: u8) -> Option<Next> {
    let i = whitespace(b, 0);
    if *b.get(i)? != open {
        return None;
    }
    let i = whitespace(b, i + 1);
    if *b.get(i)? == close {
        return closed(b, i);
    }
    Some(Next::Item(i))
}

/// After an item ending at `end`: a comma and the next item, or the closing bracket.
#[inline(always)]
fn next_item(b: &[u8], end: usize, close: u8) -> Option<Next> {
    let i = whitespace(b, end);
    match *b.get(i)? {
        b',' => Some(Next::Item(whitespace(b, i + 1))),
        c if c == close => closed(b, i),
        _ => None,
    }
}

/// The closing bracket at `i` ends the text, but for whitespace.
fn closed(b: &[u8], i: usize) -> Option<Next> {
    (whitespace(b, i + 1) == b.len()).then_some(Next::Done)
}

/// JSON's four whitespace bytes.
fn whitespace(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// Where the value starting at `i` ends (exclusive), validating it.
// Inlined into both callers: left to LLVM under `opt-level = "s"`, a second caller (arrays) made it an
// out-of-line call per member and the interpreted module ran 1.9% more instructions per record.
#[inline(always)]
fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    // One bit per open container, set for an object; `depth` of them are in use.
    let mut kinds: u128 = 0;
    let mut depth: u32 = 0;
    loop {
        // A value is expected at `i`.
        match *b.get(i)? {
            b'"' => i = string_end::<true>(b, i + 1)?,
            open @ (b'{' | b'[') => {
                let after = whitespace(b, i + 1);
                let close = if open == b'{' { b'}' } else { b']' };
                if *b.get(after)? == close {
                    i = after + 1;
                } else {
                    if depth == MAX_NESTING {
                        return None;
                    }
                    kinds = (kinds << 1) | u128::from(open == b'{');
                    depth += 1;
                    i = if open == b'{' {
                        member_value(b, after)?
                    } else {
                        after
                    };
                    continue;
                }
            }
            b't' => i = literal(b, i, b"true")?,
            b'f' => i = literal(b, i, b"false")?,
            b'n' => i = literal(b, i, b"null")?,
            b'-' | b'0'..=b'9' => i = number_end(b, i)?,
            _ => return None,
        }
        // After a value: close what ends here, then expect the next value.
        loop {
            if depth == 0 {
                return Some(i);
            }
            i = whitespace(b, i);
            let in_object = kinds & 1 == 1;
            match *b.get(i)? {
                b',' => {
                    let after = whitespace(b, i + 1);
                    i = if in_object {
                        member_value(b, after)?
                    } else {
                        after
                    };
                    break;
                }
                b'}' if in_object => {}
                b']' if !in_object => {}
                _ => return None,
            }
            i += 1;
            kinds >>= 1;
            depth -= 1;
        }
    }
}

/// At a member's key: skips the key and its colon, giving where the value starts.
fn member_value(b: &[u8], i: usize) -> Option<usize> {
    if *b.get(i)? != b'"' {
        return None;
    }
    let i = whitespace(b, string_end::<true>(b, i + 1)?);
    if *b.get(i)? != b':' {
        return None;
    }
    Some(whitespace(b, i + 1))
}

fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    (b.get(i..i + word.len())? == word).then_some(i + word.len())
}

/// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match *b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits_end(b, i),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        let end = digits_end(b, i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let end = digits_end(b, i);
        if end == i {
            return None;
        }
        i = end;
    }
    Some(i)
}

fn digits_end(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// From just after an opening quote to just after the closing one, validating escapes and refusing
/// control characters (any escape, without `ESCAPES`). The input is a `str`, so its UTF-8 is
/// already valid.
fn string_end<const ESCAPES: bool>(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        while let Some(chunk) = b.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let word = u64::from_le_bytes(word);
            let found = special_bytes(word);
            if found != 0 {
                // The lowest flagged byte is always a real one (borrows only run upwards).
                i += (found.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' if ESCAPES => {
                i += 1;
                match *b.get(i)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 1,
                    b'u' => {
                        if !b.get(i + 1..i + 5)?.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        i += 5;
                    }
                    _ => return None,
                }
            }
            b'\\' | 0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

/// The high bit of each byte of `word` that is a quote, a backslash or a control character.
fn special_bytes(word: u64) -> u64 {
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let quote = quote.wrapping_sub(ONES) & !quote;
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let backslash = backslash.wrapping_sub(ONES) & !backslash;
    (control | quote | backslash) & HIGH
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::json::Object;

    /// serde_json's reading of `text` as an object: its members, or `None` when it refuses it.
    fn serde_members(text: &str) -> Option<Vec<(String, String)>> {
        let object: Object<'_> = serde_json::from_str(text).ok()?;
        Some(
            object
                .entries()
                .map(|(k, v)| (k.to_owned(), v.get().to_owned()))
                .collect(),
        )
    }

    fn scan_members(text: &str) -> Option<Vec<(String, String)>> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        object(text, &mut out).then(|| {
            out.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    }

    /// What the scan accepts, serde_json accepts with the same reading; what it leaves, serde_json
    /// decides. `leaves` says whether this text is one the scan may leave although serde_json takes it.
    fn same_reading<T: PartialEq + std::fmt::Debug>(
        text: &str,
        ours: Option<T>,
        theirs: Option<T>,
        leaves: bool,
    ) {
        match (ours, theirs) {
            (Some(ours), Some(theirs)) => assert_eq!(ours, theirs, "{text:?}"),
            (Some(_), None) => panic!("the scan accepted what serde_json refuses: {text:?}"),
            (None, Some(_)) => assert!(
                leaves,
                "the scan left a plain value to serde_json: {text:?}"
            ),
            (None, None) => {}
        }
    }

    fn agrees(text: &str, leaves: bool) {
        same_reading(text, scan_members(text), serde_members(text), leaves);
    }

    /// [`agrees`] for arrays, against serde_json's `Vec<&RawValue>`.
    fn array_agrees(text: &str, leaves: bool) {
        let mut out = Vec::new();
        let ours = array(text, &mut out).then_some(out);
        let theirs: Option<Vec<&serde_json::value::RawValue>> = serde_json::from_str(text).ok();
        let theirs = theirs.map(|v| v.iter().map(|r| r.get()).collect());
        same_reading(text, ours, theirs, leaves);
    }

    #[test]
    fn arrays_give_serde_jsons_elements() {
        for text in ["[]", " [ ] ", "[1]", r#"[ {"a":1} , [2,[]] ,"s",null ]"#] {
            array_agrees(text, false);
        }
        for text in ["[", "[1,]", "[,1]", "[1 2]", "[1]]", "{}", "[1]x", ""] {
            let mut out = Vec::new();
            assert!(!array(text, &mut out), "accepted {text:?}");
            array_agrees(text, false);
        }
    }

    #[test]
    fn valid_objects_give_serde_jsons_members() {
        for text in [
            "{}",
            " \t\r\n{ } \n",
            r#"{"a":1}"#,
            r#"{ "a" : "x" , "b" : [ ] , "c" : { } , "d" : [ 1 , { "e" : null } ] }"#,
            r#"{"n":[0,-0,1.5,-2.25e10,3E+2,4e-7,123456789012345678901234567890]}"#,
            r#"{"t":true,"f":false,"z":null,"s":""}"#,
            r#"{"esc":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00","lone":"\uD800"}"#,
            r#"{"utf8":"é — 雪 🎉","k雪":"v"}"#,
            r#"{"dup":1,"dup":{"dup":[2]}}"#,
            r#"{"nested":{"a":{"b":{"c":[[[[{"d":"\"}"}]]]]}}}}"#,
            r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"eventName":"StopLogging","requestParameters":{"name":"org-trail"},"responseElements":null,"readOnly":false}"#,
            // Exactly eight bytes, and strings that end at each offset of a word.
            r#"{"a":""}"#,
            r#"{"abcdefg":"1234567","abcdefgh":"12345678","abcdefghi":"123456789"}"#,
        ] {
            agrees(text, false);
            assert!(scan_members(text).is_some(), "{text}");
        }
    }

    #[test]
    fn invalid_objects_are_refused() {
        for text in [
            "",
            " ",
            "[]",
            "\"s\"",
            "1",
            "{",
            "}",
            r#"{"a"}"#,
            r#"{"a":}"#,
            r#"{"a":1,}"#,
            r#"{,"a":1}"#,
            r#"{"a":1 "b":2}"#,
            r#"{"a":1}x"#,
            r#"{"a":1}{}"#,
            r#"{a:1}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":[,1]}"#,
            r#"{"a":[1 2]}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":{"b":1,}}"#,
            r#"{"a":{1:2}}"#,
            r#"{"a":[}"#,
            r#"{"a":{]}"#,
            r#"{"a":01}"#,
            r#"{"a":-}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":1e+}"#,
            r#"{"a":+1}"#,
            r#"{"a":1x}"#,
            r#"{"a":tru}"#,
            r#"{"a":nul}"#,
            r#"{"a":True}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12G4"}"#,
            r#"{"a":"\u12"}"#,
            "{\"a\":\"tab\there\"}",
            "{\"a\":\"new\nline\"}",
            "{\"a\u{1}\":1}",
            r#"{"a":"unterminated}"#,
            r#"{"a":"x"#,
            r#"{"a":[1,2"#,
            r#"{"a":{"b":[1,{"c":"#,
        ] {
            assert!(scan_members(text).is_none(), "accepted {text:?}");
            assert!(serde_members(text).is_none(), "serde_json accepts {text:?}");
        }
    }

    #[test]
    fn escaped_keys_and_deep_nesting_are_left_to_serde_json() {
        let escaped = r#"{"e\u0073c":1,"plain":2}"#;
        assert!(scan_members(escaped).is_none());
        agrees(escaped, true);
        let deep = format!(
            r#"{{"a":{}1{}}}"#,
            "[".repeat(MAX_NESTING as usize + 1),
            "]".repeat(MAX_NESTING as usize + 1)
        );
        assert!(scan_members(&deep).is_none());
        let at_limit = format!(
            r#"{{"a":{}1{}}}"#,
            "[".repeat(MAX_NESTING as usize),
            "]".repeat(MAX_NESTING as usize)
        );
        assert!(scan_members(&at_limit).is_some());
        agrees(&at_limit, false);
    }

    /// Every record of the recorded CloudTrail, Kubernetes, GCP and Azure streams, and every text
    /// one deletion or one structural byte away from the first records: the scan never accepts what
    /// serde_json refuses, and takes every valid plain object.
    #[test]
    fn agrees_with_serde_json_on_recorded_events_and_their_near_misses() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata");
        let mut records = Vec::new();
        for dir in ["aws", "k8s", "gcp", "azure", "docker", "adversarial"] {
            let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else {
                continue;
            };
            let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths {
                if path.extension().is_some_and(|e| e == "ndjson")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    records.extend(text.lines().map(str::to_owned));
                }
            }
        }
        assert!(records.len() > 100, "{} records", records.len());
        for record in &records {
            let leaves = record.contains('\\') || record.contains("[[[[");
            agrees(record, leaves);
            array_agrees(&format!("[{record},{record}]"), leaves);
        }
        let mut mutated = 0;
        for record in records.iter().filter(|r| r.len() < 2_000).take(12) {
            let bytes = record.as_bytes();
            for at in 0..bytes.len() {
                let mut variants = vec![[&bytes[..at], &bytes[at + 1..]].concat()];
                for b in [
                    b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'1', b'e', b'\n', 0x01,
                ] {
                    variants.push([&bytes[..at], &[b], &bytes[at..]].concat());
                }
                for variant in variants {
                    if let Ok(text) = std::str::from_utf8(&variant) {
                        agrees(text, true);
                        array_agrees(&format!("[{text}]"), true);
                        mutated += 1;
                    }
                }
            }
        }
        assert!(mutated > 10_000, "{mutated} near misses");
    }
}
