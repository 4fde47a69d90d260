//! AWS CloudTrail management events (one record; envelopes are unwrapped in `envelope`).

use std::borrow::Cow;

use super::json::{self, Object, Raw};
use super::time::rfc3339_micros;
use crate::model::{Normalized, Outcome};

/// The fields of a CloudTrail record that normalisation and rules read. Strings borrow from the input
/// unless they contained escapes.
#[derive(Debug)]
pub struct Record<'a> {
    pub event_source: Cow<'a, str>,
    pub event_name: Cow<'a, str>,
    pub event_time: Option<Cow<'a, str>>,
    pub event_id: Option<Cow<'a, str>>,
    pub event_type: Option<Cow<'a, str>>,
    pub aws_region: Option<Cow<'a, str>>,
    pub source_ip: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    pub error_code: Option<Cow<'a, str>>,
    pub error_message: Option<Cow<'a, str>>,
    pub read_only: Option<bool>,
    pub recipient_account_id: Option<Cow<'a, str>>,
    pub identity: Identity<'a>,
    request_parameters: Option<Raw<'a>>,
    resources: Option<Raw<'a>>,
}

/// `userIdentity`, flattened.
#[derive(Debug, Default)]
pub struct Identity<'a> {
    pub kind: Option<Cow<'a, str>>,
    pub arn: Option<Cow<'a, str>>,
    pub account_id: Option<Cow<'a, str>>,
    pub user_name: Option<Cow<'a, str>>,
    pub invoked_by: Option<Cow<'a, str>>,
    pub issuer_arn: Option<Cow<'a, str>>,
    pub issuer_user_name: Option<Cow<'a, str>>,
    pub mfa_authenticated: Option<bool>,
}

/// Whether an object has the shape of a CloudTrail record. A complete record names its source, event
/// and time. Records cut down by a filter or a lake query keep at least `eventName` and `eventSource`;
/// without `eventTime` the source must be an AWS service endpoint, so that another product's
/// `eventName`/`eventSource` pair is not taken for CloudTrail.
pub fn matches(object: &Object<'_>) -> bool {
    // One lookup at a time: most events are not CloudTrail and stop at the first.
    let Some(source) = object.raw("eventSource") else {
        return false;
    };
    let Some(name) = object.raw("eventName") else {
        return false;
    };
    if object.has("eventTime") {
        return true;
    }
    name.get().starts_with('"') && json::raw_str(source).is_some_and(|s| is_aws_endpoint(&s))
}

/// `cloudtrail.amazonaws.com`, `ec2.amazonaws.com`, or the China partition's `*.amazonaws.com.cn`.
fn is_aws_endpoint(source: &str) -> bool {
    source.ends_with(".amazonaws.com") || source.ends_with(".amazonaws.com.cn")
}

/// Whether a record that `matches` lacks what every delivered CloudTrail record carries (a lake or
/// a filter kept only some fields).
pub fn is_partial(object: &Object<'_>) -> bool {
    !object.has("eventTime") || !object.has("eventID")
}

impl<'a> Record<'a> {
    /// Read a record. Fields of the wrong type count as absent: an attacker who writes odd values into
    /// a record should lose detail, never crash the reader.
    pub fn from_object(object: &Object<'a>) -> Record<'a> {
        Record {
            event_source: object.str("eventSource").unwrap_or_default(),
            event_name: object.str("eventName").unwrap_or_default(),
            event_time: object.str("eventTime"),
            event_id: object.str("eventID"),
            event_type: object.str("eventType"),
            aws_region: object.str("awsRegion"),
            source_ip: object.str("sourceIPAddress"),
            user_agent: object.str("userAgent"),
            error_code: object.str("errorCode").filter(|c| !c.is_empty()),
            error_message: object.str("errorMessage"),
            read_only: object.bool("readOnly"),
            recipient_account_id: object.str("recipientAccountId"),
            identity: object
                .raw("userIdentity")
                .map(Identity::from_raw)
                .unwrap_or_default(),
            request_parameters: object.raw("requestParameters"),
            resources: object.raw("resources"),
        }
    }

    /// `requestParameters` as an object; `None` when null, absent or not an object.
    pub fn params(&self) -> Option<Object<'a>> {
        self.request_parameters
            .filter(|r| r.get().starts_with('{'))
            .and_then(|r| Object::from_raw(r).ok())
    }

