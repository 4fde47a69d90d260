//! The GCP audit-logging rules on Cloud Audit Log entries.
use crate::rules::test_support::fire;

fn entry(method: &str, resource_name: &str, request: &str, extra: &str) -> String {
    format!(
        r#"{{"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{{}},"authenticationInfo":{{"principalEmail":"mallory@example.com"}},"requestMetadata":{{"callerIp":"203.0.113.61","callerSuppliedUserAgent":"google-cloud-sdk gcloud/474.0.0"}},"methodName":"{method}","resourceName":"{resource_name}","request":{request}{extra}}},"insertId":"abc","resource":{{"type":"global","labels":{{"project_id":"acme-prod-4821"}}}},"timestamp":"2026-11-27T10:02:11.482913562Z","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity"}}"#
    )
}

#[test]
fn sink_update_fires_on_disable_or_audit_exclusion_only() {
    let m = "google.logging.v2.ConfigServiceV2.UpdateSink";
    let r = "projects/acme-prod-4821/sinks/siem-export";
    let disabled = fire(&entry(
        m,
        r,
        r#"{"sinkName":"projects/acme-prod-4821/sinks/siem-export","sink":{"name":"siem-export","disabled":true},"updateMask":"disabled"}"#,
        "",
    ));
    assert_eq!(disabled.len(), 1);
    assert_eq!(
        disabled[0].restore[0],
        "gcloud logging sinks update siem-export --no-disabled --project acme-prod-4821"
    );
    let narrowed = fire(&entry(
        m,
        r,
        r#"{"sink":{"name":"siem-export","filter":"severity>=INFO AND NOT logName:\"cloudaudit.googleapis.com\""}}"#,
        "",
    ));
    assert_eq!(narrowed.len(), 1);
    let widened = fire(&entry(
        m,
        r,
        r#"{"sink":{"name":"siem-export","filter":"logName:\"cloudaudit.googleapis.com\" OR severity>=WARNING","disabled":false}}"#,
        "",
    ));
    assert!(widened.is_empty());
}

