//! Shapes that must be rebuilt before a source parser can read them: Security Lake's OCSF records, and
//! lake exports that keep CloudTrail's request and response bodies as JSON text. Each becomes the
//! canonical event's JSON text (one allocation per event), which `envelope` parses and passes on
//! marked with its `shape_note`, so rules read the same typed events as for the canonical shape.
//!
//! Only objects whose keys hold no upper-case letter are looked at (`Object::is_folded`): OCSF names
//! are snake_case and Athena/Glue rows are lower-cased, while every canonical event has an upper-case
//! key. Canonical events pay one boolean test here.

use std::fmt::Write as _;

use serde_json::value::RawValue;

use super::json::{self, Object, Raw};
use super::{ocsf, shape_note};

/// The canonical text of an event given in another shape, and why it was rebuilt.
pub struct Reshaped {
    pub text: String,
    pub note: &'static str,
}

/// The canonical text of `object` when it is in a shape that needs rebuilding; `None` otherwise.
pub fn reshape(object: &Object<'_>) -> Option<Reshaped> {
    if !object.is_folded() {
        return None;
    }
    if let Some(reshaped) = ocsf::to_canonical(object) {
        return Some(reshaped);
    }
    stringified_bodies(object)
}

/// CloudTrail fields that Athena's CloudTrail table (and exports of it) keep as JSON text.
const STRINGIFIED: [&str; 4] = [
    "requestparameters",
    "responseelements",
    "additionaleventdata",
    "serviceeventdetails",
];

/// A lower-cased CloudTrail row whose `requestparameters` (or another body) is a JSON string holding an
/// object: the same row with that text in place of the string.
fn stringified_bodies(object: &Object<'_>) -> Option<Reshaped> {
    if !super::aws_cloudtrail::matches(object) {
        return None;
    }
    let mut any = false;
    let mut out = JsonWriter::new();
    for (key, raw) in object.entries() {
        let inner = STRINGIFIED
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key))
            .then(|| json_text(raw))
            .flatten();
        match inner {
            Some(inner) => {
                any = true;
                out.raw(key, Raw::from(&*inner));
            }
            None => out.raw(key, raw),
        }
    }
    any.then(|| Reshaped {
        text: out.finish(),
        note: shape_note::STRINGIFIED_BODIES,
    })
}

/// The JSON object or array held in a JSON string value (`"{\"name\":\"x\"}"`), validated.
pub fn json_text(raw: Raw<'_>) -> Option<Box<RawValue>> {
    let text = json::raw_str(raw)?;
    let trimmed = text.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Box<RawValue>>(trimmed).ok()
}

/// Writes a JSON object key by key. Values are copied as raw JSON or escaped strings, so what a
/// source wrote reaches the canonical text unchanged.
pub struct JsonWriter {
    out: String,
    /// Whether the innermost open object has no member yet.
    empty: Vec<bool>,
}

impl JsonWriter {
    pub fn new() -> JsonWriter {
        let mut out = String::with_capacity(512);
        out.push('{');
        JsonWriter {
            out,
            empty: vec![true],
        }
    }

    fn key(&mut self, key: &str) {
        if let Some(empty) = self.empty.last_mut() {
            if !*empty {
                self.out.push(',');
            }
            *empty = false;
        }
        push_string(&mut self.out, key);
        self.out.push(':');
    }

    /// A member whose value is raw JSON text.
    pub fn raw(&mut self, key: &str, value: Raw<'_>) {
        self.key(key);
        self.out.push_str(value.get());
    }

    pub fn raw_opt(&mut self, key: &str, value: Option<Raw<'_>>) {
        if let Some(value) = value.filter(|v| !json::is_null(*v)) {
            self.raw(key, value);
        }
    }