    /// The service part of `eventSource` (`cloudtrail` for `cloudtrail.amazonaws.com`).
    pub fn service(&self) -> &str {
        service_of(&self.event_source)
    }

    pub fn failed(&self) -> bool {
        self.error_code.is_some()
    }

    /// CloudTrail marks reads with `readOnly: true`; names are the fallback for records that omit it.
    pub fn is_read_only(&self) -> bool {
        is_read_only(self.read_only, &self.event_name)
    }

    /// Who acted, as one string: the ARN where there is one, else the invoking service.
    pub fn principal(&self) -> Option<&str> {
        self.identity
            .arn
            .as_deref()
            .or(self.identity.invoked_by.as_deref())
            .or(self.identity.user_name.as_deref())
    }

    pub fn account(&self) -> Option<&str> {
        self.recipient_account_id
            .as_deref()
            .or(self.identity.account_id.as_deref())
    }

    /// The resource the call acted on: the first name-like request parameter, else the first ARN
    /// CloudTrail lists in `resources`.
    pub fn target(&self) -> Option<String> {
        const NAME_KEYS: [&str; 15] = [
            "name",
            "trailName",
            "eventDataStore",
            "bucketName",
            "logGroupName",
            "detectorId",
            "configurationRecorderName",
            "deliveryChannelName",
            "resolverQueryLogConfigId",
            "instanceId",
            "clusterName",
            "groupId",
            "networkAclId",
            "snapshotId",
            "associationId",
        ];
        if let Some(params) = self.params() {
            for key in NAME_KEYS {
                if let Some(value) = params.str(key) {
                    return Some(value.into_owned());
                }
            }
            if let Some(list) = params.array("standardsSubscriptionArns")
                && let Some(first) = list.first().and_then(|v| super::json::raw_str(*v))
            {
                return Some(first.into_owned());
            }
            if let Some(flow_logs) = params.path(&["DeleteFlowLogsRequest", "FlowLogId"]) {
                return flow_log_ids(flow_logs).into_iter().next();
            }
        }
        let resources = self.resources?;
        let list = super::json::raw_array(resources)?;
        list.iter()
            .filter_map(|r| Object::from_raw(*r).ok())
            .find_map(|r| r.str("ARN").map(Cow::into_owned))
    }

    pub fn normalize(&self) -> Normalized {
        Normalized {
            event_time: self.event_time.as_deref().and_then(rfc3339_micros),
            event_id: self.event_id.as_deref().map(str::to_owned),
            provider: Some("aws".to_owned()),
            account: self.account().map(str::to_owned),
            region: self.aws_region.as_deref().map(str::to_owned),
            principal: self.principal().map(str::to_owned),
            principal_type: self.identity.kind.as_deref().map(str::to_owned),
            source_ip: self.source_ip.as_deref().map(str::to_owned),
            user_agent: self.user_agent.as_deref().map(str::to_owned),
            action: Some(format!("{}:{}", self.service(), self.event_name)),
            target: self.target(),
            outcome: if self.failed() {
                Outcome::Failure
            } else {
                Outcome::Success
            },
        }
    }
}

fn service_of(event_source: &str) -> &str {
    event_source
        .split_once('.')
        .map_or(event_source, |(service, _)| service)
}

fn is_read_only(flag: Option<bool>, event_name: &str) -> bool {
    flag.unwrap_or_else(|| {
        ["Describe", "Get", "List", "Lookup", "Head", "Search"]
            .iter()
            .any(|prefix| event_name.starts_with(prefix))
    })
}

/// The little of a record the engine's fast path reads (`crate::interest`): which call it is, and
/// the facts correlation keeps for every event. Each is read exactly as `Record::from_object` and
/// `Record::normalize` read it, so an event that takes the fast path feeds correlation the same
/// values as one that is read in full.
pub struct Glance<'a> {
    pub event_source: Cow<'a, str>,
    pub event_name: Cow<'a, str>,
    read_only: Option<bool>,
}

