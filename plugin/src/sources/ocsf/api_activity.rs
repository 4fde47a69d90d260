//! OCSF API Activity back to CloudTrail records and Kubernetes audit events.
//!
//! CloudTrail (OCSF 1.1.0 / rc.2 where they differ): `api.operation` → `eventName`,
//! `api.service.name` → `eventSource`, `api.request.data` → `requestParameters` (object or JSON text),
//! `api.response.data` → `responseElements`, `api.response.error` / `.message` → `errorCode` /
//! `errorMessage`, `actor.user.uid` (1.1.0) or `.uuid` (rc.2) → `userIdentity.arn`, `.uid_alt` (1.1.0)
//! or `.uid` (rc.2) → `principalId`, `.account.uid` (1.1.0) or `.account_uid` (rc.2) → `accountId`,
//! `actor.session.issuer` → `sessionIssuer.arn`, `.is_mfa` (1.1.0) or `.mfa` (rc.2) →
//! `mfaAuthenticated`, `actor.invoked_by` → `invokedBy`, `src_endpoint.ip` (else `.domain`) →
//! `sourceIPAddress`, `http_request.user_agent` → `userAgent`, `cloud.region` → `awsRegion`,
//! `metadata.uid` → `eventID`, `time` → `eventTime`, `resources[].uid` → `resources[].ARN`.
//!
//! EKS: `api.operation` → `verb`, `actor.user.name` → `user.username`, `resources[0]` →
//! `objectRef` (`type` is the resource), `api.group.name` → `objectRef.apiGroup`,
//! `http_request.url.path` → `requestURI` (and the subresource), `api.response.code` →
//! `responseStatus.code`, `message` → `stage`, `start_time` / `time` → the two timestamps,
//! `unmapped.requestObject` → `requestObject`.

use std::borrow::Cow;

use super::super::json::{self, Object, Raw};
use super::super::reshape::JsonWriter;
use super::{Body, Parts, at, body, object_at, time_at};

/// The CloudTrail record a CloudTrail-origin API Activity record was made from.
pub fn cloudtrail(o: &Object<'_>) -> Option<String> {
    let p = Parts::of(o);
    let operation = p.api.str("operation")?;
    let service = p.api.path(&["service", "name"]).and_then(json::raw_str)?;
    let mut w = JsonWriter::new();
    let product_version = p
        .metadata
        .path(&["product", "version"])
        .and_then(json::raw_str);
    w.str_opt("eventVersion", product_version.as_deref());
    identity(o, &mut w);
    w.str_opt("eventTime", time_at(o, "time", "time_dt").as_deref());
    w.str("eventSource", &service);
    w.str("eventName", &operation);
    w.str_opt("awsRegion", p.cloud.str("region").as_deref());
    let source = p.src.str("ip").or_else(|| p.src.str("domain"));
    w.str_opt("sourceIPAddress", source.as_deref());
    w.str_opt("userAgent", p.http.str("user_agent").as_deref());
    let error = p.response.str("error").filter(|e| !e.is_empty());
    // A failure Security Lake recorded without CloudTrail's code still counts as a failed call.
    let failed = o.str("status").as_deref() == Some("Failure") || o.i64("status_id") == Some(2);
    let error = error.or_else(|| failed.then_some(Cow::Borrowed("Failure")));
    w.str_opt("errorCode", error.as_deref());
    w.str_opt("errorMessage", p.response.str("message").as_deref());
    let params = p
        .request
        .raw("data")
        .filter(|r| !json::is_null(*r))
        .or_else(|| p.unmapped.get("requestParameters"))
        .and_then(body);
    w.raw_opt("requestParameters", params.as_ref().map(Body::raw));
    let response = p
        .response
        .raw("data")
        .filter(|r| !json::is_null(*r))
        .or_else(|| p.unmapped.get("responseElements"))
        .and_then(body);
    w.raw_opt("responseElements", response.as_ref().map(Body::raw));
    w.str_opt("requestID", p.request.str("uid").as_deref());
    w.str_opt("eventID", p.metadata.str("uid").as_deref());
    if let Some(read_only) = p.unmapped.get("readOnly").and_then(json::raw_bool) {
        w.bool("readOnly", read_only);
    }
    w.raw_opt("eventType", p.unmapped.get("eventType"));
    let recipient = p
        .unmapped
        .get("recipientAccountId")
        .and_then(json::raw_str)
        .or_else(|| p.cloud.path(&["account", "uid"]).and_then(json::raw_str))
        .or_else(|| p.cloud.str("account_uid"));
    w.str_opt("recipientAccountId", recipient.as_deref());
    resources(o, &mut w);
    Some(w.finish())
}