#[test]
fn retention_and_audit_config_conditions() {
    let m = "google.logging.v2.ConfigServiceV2.UpdateBucket";
    let r = "projects/acme-prod-4821/locations/global/buckets/_Default";
    let cut = fire(&entry(
        m,
        r,
        r#"{"bucket":{"retentionDays":1},"updateMask":"retentionDays"}"#,
        "",
    ));
    assert_eq!(cut[0].severity, crate::model::Severity::High);
    assert!(cut[0].restore[0].contains("_Default --location=global --retention-days=30"));
    assert!(fire(&entry(m, r, r#"{"bucket":{"retentionDays":400}}"#, "")).is_empty());
    let m = "SetIamPolicy";
    let removed = r#","serviceData":{"@type":"type.googleapis.com/google.iam.v1.logging.AuditData","policyDelta":{"auditConfigDeltas":[{"action":"REMOVE","service":"allServices","logType":"DATA_READ"}]}}"#;
    assert_eq!(
        fire(&entry(m, "projects/acme-prod-4821", "{}", removed)).len(),
        1
    );
    let added = r#","serviceData":{"policyDelta":{"auditConfigDeltas":[{"action":"ADD","service":"allServices","logType":"DATA_READ"}]}}"#;
    assert!(fire(&entry(m, "projects/acme-prod-4821", "{}", added)).is_empty());
}

#[test]
fn gke_and_subnet_conditions() {
    let m = "google.container.v1.ClusterManager.UpdateCluster";
    let r = "projects/acme-prod-4821/locations/us-central1/clusters/prod-gke";
    let off = fire(&entry(
        m,
        r,
        r#"{"update":{"desiredLoggingConfig":{"componentConfig":{}}}}"#,
        "",
    ));
    assert_eq!(off.len(), 1);
    assert!(off[0].restore[0].contains("prod-gke --location=us-central1 --logging="));
    let on = r#"{"update":{"desiredLoggingConfig":{"componentConfig":{"enableComponents":["SYSTEM_COMPONENTS","WORKLOADS"]}}}}"#;
    assert!(fire(&entry(m, r, on, "")).is_empty());
    let m = "google.container.v1.ClusterManager.SetMonitoringService";
    assert_eq!(
        fire(&entry(m, r, r#"{"monitoringService":"none"}"#, "")).len(),
        1
    );
    let m = "v1.compute.subnetworks.patch";
    let r = "projects/acme-prod-4821/regions/us-central1/subnetworks/prod-subnet";
    assert_eq!(
        fire(&entry(m, r, r#"{"logConfig":{"enable":false}}"#, "")).len(),
        1
    );
    assert!(fire(&entry(m, r, r#"{"logConfig":{"enable":true}}"#, "")).is_empty());
}

mod destinations_and_sinks {
    use super::entry;
    use crate::model::Severity;
    use crate::rules::test_support::{fire, fire_after};

    const P: &str = "acme-prod-4821";

    fn create_sink(destination: &str) -> String {
        entry(
            "google.logging.v2.ConfigServiceV2.CreateSink",
            "projects/acme-prod-4821/sinks/siem",
            &format!(
                r#"{{"parent":"projects/{P}","sink":{{"name":"siem","destination":"{destination}"}}}}"#
            ),
            "",
        )
    }

    fn delete(method: &str, resource: &str) -> String {
        entry(method, resource, "{}", "")
    }

    fn severities(found: &[crate::rules::Detection]) -> Vec<(&'static str, Severity)> {
        found.iter().map(|d| (d.rule.id, d.severity)).collect()
    }

    #[test]
    fn a_destination_is_high_when_learned_medium_by_name_and_silent_otherwise() {
        let bucket = delete(
            "storage.buckets.delete",
            "projects/_/buckets/acme-data-7f3c",
        );
        assert!(fire(&bucket).is_empty(), "unknown, plain name");
        let learned = fire_after(
            &[&create_sink("storage.googleapis.com/acme-data-7f3c")],
            &bucket,
        );
        assert_eq!(
            severities(&learned),
            vec![("gcp.logging.destination_deleted", Severity::High)]
        );
        let named = fire(&delete(
            "google.pubsub.v1.Publisher.DeleteTopic",
            "projects/acme-prod-4821/topics/audit-feed",
        ));
        assert_eq!(
            severities(&named),
            vec![("gcp.logging.destination_deleted", Severity::Medium)]
        );
        // A sink to a topic makes the topic known, not a bucket of the same name.
        let other = fire_after(
            &[&create_sink(
                "pubsub.googleapis.com/projects/acme-prod-4821/topics/acme-data-7f3c",
            )],
            &bucket,
        );
        assert!(other.is_empty());
    }

    #[test]
    fn a_redirect_to_another_project_is_high_and_a_known_destination_is_quiet() {
        let m = "google.logging.v2.ConfigServiceV2.UpdateSink";
        let r = "projects/acme-prod-4821/sinks/siem";
        let away = fire(&entry(
            m,
            r,
            r#"{"sink":{"name":"siem","destination":"pubsub.googleapis.com/projects/evil-1/topics/t"},"updateMask":"destination"}"#,
            "",
        ));
        assert_eq!(
            severities(&away),
            vec![("gcp.logging.sink_redirected", Severity::High)]
        );
        let same = fire(&entry(
            m,
            r,
            r#"{"sink":{"name":"siem","destination":"pubsub.googleapis.com/projects/acme-prod-4821/topics/t2"},"updateMask":"destination"}"#,
            "",
        ));
        assert_eq!(
            severities(&same),
            vec![("gcp.logging.sink_redirected", Severity::Medium)]
        );
        let resent = entry(
            m,
            r,
            r#"{"sink":{"name":"siem","destination":"storage.googleapis.com/b","filter":"logName:\"cloudaudit.googleapis.com\""}}"#,
            "",
        );
        assert!(fire_after(&[&create_sink("storage.googleapis.com/b")], &resent).is_empty());
        // Unknown destination without a mask: reported low.
        assert_eq!(
            severities(&fire(&resent)),
            vec![("gcp.logging.sink_redirected", Severity::Low)]
        );
    }

    #[test]
    fn scc_service_off_is_high_and_a_module_off_is_medium() {
        let m = "google.cloud.securitycentermanagement.v1.SecurityCenterManagement.UpdateSecurityCenterService";
        let r = "organizations/1/locations/global/securityCenterServices/event-threat-detection";
        let service = fire(&entry(
            m,
            r,
            r#"{"securityCenterService":{"intendedEnablementState":"DISABLED"}}"#,
            "",
        ));
        assert_eq!(
            severities(&service),
            vec![("gcp.scc.detection_disabled", Severity::High)]
        );
        let module = fire(&entry(
            m,
            r,
            r#"{"securityCenterService":{"modules":{"X":{"intendedEnablementState":"ENABLED"},"Y":{"moduleEnablementState":"DISABLED"}}}}"#,
            "",
        ));
        assert_eq!(
            severities(&module),
            vec![("gcp.scc.detection_disabled", Severity::Medium)]
        );
        let on = fire(&entry(
            m,
            r,
            r#"{"securityCenterService":{"intendedEnablementState":"ENABLED"}}"#,
            "",
        ));
        assert!(on.is_empty());
    }
}
