//! Azure Activity Log events, in both shapes they arrive in: the Azure Monitor export / Event Hub record
//! (`operationName` string, `resultType`, `identity.claims`) and the REST / portal event
//! (`operationName.value`, `status.value`, `eventTimestamp`, top-level `claims`). The `{"records":[…]}`
//! batch is unwrapped in `envelope`.

use std::borrow::Cow;

use super::json::{self, Object, Raw};
use super::peek;
use super::time::rfc3339_micros;
use crate::model::{Normalized, Outcome};

const UPN_CLAIM: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";

/// The fields of an Activity Log event that normalisation and rules read.
#[derive(Debug)]
pub struct Record<'a> {
    /// The operation, upper-cased as the export writes it (`MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE`).
    pub operation: String,
    /// `resultType` (export) or `status.value` (REST).
    pub result: Option<Cow<'a, str>>,
    pub time: Option<Cow<'a, str>>,
    pub event_data_id: Option<Cow<'a, str>>,
    pub correlation_id: Option<Cow<'a, str>>,
    pub resource_id: Option<Cow<'a, str>>,
    pub subscription_id: Option<Cow<'a, str>>,
    pub location: Option<Cow<'a, str>>,
    pub caller: Option<Cow<'a, str>>,
    pub caller_ip: Option<Cow<'a, str>>,
    pub upn: Option<Cow<'a, str>>,
    pub app_id: Option<Cow<'a, str>>,
    pub claim_name: Option<Cow<'a, str>>,
    /// `resultSignature` (export) or `subStatus.value` (REST), e.g. `Forbidden`.
    pub sub_status: Option<Cow<'a, str>>,
    properties: Option<Raw<'a>>,
}

/// Whether an object has the shape of an Activity Log event. AKS `kube-audit` diagnostic records carry
/// `operationName` and `resourceId` too, but no result: they are not claimed here.
pub fn matches(object: &Object<'_>) -> bool {
    object.has("operationName")
        && object.has("resourceId")
        && (object.has("resultType") || (object.has("status") && object.has("eventTimestamp")))
}

/// A field that is a string in the export and `{"value": …, "localizedValue": …}` in the REST shape.
fn value<'a>(object: &Object<'a>, key: &str) -> Option<Cow<'a, str>> {
    let raw = object.raw(key)?;
    json::raw_str(raw).or_else(|| Object::from_raw(raw).ok().and_then(|o| o.str("value")))
}

/// The keys the engine's fast path reads of an event (`interest`, `quiet`), read as
/// `Record::from_object` reads them, borrowing from the text.
pub struct Glance<'a> {
    /// `operationName` as written (the full read upper-cases it).
    pub operation: Option<Cow<'a, str>>,
}