fn identity(o: &Object<'_>, w: &mut JsonWriter) {
    let Some(actor) = object_at(o, &["actor"]) else {
        return;
    };
    let user = actor.object("user");
    let field = |key: &str| user.as_ref().and_then(|u| u.str(key));
    // 1.1.0 keeps the ARN in `uid` and the principal id in `uid_alt`; rc.2 has them in `uuid`, `uid`.
    let (uid, uuid, uid_alt) = (field("uid"), field("uuid"), field("uid_alt"));
    let is_arn = |v: &Cow<'_, str>| v.starts_with("arn:");
    let arn = uid.iter().chain(uuid.iter()).find(|v| is_arn(v));
    let principal = uid_alt.as_ref().or(uid.as_ref().filter(|v| !is_arn(v)));
    let account = user.as_ref().and_then(|u| {
        u.path(&["account", "uid"])
            .and_then(json::raw_str)
            .or_else(|| u.str("account_uid"))
    });
    let session = actor.object("session");
    let issuer = session.as_ref().and_then(|s| s.str("issuer"));
    let mfa = session
        .as_ref()
        .and_then(|s| s.bool("is_mfa").or_else(|| s.bool("mfa")));
    let credential =
        field("credential_uid").or_else(|| session.as_ref().and_then(|s| s.str("credential_uid")));
    w.open("userIdentity");
    w.str_opt("type", field("type").as_deref());
    w.str_opt("principalId", principal.map(|p| &**p));
    w.str_opt("arn", arn.map(|a| &**a));
    w.str_opt("accountId", account.as_deref());
    w.str_opt("accessKeyId", credential.as_deref());
    w.str_opt("userName", field("name").as_deref());
    w.str_opt("invokedBy", actor.str("invoked_by").as_deref());
    if issuer.is_some() || mfa.is_some() {
        w.open("sessionContext");
        if let Some(issuer) = issuer.as_deref() {
            w.open("sessionIssuer");
            w.str("arn", issuer);
            // CloudTrail names the issuing role or user after the last segment of its ARN.
            if let Some(name) = issuer.rsplit('/').next().filter(|n| *n != issuer) {
                w.str("userName", name);
            }
            w.close();
        }
        if let Some(mfa) = mfa {
            w.open("attributes");
            w.str("mfaAuthenticated", if mfa { "true" } else { "false" });
            w.close();
        }
        w.close();
    }
    w.close();
}

fn resources(o: &Object<'_>, w: &mut JsonWriter) {
    let Some(list) = at(o, &["resources"]).and_then(json::raw_array) else {
        return;
    };
    let mut out = String::from("[");
    for resource in list.iter().filter_map(|r| Object::from_raw(*r).ok()) {
        let mut item = JsonWriter::new();
        item.str_opt("ARN", resource.str("uid").as_deref());
        let account = resource.str("account_uid").or_else(|| {
            resource
                .path(&["owner", "account", "uid"])
                .and_then(json::raw_str)
        });
        item.str_opt("accountId", account.as_deref());
        item.str_opt("type", resource.str("type").as_deref());
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&item.finish());
    }
    out.push(']');
    if let Ok(raw) = serde_json::from_str::<Box<serde_json::value::RawValue>>(&out) {
        w.raw("resources", Raw::from(&*raw));
    }
}

/// The stages an audit event passes through; Security Lake keeps the stage in `message`.
const STAGES: [&str; 4] = [
    "RequestReceived",
    "ResponseStarted",
    "ResponseComplete",
    "Panic",
];