impl<'a> Glance<'a> {
    pub fn read(object: &Object<'a>) -> Glance<'a> {
        Glance {
            event_source: object.str("eventSource").unwrap_or_default(),
            event_name: object.str("eventName").unwrap_or_default(),
            read_only: object.bool("readOnly"),
        }
    }

    pub fn service(&self) -> &str {
        service_of(&self.event_source)
    }

    pub fn is_read_only(&self) -> bool {
        is_read_only(self.read_only, &self.event_name)
    }

    /// `Normalized::event_time`.
    pub fn event_time(object: &Object<'a>) -> Option<i64> {
        object.str("eventTime").as_deref().and_then(rfc3339_micros)
    }

    /// `Normalized::source_ip`.
    pub fn source_ip(object: &Object<'a>) -> Option<Cow<'a, str>> {
        object.str("sourceIPAddress")
    }

    /// `Normalized::principal` (`Record::principal`), reading only the top level of `userIdentity`.
    pub fn principal(object: &Object<'a>) -> Option<Cow<'a, str>> {
        let raw = object.raw("userIdentity")?;
        if !raw.get().starts_with('{') {
            return None;
        }
        let who = wire::who(raw)?;
        who.arn.or(who.invoked_by).or(who.user_name)
    }
}

impl<'a> Identity<'a> {
    /// Read `userIdentity` in one pass over its text. Every CloudTrail record carries the nested
    /// `sessionContext.sessionIssuer` and `attributes`; reading them as `Object`s would scan the same
    /// bytes once per level (the largest cost of a record after the top-level scan). Same rules as
    /// `Object`: a value of the wrong type counts as absent, a repeated key's last value wins.
    pub fn from_raw(raw: Raw<'a>) -> Identity<'a> {
        if !raw.get().starts_with('{') {
            return Identity::default();
        }
        serde_json::from_str::<wire::Identity<'a>>(raw.get())
            .map(|w| w.0)
            .unwrap_or_default()
    }
}

/// Single-pass readers of `userIdentity` and the objects inside it.
mod wire {
    use std::borrow::Cow;
    use std::fmt;
    use std::marker::PhantomData;

    use serde::Deserialize;
    use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::value::RawValue;

    use super::super::json::{BorrowedKey, Raw, raw_bool, raw_str};

    pub struct Identity<'a>(pub super::Identity<'a>);

    /// What `sessionContext` holds that is read.
    #[derive(Default)]
    struct Session<'a> {
        issuer_arn: Option<Cow<'a, str>>,
        issuer_user_name: Option<Cow<'a, str>>,
        mfa_authenticated: Option<bool>,
    }

    #[derive(Default)]
    struct Issuer<'a> {
        arn: Option<Cow<'a, str>>,
        user_name: Option<Cow<'a, str>>,
    }

    #[derive(Default)]
    struct Attributes {
        mfa_authenticated: Option<bool>,
    }

    /// A value read as `T` when it is an object, and skipped (`None`) when it is anything else.
    struct IfObject<T>(Option<T>);

    trait FromMap<'de>: Sized + Default {
        fn visit_entry<M: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut M,
        ) -> Result<(), M::Error>;
    }

    /// The canonical spelling of a key a lake export wrote lower-cased (`accountid`), when `key` is
    /// one of `known` in another case. Only keys that matched no arm exactly get here.
    fn folded(key: &str, known: &[&'static str]) -> Option<&'static str> {
        known
            .iter()
            .find(|k| **k != key && k.eq_ignore_ascii_case(key))
            .copied()
    }

    fn str_value<'de, M: MapAccess<'de>>(map: &mut M) -> Result<Option<Cow<'de, str>>, M::Error> {
        let raw: &'de RawValue = map.next_value()?;
        Ok(raw_str(Raw::from(raw)))
    }

    impl<'de> FromMap<'de> for super::Identity<'de> {
        fn visit_entry<M: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut M,
        ) -> Result<(), M::Error> {
            match key {
                "type" => self.kind = str_value(map)?,
                "arn" => self.arn = str_value(map)?,
                "accountId" => self.account_id = str_value(map)?,
                "userName" => self.user_name = str_value(map)?,
                "invokedBy" => self.invoked_by = str_value(map)?,
                "sessionContext" => {
                    let session = map
                        .next_value::<IfObject<Session<'de>>>()?
                        .0
                        .unwrap_or_default();
                    self.issuer_arn = session.issuer_arn;
                    self.issuer_user_name = session.issuer_user_name;
                    self.mfa_authenticated = session.mfa_authenticated;
                }
                _ => match folded(
                    key,
                    &["accountId", "userName", "invokedBy", "sessionContext"],
                ) {
                    Some(canonical) => self.visit_entry(canonical, map)?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
            Ok(())
        }
    }

    /// The keys of `userIdentity` that say who acted; `sessionContext` is skipped, not read.
    #[derive(Default)]
    pub struct Who<'a> {
        pub arn: Option<Cow<'a, str>>,
        pub invoked_by: Option<Cow<'a, str>>,
        pub user_name: Option<Cow<'a, str>>,
    }

    /// Read `Who` from a `userIdentity` object with the same rules as `Identity`.
    pub fn who(raw: Raw<'_>) -> Option<Who<'_>> {
        serde_json::from_str::<IfObject<Who<'_>>>(raw.get())
            .ok()
            .and_then(|w| w.0)
    }

    impl<'de> FromMap<'de> for Who<'de> {
        fn visit_entry<M: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut M,
        ) -> Result<(), M::Error> {
            match key {
                "arn" => self.arn = str_value(map)?,
                "userName" => self.user_name = str_value(map)?,
                "invokedBy" => self.invoked_by = str_value(map)?,
                // The same folding as `Identity`: only keys that `Identity` folds onto a name read here.
                _ => match folded(key, &["userName", "invokedBy"]) {
                    Some(canonical) => self.visit_entry(canonical, map)?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
            Ok(())
        }
    }

    impl<'de> FromMap<'de> for Session<'de> {
        fn visit_entry<M: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut M,
        ) -> Result<(), M::Error> {
            match key {
                "sessionIssuer" => {
                    let issuer = map
                        .next_value::<IfObject<Issuer<'de>>>()?
                        .0
                        .unwrap_or_default();
                    self.issuer_arn = issuer.arn;
                    self.issuer_user_name = issuer.user_name;
                }
                "attributes" => {
                    self.mfa_authenticated = map
                        .next_value::<IfObject<Attributes>>()?
                        .0
                        .and_then(|a| a.mfa_authenticated);
                }
                _ => match folded(key, &["sessionIssuer"]) {
                    Some(canonical) => self.visit_entry(canonical, map)?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
            Ok(())
        }
    }

    impl<'de> FromMap<'de> for Issuer<'de> {
        fn visit_entry<M: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut M,
        ) -> Result<(), M::Error> {
            match key {
                "arn" => self.arn = str_value(map)?,
                "userName" => self.user_name = str_value(map)?,
                _ => match folded(key, &["userName"]) {
                    Some(canonical) => self.visit_entry(canonical, map)?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
            Ok(())
        }
    }

    impl<'de> FromMap<'de> for Attributes {
        fn visit_entry<M: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut M,
        ) -> Result<(), M::Error> {
            match key {
                "mfaAuthenticated" => {
                    let raw: &'de RawValue = map.next_value()?;
                    self.mfa_authenticated = raw_bool(Raw::from(raw));
                }
                _ => match folded(key, &["mfaAuthenticated"]) {
                    Some(canonical) => self.visit_entry(canonical, map)?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
            Ok(())
        }
    }

    struct IfObjectVisitor<T>(PhantomData<T>);

    impl<'de, T: FromMap<'de>> Visitor<'de> for IfObjectVisitor<T> {
        type Value = IfObject<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<IfObject<T>, M::Error> {
            let mut value = T::default();
            // Keys are borrowed when they hold no escape, as almost all do.
            while let Some(BorrowedKey(key)) = map.next_key()? {
                value.visit_entry(&key, &mut map)?;
            }
            Ok(IfObject(Some(value)))
        }

        fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<IfObject<T>, S::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(IfObject(None))
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<IfObject<T>, E> {
            Ok(IfObject(None))
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<IfObject<T>, E> {
            Ok(IfObject(None))
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<IfObject<T>, E> {
            Ok(IfObject(None))
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<IfObject<T>, E> {
            Ok(IfObject(None))
        }

        fn visit_str<E: de::Error>(self, _: &str) -> Result<IfObject<T>, E> {
            Ok(IfObject(None))
        }

        fn visit_unit<E: de::Error>(self) -> Result<IfObject<T>, E> {
            Ok(IfObject(None))
        }

        fn visit_none<E: de::Error>(self) -> Result<IfObject<T>, E> {
            Ok(IfObject(None))
        }
    }

    impl<'de, T: FromMap<'de>> Deserialize<'de> for IfObject<T> {
        fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(IfObjectVisitor(PhantomData))
        }
    }

    impl<'de: 'a, 'a> Deserialize<'de> for Identity<'a> {
        fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let read = IfObject::<super::Identity<'de>>::deserialize(deserializer)?;
            Ok(Identity(read.0.unwrap_or_default()))
        }
    }
}