impl<'a> Glance<'a> {
    pub fn read(object: &Object<'a>) -> Glance<'a> {
        Glance {
            operation: peek_value(object, "operationName"),
        }
    }

    /// `Normalized::event_time`: `time` (export), else `eventTimestamp` (REST).
    pub fn event_time(object: &Object<'a>) -> Option<i64> {
        object
            .str("time")
            .or_else(|| object.str("eventTimestamp"))
            .as_deref()
            .and_then(rfc3339_micros)
    }

    /// `Normalized::source_ip`: `callerIpAddress`, else `httpRequest.clientIpAddress`.
    pub fn source_ip(object: &Object<'a>) -> Option<Cow<'a, str>> {
        object.str("callerIpAddress").or_else(|| {
            object
                .raw("httpRequest")
                .and_then(|h| peek::members(h, ["clientIpAddress"]))
                .and_then(|[ip]| ip)
                .and_then(json::raw_str)
        })
    }

    /// `Normalized::principal` (`Record::principal`): the UPN claim, else the caller, else the
    /// application id, else the name claim.
    pub fn principal(object: &Object<'a>) -> Option<Cow<'a, str>> {
        let claims = object
            .raw("identity")
            .and_then(|i| peek::members(i, ["claims"]))
            .and_then(|[claims]| claims)
            .and_then(|c| peek::members(c, [UPN_CLAIM, "upn", "appid", "name"]))
            .or_else(|| {
                object
                    .raw("claims")
                    .and_then(|c| peek::members(c, [UPN_CLAIM, "upn", "appid", "name"]))
            });
        let [upn_claim, upn, app_id, name] = claims.unwrap_or_default();
        let upn = upn_claim
            .and_then(json::raw_str)
            .or_else(|| upn.and_then(json::raw_str))
            .filter(|u| !u.is_empty());
        upn.or_else(|| object.str("caller").filter(|c| !c.is_empty()))
            .or_else(|| app_id.and_then(json::raw_str).filter(|a| !a.is_empty()))
            .or_else(|| name.and_then(json::raw_str))
    }
}

/// `value` without building an `Object` for the REST shape's `{"value": …}`.
fn peek_value<'a>(object: &Object<'a>, key: &str) -> Option<Cow<'a, str>> {
    let raw = object.raw(key)?;
    json::raw_str(raw).or_else(|| {
        peek::members(raw, ["value"])
            .and_then(|[value]| value)
            .and_then(json::raw_str)
    })
}

impl<'a> Record<'a> {
    /// Read an event. Fields of the wrong type count as absent.
    pub fn from_object(object: &Object<'a>) -> Record<'a> {
        let claims = object
            .object("identity")
            .and_then(|i| i.object("claims"))
            .or_else(|| object.object("claims"));
        let claim = |key: &str| claims.as_ref().and_then(|c| c.str(key));
        Record {
            operation: value(object, "operationName")
                .map(|op| op.to_ascii_uppercase())
                .unwrap_or_default(),
            result: value(object, "resultType").or_else(|| value(object, "status")),
            time: object.str("time").or_else(|| object.str("eventTimestamp")),
            event_data_id: object.str("eventDataId"),
            correlation_id: object.str("correlationId"),
            resource_id: object.str("resourceId"),
            subscription_id: object.str("subscriptionId"),
            location: object
                .str("location")
                .or_else(|| object.str("resourceLocation")),
            caller: object.str("caller"),
            caller_ip: object.str("callerIpAddress").or_else(|| {
                object
                    .object("httpRequest")
                    .and_then(|h| h.str("clientIpAddress"))
            }),
            upn: claim(UPN_CLAIM)
                .or_else(|| claim("upn"))
                .filter(|u| !u.is_empty()),
            app_id: claim("appid").filter(|a| !a.is_empty()),
            claim_name: claim("name"),
            sub_status: value(object, "subStatus")
                .filter(|s| !s.is_empty())
                .or_else(|| object.str("resultSignature")),
            properties: object.raw("properties"),
        }
    }

    pub fn properties(&self) -> Option<Object<'a>> {
        self.properties.and_then(|p| Object::from_raw(p).ok())
    }

    /// The resource as written: the request body (`properties.requestbody`, a JSON document in a string),
    /// which the Activity Log records on the operation's first event, else the response body, which the
    /// completing event carries and which echoes the resource as stored.
    pub fn request_body(&self) -> Option<String> {
        let properties = self.properties()?;
        ["requestbody", "requestBody", "responseBody", "responsebody"]
            .iter()
            .find_map(|key| properties.str(key))
            .map(Cow::into_owned)
    }

    /// The subscription: `subscriptionId`, else the GUID after `/subscriptions/` in `resourceId`.
    pub fn subscription(&self) -> Option<String> {
        if let Some(id) = self.subscription_id.as_deref().filter(|s| !s.is_empty()) {
            return Some(id.to_ascii_lowercase());
        }
        resource_segment(self.resource_id.as_deref()?, "subscriptions").map(str::to_ascii_lowercase)
    }

    pub fn outcome(&self) -> Outcome {
        match self
            .result
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("success" | "succeeded") => Outcome::Success,
            Some("failure" | "failed") => Outcome::Failure,
            Some("start" | "started" | "accept" | "accepted") => Outcome::InProgress,
            _ => Outcome::Unknown,
        }
    }

