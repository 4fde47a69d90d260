//! Amazon Security Lake's OCSF records, read back into the events the rules know.
//!
//! Security Lake stores CloudTrail management events and EKS audit logs as OCSF API Activity and VPC
//! flow logs as OCSF Network Activity (Security Lake source version 1 writes OCSF 1.0.0-rc.2, where
//! API Activity is `class_uid` 3005; version 2 writes OCSF 1.1.0, where it is 6003). Each record is
//! rebuilt as the canonical event it came from (a CloudTrail record, an `audit.k8s.io/v1` Event, an
//! AWS flow-log JSON record) and read by that source's parser, so rules need no OCSF knowledge.
//! A Parquet row converted to JSON with the same nested names reads the same way.
//!
//! Field names follow Security Lake's source identification table and OCSF's mapping dossiers for
//! CloudTrail, EKS and VPC Flow Logs (github.com/ocsf/examples); `docs/sources.md` lists what maps.

mod api_activity;
mod network_activity;

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::json::{self, Object, Raw};
use super::reshape::Reshaped;
use super::shape_note;

/// The OCSF records this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// API Activity from CloudTrail (management events).
    CloudTrail,
    /// API Activity from Amazon EKS audit logs.
    EksAudit,
    /// Network Activity from Amazon VPC flow logs.
    VpcFlow,
}

/// OCSF 1.1.0 API Activity.
const API_ACTIVITY: i64 = 6003;
/// OCSF 1.0.0-rc.2 API Activity (Security Lake source version 1).
const API_ACTIVITY_RC2: i64 = 3005;
const NETWORK_ACTIVITY: i64 = 4001;

/// Which OCSF record this is, by `class_uid` and `metadata.product`; `None` for anything else
/// (other classes and products stay `unknown`).
pub fn classify(object: &Object<'_>) -> Option<Class> {
    let class = object.i64("class_uid")?;
    let metadata = object.object("metadata")?;
    let product = metadata.object("product");
    let name = product.as_ref().and_then(|p| p.str("name"));
    let vendor = product.as_ref().and_then(|p| p.str("vendor_name"));
    let aws = vendor
        .as_deref()
        .is_none_or(|v| v.eq_ignore_ascii_case("AWS"));
    let name = name.as_deref().unwrap_or("");
    match class {
        API_ACTIVITY | API_ACTIVITY_RC2 if aws && name.eq_ignore_ascii_case("CloudTrail") => {
            Some(Class::CloudTrail)
        }
        // "Amazon EKS" in Security Lake; other producers write "EKS" or "Amazon Elastic Kubernetes Service".
        API_ACTIVITY if aws && (name.contains("EKS") || name.contains("Kubernetes")) => {
            Some(Class::EksAudit)
        }
        NETWORK_ACTIVITY if aws && name.eq_ignore_ascii_case("Amazon VPC") => Some(Class::VpcFlow),
        _ => None,
    }
}

/// The canonical event text of an OCSF record this module reads.
pub fn to_canonical(object: &Object<'_>) -> Option<Reshaped> {
    let (text, note) = match classify(object)? {
        Class::CloudTrail => (
            api_activity::cloudtrail(object)?,
            shape_note::OCSF_API_ACTIVITY,
        ),
        Class::EksAudit => (
            api_activity::k8s_audit(object)?,
            shape_note::OCSF_API_ACTIVITY,
        ),
        Class::VpcFlow => (
            network_activity::flow_record(object)?,
            shape_note::OCSF_NETWORK_ACTIVITY,
        ),
    };
    Some(Reshaped { text, note })
}

/// The value at a path of object keys, unless absent or null.
fn at<'a>(object: &Object<'a>, keys: &[&str]) -> Option<Raw<'a>> {
    object.path(keys).filter(|r| !json::is_null(*r))
}

fn str_at<'a>(object: &Object<'a>, keys: &[&str]) -> Option<Cow<'a, str>> {
    at(object, keys).and_then(json::raw_str)
}

fn i64_at(object: &Object<'_>, keys: &[&str]) -> Option<i64> {
    at(object, keys).and_then(json::raw_i64)
}

fn object_at<'a>(object: &Object<'a>, keys: &[&str]) -> Option<Object<'a>> {
    at(object, keys).and_then(|r| Object::from_raw(r).ok())
}

/// The record's top-level objects, each parsed once: reading a nested field by path would parse its
/// enclosing objects again for every field.
#[derive(Default)]
struct Parts<'a> {
    api: Object<'a>,
    request: Object<'a>,
    response: Object<'a>,
    metadata: Object<'a>,
    cloud: Object<'a>,
    src: Object<'a>,
    http: Object<'a>,
    unmapped: Unmapped<'a>,
}