/// The `audit.k8s.io/v1` Event an EKS-origin API Activity record was made from.
pub fn k8s_audit(o: &Object<'_>) -> Option<String> {
    let p = Parts::of(o);
    let verb = p.api.str("operation")?;
    let mut w = JsonWriter::new();
    w.str("kind", "Event");
    let version = p
        .metadata
        .path(&["product", "version"])
        .and_then(json::raw_str)
        .filter(|v| v.starts_with("audit.k8s.io/"));
    w.str(
        "apiVersion",
        version.as_deref().unwrap_or("audit.k8s.io/v1"),
    );
    w.str_opt("level", p.metadata.str("log_level").as_deref());
    let id = p.metadata.str("uid").or_else(|| p.request.str("uid"));
    w.str_opt("auditID", id.as_deref());
    let stage = o.str("message").filter(|m| STAGES.contains(&&**m));
    w.str_opt("stage", stage.as_deref());
    let uri = p.http.path(&["url", "path"]).and_then(json::raw_str);
    w.str_opt("requestURI", uri.as_deref());
    w.str("verb", &verb);
    if let Some(user) = object_at(o, &["actor", "user"]) {
        w.open("user");
        w.str_opt("username", user.str("name").as_deref());
        w.str_opt("uid", user.str("uid").as_deref());
        let groups: Vec<Cow<'_, str>> = user
            .array("groups")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|g| Object::from_raw(g).ok().and_then(|g| g.str("name")))
            .collect();
        if !groups.is_empty() {
            w.str_list("groups", groups.iter().map(|g| &**g));
        }
        w.close();
    }
    let unmapped_body = |key: &str| p.unmapped.get(key).and_then(body);
    w.raw_opt(
        "impersonatedUser",
        unmapped_body("impersonatedUser").as_ref().map(Body::raw),
    );
    let mut ips: Vec<Cow<'_, str>> = p.src.str("ip").into_iter().collect();
    if let Some(more) = p.src.array("intermediate_ips") {
        ips.extend(more.into_iter().filter_map(json::raw_str));
    }
    if !ips.is_empty() {
        w.str_list("sourceIPs", ips.iter().map(|ip| &**ip));
    }
    w.str_opt("userAgent", p.http.str("user_agent").as_deref());
    object_ref(o, &p, uri.as_deref(), &mut w);
    if at(o, &["api", "response"]).is_some() {
        w.open("responseStatus");
        if let Some(code) = p.response.i64("code") {
            w.int("code", code);
        }
        w.str_opt("message", p.response.str("message").as_deref());
        w.str_opt("reason", p.response.str("error").as_deref());
        w.close();
    }
    w.raw_opt(
        "requestObject",
        unmapped_body("requestObject").as_ref().map(Body::raw),
    );
    w.raw_opt(
        "responseObject",
        unmapped_body("responseObject").as_ref().map(Body::raw),
    );
    w.str_opt(
        "requestReceivedTimestamp",
        time_at(o, "start_time", "start_time_dt").as_deref(),
    );
    w.str_opt("stageTimestamp", time_at(o, "time", "time_dt").as_deref());
    w.raw_opt(
        "annotations",
        unmapped_body("annotations").as_ref().map(Body::raw),
    );
    Some(w.finish())
}

fn object_ref(o: &Object<'_>, p: &Parts<'_>, uri: Option<&str>, w: &mut JsonWriter) {
    let resource = at(o, &["resources"])
        .and_then(json::raw_array)
        .and_then(|list| list.first().and_then(|r| Object::from_raw(*r).ok()));
    let kind = resource.as_ref().and_then(|r| r.str("type"));
    let name = resource.as_ref().and_then(|r| r.str("name"));
    w.open("objectRef");
    w.str_opt("resource", kind.as_deref());
    w.str_opt(
        "namespace",
        resource
            .as_ref()
            .and_then(|r| r.str("namespace"))
            .as_deref(),
    );
    w.str_opt("name", name.as_deref());
    w.str_opt(
        "uid",
        resource.as_ref().and_then(|r| r.str("uid")).as_deref(),
    );
    let group = p.api.path(&["group", "name"]).and_then(json::raw_str);
    w.str_opt("apiGroup", group.as_deref());
    w.str_opt("apiVersion", p.api.str("version").as_deref());
    if let (Some(uri), Some(kind), Some(name)) = (uri, kind.as_deref(), name.as_deref()) {
        w.str_opt("subresource", subresource(uri, kind, name));
    }
    w.close();
}

/// The segment after `<resource>/<name>` in a request URI
/// (`/apis/apps/v1/namespaces/datadog/deployments/agent/scale` → `scale`): Security Lake keeps the
/// subresource only there.
fn subresource<'u>(uri: &'u str, kind: &str, name: &str) -> Option<&'u str> {
    let path = uri.split('?').next().unwrap_or(uri);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments
        .windows(3)
        .find(|w| w[0] == kind && w[1] == name)
        .map(|w| w[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subresources_from_the_request_uri() {
        assert_eq!(
            subresource(
                "/apis/apps/v1/namespaces/datadog/deployments/agent/scale?fieldManager=kubectl",
                "deployments",
                "agent"
            ),
            Some("scale")
        );
        assert_eq!(
            subresource(
                "/apis/apps/v1/namespaces/falco/daemonsets/falco",
                "daemonsets",
                "falco"
            ),
            None
        );
    }
}