/// CloudTrail writes EC2 list parameters in its XML-derived form: a bare string, a
/// `{"tag":1,"content":"fl-..."}` item, or a list of either.
pub fn flow_log_ids(raw: Raw<'_>) -> Vec<String> {
    if let Some(s) = super::json::raw_str(raw) {
        return vec![s.into_owned()];
    }
    if let Ok(item) = Object::from_raw(raw) {
        if let Some(content) = item.str("content") {
            return vec![content.into_owned()];
        }
        if let Some(inner) = item.raw("item") {
            return flow_log_ids(inner);
        }
        return Vec::new();
    }
    super::json::raw_array(raw)
        .unwrap_or_default()
        .into_iter()
        .flat_map(flow_log_ids)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward reading (one `Object` per level) that `Identity::from_raw` must agree with.
    fn identity_by_objects<'a>(raw: Raw<'a>) -> Identity<'a> {
        let Ok(object) = Object::from_raw(raw) else {
            return Identity::default();
        };
        let session = object.object("sessionContext");
        let issuer = session.as_ref().and_then(|s| s.object("sessionIssuer"));
        Identity {
            kind: object.str("type"),
            arn: object.str("arn"),
            account_id: object.str("accountId"),
            user_name: object.str("userName"),
            invoked_by: object.str("invokedBy"),
            issuer_arn: issuer.as_ref().and_then(|i| i.str("arn")),
            issuer_user_name: issuer.as_ref().and_then(|i| i.str("userName")),
            mfa_authenticated: session
                .as_ref()
                .and_then(|s| s.object("attributes"))
                .and_then(|a| a.bool("mfaAuthenticated")),
        }
    }

    #[test]
    fn one_pass_identity_reads_what_object_reading_does() {
        let cases = [
            r#"{"type":"AssumedRole","principalId":"AROAEXAMPLE:mallory","arn":"arn:aws:sts::111122223333:assumed-role/OpsAdmin/mallory","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/OpsAdmin","accountId":"111122223333","userName":"OpsAdmin"},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-27T08:01:00Z","mfaAuthenticated":"true"}}}"#,
            r#"{"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","sessionContext":{"attributes":{"mfaAuthenticated":true}}}"#,
            r#"{"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"}"#,
            r#"{"type":"IAMUser","userName":"al\"ice","arn":["not","a","string"],"sessionContext":"odd"}"#,
            r#"{"type":"A","type":"B","sessionContext":{"sessionIssuer":{"arn":"x"}},"sessionContext":{"sessionIssuer":7}}"#,
            r#"{"sessionContext":{"sessionIssuer":{"arn":"first"},"sessionIssuer":{"userName":"second"},"attributes":[1,{"mfaAuthenticated":true}]}}"#,
            r#"{"sessionContext":{"attributes":{"mfaAuthenticated":"False"},"attributes":null}}"#,
            r#"{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/OpsAdmin/mallory","accountid":"111122223333","username":null,"sessioncontext":{"sessionissuer":{"arn":"arn:aws:iam::111122223333:role/OpsAdmin","username":"OpsAdmin"},"attributes":{"mfaauthenticated":"false"}}}"#,
            r#"{"type":"AWSService","invokedby":"ec2.amazonaws.com"}"#,
            r#"{"arn":"arn:aws:iam::111122223333:user/a","arn":null,"userName":"b"}"#,
            r#"{}"#,
            r#""a string""#,
            r#"null"#,
            r#"[{"type":"Root"}]"#,
        ];
        for case in cases {
            let raw = Raw::parse(case).expect("raw");
            let fast = format!("{:?}", Identity::from_raw(raw));
            let slow = format!("{:?}", identity_by_objects(raw));
            assert_eq!(fast, slow, "{case}");
            // The fast path's principal is the full reading's.
            let record = format!(r#"{{"eventSource":"s3.amazonaws.com","userIdentity":{case}}}"#);
            let object = Object::parse(&record).expect("object");
            assert_eq!(
                Glance::principal(&object).as_deref(),
                Record::from_object(&object).principal(),
                "{case}"
            );
        }
    }

    const STOP_LOGGING: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:mallory","arn":"arn:aws:sts::111122223333:assumed-role/OpsAdmin/mallory","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/OpsAdmin","accountId":"111122223333","userName":"OpsAdmin"},"attributes":{"creationDate":"2026-11-27T08:01:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-27T08:15:04Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.30","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"},"responseElements":null,"requestID":"r","eventID":"0f7b5c7e-1111-2222-3333-444455556666","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

    #[test]
    fn normalises_an_assumed_role_call() {
        let object = Object::parse(STOP_LOGGING).expect("object");
        assert!(matches(&object));
        let record = Record::from_object(&object);
        let fields = record.normalize();
        assert_eq!(fields.provider.as_deref(), Some("aws"));
        assert_eq!(fields.account.as_deref(), Some("111122223333"));
        assert_eq!(fields.region.as_deref(), Some("us-east-1"));
        assert_eq!(
            fields.principal.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/OpsAdmin/mallory")
        );
        assert_eq!(fields.principal_type.as_deref(), Some("AssumedRole"));
        assert_eq!(fields.action.as_deref(), Some("cloudtrail:StopLogging"));
        assert_eq!(
            fields.target.as_deref(),
            Some("arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail")
        );
        assert_eq!(fields.outcome, Outcome::Success);
        assert_eq!(fields.event_time, Some(1_795_767_304_000_000));
        assert_eq!(record.identity.mfa_authenticated, Some(false));
        assert_eq!(
            record.identity.issuer_user_name.as_deref(),
            Some("OpsAdmin")
        );
        assert!(!record.is_read_only());
    }

    #[test]
    fn wrong_types_lose_detail_without_failing() {
        let object = Object::parse(
            r#"{"eventSource":1,"eventName":["x"],"eventTime":null,"userIdentity":"root","requestParameters":"oops","errorCode":""}"#,
        )
        .expect("object");
        let record = Record::from_object(&object);
        assert_eq!(record.event_name, "");
        assert!(record.params().is_none());
        assert!(!record.failed());
        let fields = record.normalize();
        assert_eq!(fields.event_time, None);
        assert_eq!(fields.principal, None);
    }

    #[test]
    fn flow_log_ids_in_every_shape() {
        let parse = |s: &str| flow_log_ids(Raw::parse(s).expect("raw"));
        assert_eq!(parse(r#""fl-1""#), vec!["fl-1"]);
        assert_eq!(parse(r#"{"tag":1,"content":"fl-2"}"#), vec!["fl-2"]);
        assert_eq!(
            parse(r#"[{"tag":1,"content":"fl-3"},{"tag":2,"content":"fl-4"}]"#),
            vec!["fl-3", "fl-4"]
        );
    }
}