impl<'a> Parts<'a> {
    fn of(o: &Object<'a>) -> Parts<'a> {
        let part = |key: &str| o.object(key).unwrap_or_default();
        let api = part("api");
        Parts {
            request: api.object("request").unwrap_or_default(),
            response: api.object("response").unwrap_or_default(),
            api,
            metadata: part("metadata"),
            cloud: part("cloud"),
            src: part("src_endpoint"),
            http: part("http_request"),
            unmapped: Unmapped::of(o),
        }
    }
}

/// `unmapped`, which holds the source fields OCSF has no attribute for. Security Lake writes it as a
/// JSON object; a Parquet map converted to JSON may be a list of `{key, value}` pairs.
#[derive(Default)]
enum Unmapped<'a> {
    Map(Object<'a>),
    Pairs(Vec<Object<'a>>),
    #[default]
    None,
}

impl<'a> Unmapped<'a> {
    fn of(o: &Object<'a>) -> Unmapped<'a> {
        let Some(raw) = at(o, &["unmapped"]) else {
            return Unmapped::None;
        };
        if let Ok(map) = Object::from_raw(raw) {
            return Unmapped::Map(map);
        }
        match json::raw_array(raw) {
            Some(pairs) => Unmapped::Pairs(
                pairs
                    .into_iter()
                    .filter_map(|pair| Object::from_raw(pair).ok())
                    .collect(),
            ),
            None => Unmapped::None,
        }
    }

    fn get(&self, key: &str) -> Option<Raw<'a>> {
        let value = match self {
            Unmapped::Map(map) => map.raw(key),
            Unmapped::Pairs(pairs) => pairs
                .iter()
                .find(|pair| pair.str("key").as_deref() == Some(key))
                .and_then(|pair| pair.raw("value")),
            Unmapped::None => None,
        };
        value.filter(|r| !json::is_null(*r))
    }
}

/// A JSON body that Security Lake keeps either as an object or as JSON text in a string.
fn body(raw: Raw<'_>) -> Option<Body<'_>> {
    if raw.get().starts_with('{') || raw.get().starts_with('[') {
        return Some(Body::Span(raw));
    }
    super::reshape::json_text(raw).map(Body::Parsed)
}

/// What [`body`] found: the event's own span, or the JSON that a string held.
enum Body<'a> {
    Span(Raw<'a>),
    Parsed(Box<RawValue>),
}

impl Body<'_> {
    fn raw(&self) -> Raw<'_> {
        match self {
            Body::Span(raw) => *raw,
            Body::Parsed(parsed) => Raw::from(&**parsed),
        }
    }
}

/// OCSF `time`, epoch milliseconds (a number, or a decimal string after some conversions), else the
/// `_dt` form when the datetime profile wrote one.
fn time_at(object: &Object<'_>, epoch_key: &str, dt_key: &str) -> Option<String> {
    i64_at(object, &[epoch_key])
        .and_then(super::time::epoch_millis_rfc3339)
        .or_else(|| str_at(object, &[dt_key]).map(Cow::into_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_class_and_product() {
        let ct = r#"{"class_uid":6003,"metadata":{"product":{"name":"CloudTrail","vendor_name":"AWS"},"version":"1.1.0"}}"#;
        let rc2 = r#"{"class_uid":3005,"metadata":{"product":{"name":"CloudTrail","vendor_name":"AWS"},"version":"1.0.0-rc.2"}}"#;
        let eks = r#"{"class_uid":6003,"metadata":{"product":{"name":"Amazon EKS","vendor_name":"AWS"},"version":"1.1.0"}}"#;
        let vpc = r#"{"class_uid":"4001","metadata":{"product":{"name":"Amazon VPC","vendor_name":"AWS"}}}"#;
        let dns =
            r#"{"class_uid":4003,"metadata":{"product":{"name":"Route 53","vendor_name":"AWS"}}}"#;
        let other = r#"{"class_uid":6003,"metadata":{"product":{"name":"CloudTrail","vendor_name":"Okta"}}}"#;
        let classes: Vec<Option<Class>> = [ct, rc2, eks, vpc, dns, other]
            .iter()
            .map(|t| classify(&Object::parse(t).expect("object")))
            .collect();
        assert_eq!(
            classes,
            [
                Some(Class::CloudTrail),
                Some(Class::CloudTrail),
                Some(Class::EksAudit),
                Some(Class::VpcFlow),
                None,
                None
            ]
        );
    }

    #[test]
    fn unmapped_as_object_or_pairs() {
        let unmapped =
            |o: &Object<'_>, key: &str| Unmapped::of(o).get(key).map(|r| r.get().to_owned());
        let a = Object::parse(r#"{"unmapped":{"eventType":"AwsApiCall"}}"#).expect("o");
        assert_eq!(unmapped(&a, "eventType").as_deref(), Some("\"AwsApiCall\""));
        let b = Object::parse(
            r#"{"unmapped":[{"key":"x","value":"1"},{"key":"eventType","value":"AwsApiCall"}]}"#,
        )
        .expect("o");
        assert_eq!(unmapped(&b, "eventType").as_deref(), Some("\"AwsApiCall\""));
        let c = Object::parse(r#"{"unmapped":null}"#).expect("o");
        assert!(unmapped(&c, "eventType").is_none());
    }
}