    pub fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        push_string(&mut self.out, value);
    }

    pub fn str_opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(key, value);
        }
    }

    pub fn int(&mut self, key: &str, value: i64) {
        self.key(key);
        let _ = write!(self.out, "{value}");
    }

    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
    }

    /// A member holding an array of strings.
    pub fn str_list<'s>(&mut self, key: &str, values: impl IntoIterator<Item = &'s str>) {
        self.key(key);
        self.out.push('[');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_string(&mut self.out, value);
        }
        self.out.push(']');
    }

    /// Open a nested object member; close it with `close`.
    pub fn open(&mut self, key: &str) {
        self.key(key);
        self.out.push('{');
        self.empty.push(true);
    }

    pub fn close(&mut self) {
        if self.empty.len() > 1 {
            self.empty.pop();
            self.out.push('}');
        }
    }

    pub fn finish(mut self) -> String {
        while self.empty.len() > 1 {
            self.close();
        }
        self.out.push('}');
        self.out
    }
}

impl Default for JsonWriter {
    fn default() -> Self {
        JsonWriter::new()
    }
}

fn push_string(out: &mut String, value: &str) {
    // Serialising a `str` cannot fail; the fallback keeps the output valid JSON regardless.
    match serde_json::to_string(value) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::aws_cloudtrail::Record;

    #[test]
    fn writer_escapes_and_nests() {
        let mut w = JsonWriter::new();
        w.str("a", "x\"y");
        w.open("b");
        w.int("n", -3);
        w.bool("t", true);
        w.str_list("l", ["p", "q"]);
        w.close();
        w.open("empty");
        let text = w.finish();
        assert_eq!(
            text,
            r#"{"a":"x\"y","b":{"n":-3,"t":true,"l":["p","q"]},"empty":{}}"#
        );
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    }

    /// An Athena CloudTrail row (the table AWS documents for querying CloudTrail logs) exported as
    /// JSON: lower-cased columns, `requestparameters` as JSON text, the timestamp as Athena prints it.
    const ATHENA_STOP_LOGGING: &str = r#"{"eventversion":"1.08","useridentity":{"type":"AssumedRole","principalid":"AROAQ3EGXWZ7MT9RB6N4A:dev-sync","arn":"arn:aws:sts::111122223333:assumed-role/platform-admin/dev-sync","accountid":"111122223333","sessioncontext":{"attributes":{"mfaauthenticated":"false"},"sessionissuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/platform-admin","username":"platform-admin"}}},"eventtime":"2026-11-27 08:20:33","eventsource":"cloudtrail.amazonaws.com","eventname":"StopLogging","awsregion":"us-east-1","sourceipaddress":"203.0.113.45","useragent":"aws-cli/2.15.30","errorcode":null,"requestparameters":"{\"name\":\"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail\"}","responseelements":null,"eventid":"e5bea8b1-9db3-4038-9416-338386a10f8b","readonly":"false","eventtype":"AwsApiCall","recipientaccountid":"111122223333"}"#;

    #[test]
    fn athena_rows_get_their_bodies_back() {
        let object = Object::parse(ATHENA_STOP_LOGGING).expect("object");
        let reshaped = reshape(&object).expect("reshaped");
        assert_eq!(reshaped.note, shape_note::STRINGIFIED_BODIES);
        let canonical = Object::parse(&reshaped.text).expect("valid JSON");
        let record = Record::from_object(&canonical);
        assert_eq!(record.event_name, "StopLogging");
        let params = record.params().expect("parameters object");
        assert_eq!(
            params.str("name").as_deref(),
            Some("arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail")
        );
        assert_eq!(
            record.identity.issuer_user_name.as_deref(),
            Some("platform-admin")
        );
        assert_eq!(record.identity.mfa_authenticated, Some(false));
        assert!(!record.is_read_only());
        let fields = record.normalize();
        assert_eq!(
            fields.event_time,
            crate::sources::time::rfc3339_micros("2026-11-27T08:20:33Z")
        );
    }

    #[test]
    fn canonical_and_plain_rows_are_left_alone() {
        let canonical = Object::parse(r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2026-11-27T08:20:33Z","requestParameters":"{}"}"#).expect("o");
        assert!(reshape(&canonical).is_none());
        let object_params = Object::parse(r#"{"eventsource":"s3.amazonaws.com","eventname":"PutBucketLogging","requestparameters":{"bucketName":"b"}}"#).expect("o");
        assert!(reshape(&object_params).is_none());
        let not_json = Object::parse(
            r#"{"eventsource":"s3.amazonaws.com","eventname":"X","requestparameters":"name=x"}"#,
        )
        .expect("o");
        assert!(reshape(&not_json).is_none());
    }
}