    /// The failure as `status: message`, when the operation failed.
    pub fn failure(&self) -> Option<String> {
        if self.outcome() != Outcome::Failure {
            return None;
        }
        let properties = self.properties();
        let code = properties
            .as_ref()
            .and_then(|p| p.str("statusCode"))
            .map(Cow::into_owned)
            .or_else(|| self.sub_status.as_deref().map(str::to_owned))
            .unwrap_or_else(|| "Failed".to_owned());
        let message = properties
            .as_ref()
            .and_then(|p| p.str("statusMessage"))
            .filter(|m| !m.is_empty());
        Some(match message {
            Some(message) => format!("{code}: {message}"),
            None => code,
        })
    }

    /// Who acted: the user principal name, else the caller (a user name or an application's object
    /// id), else the application id.
    pub fn principal(&self) -> Option<&str> {
        self.upn
            .as_deref()
            .or(self.caller.as_deref().filter(|c| !c.is_empty()))
            .or(self.app_id.as_deref())
            .or(self.claim_name.as_deref())
    }

    pub fn principal_type(&self) -> Option<&'static str> {
        if self.upn.is_some() || self.caller.as_deref().is_some_and(|c| c.contains('@')) {
            Some("user")
        } else if self.app_id.is_some() || self.caller.is_some() {
            Some("service_principal")
        } else {
            None
        }
    }

    /// The last segment of `resourceId` (a setting, workspace or extension name).
    pub fn resource_name(&self) -> Option<&str> {
        self.resource_id
            .as_deref()?
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
    }

    /// The segment after `key` in `resourceId` (`resourceGroups`, `virtualMachines`, …).
    pub fn resource_segment(&self, key: &str) -> Option<&str> {
        resource_segment(self.resource_id.as_deref()?, key)
    }

    pub fn normalize(&self) -> Normalized {
        Normalized {
            event_time: self.time.as_deref().and_then(rfc3339_micros),
            event_id: self
                .event_data_id
                .as_deref()
                .or(self.correlation_id.as_deref())
                .map(str::to_owned),
            provider: Some("azure".to_owned()),
            account: self.subscription(),
            region: self.location.as_deref().map(str::to_owned),
            principal: self.principal().map(str::to_owned),
            principal_type: self.principal_type().map(str::to_owned),
            source_ip: self.caller_ip.as_deref().map(str::to_owned),
            user_agent: None,
            action: Some(self.operation.clone()).filter(|op| !op.is_empty()),
            target: self.resource_id.as_deref().map(str::to_owned),
            outcome: self.outcome(),
        }
    }
}

