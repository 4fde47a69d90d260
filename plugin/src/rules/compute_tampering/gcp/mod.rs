//! Family 2 on GCP, from Cloud Audit Logs: compute changed to keep agents off or blind (metadata),
//! firewalls that cut telemetry, compute data shared outside, instances deleted. One module per kind
//! of change; the helpers they share are here.

pub mod firewall;
pub mod instances;
pub mod metadata;
pub mod osconfig;
pub mod regions;
pub mod sharing;

use crate::rules::sh;
use crate::sources::gcp_audit::Entry;
use crate::sources::json::Object;

/// The project id, shell-quoted, or a placeholder.
pub fn project(entry: &Entry<'_>) -> String {
    entry
        .project()
        .filter(|p| !p.contains('/'))
        .map_or_else(|| "<project>".to_owned(), |p| sh(&p))
}

/// The resource's name: the segment after `collection` in `resourceName`, else the request's `name`.
pub fn target_name(entry: &Entry<'_>, collection: &str, request: &Object<'_>) -> String {
    entry
        .resource_segment(collection)
        .map(str::to_owned)
        .or_else(|| request.str("name").map(|n| n.into_owned()))
        .unwrap_or_else(|| "(unnamed)".to_owned())
}

#[cfg(test)]
mod tests {
    use crate::model::Severity;
    use crate::rules::test_support::fire;

    fn compute(method: &str, resource: &str, request: &str, extra: &str, caller: &str) -> String {
        format!(
            r#"{{"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{{}},"authenticationInfo":{{"principalEmail":"{caller}"}},"serviceName":"compute.googleapis.com","methodName":"{method}","resourceName":"{resource}","request":{request}{extra}}},"insertId":"x1","resource":{{"type":"gce_firewall_rule","labels":{{"project_id":"acme-prod-4821"}}}},"timestamp":"2026-11-27T10:00:00Z","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity"}}"#
        )
    }

    fn found(text: &str) -> Vec<(&'static str, Severity)> {
        fire(text).iter().map(|d| (d.rule.id, d.severity)).collect()
    }

    #[test]
    fn egress_denies_are_graded_by_how_much_they_cover() {
        let fw = |request: &str| {
            compute(
                "v1.compute.firewalls.insert",
                "projects/acme-prod-4821/global/firewalls/f",
                request,
                "",
                "mallory@acme-corp.example",
            )
        };
        let id = "gcp.compute.firewall_deny_added";
        assert_eq!(
            found(&fw(
                r#"{"direction":"EGRESS","denieds":[{"IPProtocol":"all"}]}"#
            )),
            vec![(id, Severity::High)]
        );
        assert_eq!(
            found(&fw(
                r#"{"direction":"EGRESS","denieds":[{"IPProtocol":"tcp","ports":["443"]}],"destinationRanges":["10.0.0.0/8"]}"#
            )),
            vec![(id, Severity::High)]
        );
        assert_eq!(
            found(&fw(
                r#"{"direction":"EGRESS","denieds":[{"IPProtocol":"tcp","ports":["9997"]}],"destinationRanges":["10.128.0.40/32"]}"#
            )),
            vec![(id, Severity::Medium)]
        );
        assert!(
            found(&fw(
                r#"{"direction":"EGRESS","alloweds":[{"IPProtocol":"all"}]}"#
            ))
            .is_empty()
        );
        assert!(
            found(&fw(r#"{"direction":"INGRESS","denieds":[{"IPProtocol":"all"}],"sourceRanges":["192.0.2.0/24"]}"#))
                .is_empty()
        );
    }

    #[test]
    fn sharing_is_graded_by_who_gains_access() {
        let share = |member: &str, caller: &str| {
            compute(
                "v1.compute.images.setIamPolicy",
                "projects/acme-prod-4821/global/images/golden",
                "{}",
                &format!(
                    r#","serviceData":{{"policyDelta":{{"bindingDeltas":[{{"action":"ADD","role":"roles/compute.imageUser","member":"{member}"}}]}}}}"#
                ),
                caller,
            )
        };
        let id = "gcp.compute.image_shared";
        let user = "alice@acme-corp.example";
        assert_eq!(
            found(&share("allUsers", user)),
            vec![(id, Severity::Critical)]
        );
        assert_eq!(
            found(&share("user:x@gmail.com", user)),
            vec![(id, Severity::High)]
        );
        assert_eq!(
            found(&share("user:bob@acme-corp.example", user)),
            vec![(id, Severity::Medium)]
        );
        assert_eq!(
            found(&share("domain:partner.example", user)),
            vec![(id, Severity::High)]
        );
        // A service account of the same project is not outside; one of another project is.
        let sa = "deployer@acme-prod-4821.iam.gserviceaccount.com";
        assert_eq!(
            found(&share(
                "serviceAccount:builder@acme-prod-4821.iam.gserviceaccount.com",
                sa
            )),
            vec![(id, Severity::Medium)]
        );
        assert_eq!(
            found(&share(
                "serviceAccount:copier@other-9.iam.gserviceaccount.com",
                sa
            )),
            vec![(id, Severity::High)]
        );
        // A service-account caller says nothing about the mail domain: a user member is medium.
        assert_eq!(
            found(&share("user:bob@acme-corp.example", sa)),
            vec![(id, Severity::Medium)]
        );
    }
}