/// The segment after `key` (case-insensitive) in an ARM resource id.
pub fn resource_segment<'r>(resource_id: &'r str, key: &str) -> Option<&'r str> {
    let mut parts = resource_id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case(key) {
            return parts.next().filter(|p| !p.is_empty());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = r#"{"time":"2026-11-27T09:12:44.1234567Z","resourceId":"/SUBSCRIPTIONS/6F1C2B3A-4D5E-4F60-8A7B-9C0D1E2F3A4B/RESOURCEGROUPS/RG-SECOPS/PROVIDERS/MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/LAW-PROD","operationName":"MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/DELETE","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.OK","durationMs":"2113","callerIpAddress":"203.0.113.24","correlationId":"3c7d2a11-5b8e-4f0a-9d6c-1e2f3a4b5c6d","identity":{"authorization":{"scope":"/subscriptions/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-secops/providers/Microsoft.OperationalInsights/workspaces/law-prod","action":"Microsoft.OperationalInsights/workspaces/delete"},"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"mallory@contoso.onmicrosoft.com","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","name":"Mallory"}},"level":"Information","location":"global","properties":{"statusCode":"OK","eventCategory":"Administrative"}}"#;

    const REST_FAILED: &str = r#"{"caller":"2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f","claims":{"appid":"8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","idtyp":"app"},"correlationId":"c0ffee00-1111-4222-8333-444455556666","eventDataId":"e1d2c3b4-a596-4788-99aa-bbccddeeff00","eventTimestamp":"2026-11-27T09:20:01.5Z","httpRequest":{"clientRequestId":"x","clientIpAddress":"198.51.100.40","method":"DELETE"},"operationName":{"value":"Microsoft.Insights/diagnosticSettings/delete","localizedValue":"Delete diagnostic setting"},"properties":{"statusCode":"Forbidden","statusMessage":"AuthorizationFailed"},"resourceId":"/subscriptions/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/providers/microsoft.insights/diagnosticSettings/sub-to-sentinel","status":{"value":"Failed","localizedValue":"Failed"},"subStatus":{"value":"Forbidden"},"subscriptionId":"6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"}"#;

    #[test]
    fn normalises_an_export_record() {
        let object = Object::parse(EXPORT).expect("object");
        assert!(matches(&object));
        let record = Record::from_object(&object);
        let fields = record.normalize();
        assert_eq!(fields.provider.as_deref(), Some("azure"));
        assert_eq!(
            fields.account.as_deref(),
            Some("6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b")
        );
        assert_eq!(
            fields.principal.as_deref(),
            Some("mallory@contoso.onmicrosoft.com")
        );
        assert_eq!(fields.principal_type.as_deref(), Some("user"));
        assert_eq!(fields.source_ip.as_deref(), Some("203.0.113.24"));
        assert_eq!(
            fields.action.as_deref(),
            Some("MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/DELETE")
        );
        assert_eq!(
            fields.event_id.as_deref(),
            Some("3c7d2a11-5b8e-4f0a-9d6c-1e2f3a4b5c6d")
        );
        assert_eq!(fields.outcome, Outcome::Success);
        assert!(fields.event_time.is_some());
        assert_eq!(record.resource_name(), Some("LAW-PROD"));
        assert_eq!(record.resource_segment("resourceGroups"), Some("RG-SECOPS"));
    }

    #[test]
    fn normalises_a_failed_rest_event_by_a_service_principal() {
        let object = Object::parse(REST_FAILED).expect("object");
        assert!(matches(&object));
        let record = Record::from_object(&object);
        let fields = record.normalize();
        assert_eq!(
            fields.action.as_deref(),
            Some("MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE")
        );
        assert_eq!(fields.outcome, Outcome::Failure);
        assert_eq!(fields.principal_type.as_deref(), Some("service_principal"));
        assert_eq!(fields.source_ip.as_deref(), Some("198.51.100.40"));
        assert_eq!(
            fields.event_id.as_deref(),
            Some("e1d2c3b4-a596-4788-99aa-bbccddeeff00")
        );
        assert_eq!(
            record.failure().as_deref(),
            Some("Forbidden: AuthorizationFailed")
        );
    }

    #[test]
    fn in_flight_results_and_foreign_shapes() {
        for (result, outcome) in [
            ("Start", Outcome::InProgress),
            ("Accept", Outcome::InProgress),
            ("Started", Outcome::InProgress),
            ("Succeeded", Outcome::Success),
            ("Failure", Outcome::Failure),
        ] {
            let text = format!(
                r#"{{"operationName":"X","resourceId":"/subscriptions/s","resultType":"{result}"}}"#
            );
            let object = Object::parse(&text).expect("object");
            assert_eq!(Record::from_object(&object).outcome(), outcome, "{result}");
        }
        let kube_audit = Object::parse(
            r#"{"category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","resourceId":"/SUBSCRIPTIONS/S","time":"t","properties":{"log":"{}"}}"#,
        )
        .expect("object");
        assert!(!matches(&kube_audit));
        let odd = Object::parse(
            r#"{"operationName":7,"resourceId":["x"],"resultType":{"value":1},"identity":"me"}"#,
        )
        .expect("object");
        let record = Record::from_object(&odd);
        assert_eq!(record.operation, "");
        assert_eq!(record.normalize().principal, None);
    }
}
