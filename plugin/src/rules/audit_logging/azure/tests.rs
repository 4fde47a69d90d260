//! The Azure audit-logging rules on events in both Activity Log shapes.
use crate::rules::test_support::fire;

fn ids(text: &str) -> Vec<&'static str> {
    fire(text).iter().map(|d| d.rule.id).collect()
}

fn export(operation: &str, result: &str, resource_id: &str, body: Option<&str>) -> String {
    let properties = match body {
        Some(body) => format!(
            r#"{{"statusCode":"OK","requestbody":{}}}"#,
            serde_json::to_string(body).expect("string")
        ),
        None => r#"{"statusCode":"OK"}"#.to_owned(),
    };
    format!(
        r#"{{"time":"2026-11-27T09:12:44.1234567Z","resourceId":"{resource_id}","operationName":"{operation}","category":"Administrative","resultType":"{result}","callerIpAddress":"203.0.113.24","correlationId":"3c7d2a11-5b8e-4f0a-9d6c-1e2f3a4b5c6d","identity":{{"claims":{{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"mallory@contoso.onmicrosoft.com"}}}},"level":"Information","properties":{properties}}}"#
    )
}

const SUB: &str = "/SUBSCRIPTIONS/6F1C2B3A-4D5E-4F60-8A7B-9C0D1E2F3A4B";

#[test]
fn diagnostic_setting_delete_fires_once_on_success_only() {
    let id = format!(
        "{SUB}/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/TO-SENTINEL"
    );
    let op = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE";
    assert!(ids(&export(op, "Start", &id, None)).is_empty());
    let detections = fire(&export(op, "Success", &id, None));
    assert_eq!(detections.len(), 1);
    assert_eq!(
        detections[0].rule.id,
        "azure.monitor.diagnostic_setting_deleted"
    );
    assert!(
        detections[0].restore[0].starts_with(
            "az monitor diagnostic-settings create --resource /SUBSCRIPTIONS/6F1C2B3A-4D5E-4F60-8A7B-9C0D1E2F3A4B/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS --name TO-SENTINEL"
        ),
        "{}",
        detections[0].restore[0]
    );
    let sub_level = format!("{SUB}/providers/microsoft.insights/diagnosticSettings/export-all");
    let detections = fire(&export(op, "Failure", &sub_level, None));
    assert!(
        detections[0].restore[0]
            .contains("subscription create --subscription 6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b")
    );
}

#[test]
fn diagnostic_setting_write_fires_only_when_categories_are_disabled() {
    let id = format!(
        "{SUB}/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/TO-SENTINEL"
    );
    let op = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE";
    let narrowed = r#"{"properties":{"workspaceId":"/subscriptions/6f1c/resourceGroups/rg-secops/providers/Microsoft.OperationalInsights/workspaces/law-prod","logs":[{"category":"AuditEvent","enabled":false},{"category":"AzurePolicyEvaluationDetails","enabled":true}]}}"#;
    let detections = fire(&export(op, "Success", &id, Some(narrowed)));
    assert_eq!(detections.len(), 1);
    assert!(detections[0].reasons[0].contains("AuditEvent"));
    let widened = r#"{"properties":{"workspaceId":"/x","logs":[{"categoryGroup":"allLogs","enabled":true}]}}"#;
    assert!(ids(&export(op, "Success", &id, Some(widened))).is_empty());
    assert!(ids(&export(op, "Success", &id, None)).is_empty());
}

#[test]
fn defender_and_suppression_conditions() {
    let pricing = format!("{SUB}/providers/Microsoft.Security/pricings/VirtualMachines");
    let op = "MICROSOFT.SECURITY/PRICINGS/WRITE";
    let detections = fire(&export(
        op,
        "Success",
        &pricing,
        Some(r#"{"properties":{"pricingTier":"Free"}}"#),
    ));
    assert_eq!(detections.len(), 1);
    assert_eq!(
        detections[0].restore[0],
        "az security pricing create --name VirtualMachines --tier standard --subscription 6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    );
    assert!(
        ids(&export(
            op,
            "Success",
            &pricing,
            Some(r#"{"properties":{"pricingTier":"Standard"}}"#)
        ))
        .is_empty()
    );
    let rule = format!("{SUB}/providers/Microsoft.Security/alertsSuppressionRules/quiet; rm -rf");
    let op = "MICROSOFT.SECURITY/ALERTSSUPPRESSIONRULES/WRITE";
    let detections = fire(&export(
        op,
        "Success",
        &rule,
        Some(r#"{"properties":{"alertType":"*","reason":"Other","state":"Enabled"}}"#),
    ));
    assert_eq!(detections[0].severity, crate::model::Severity::High);
    assert!(
        detections[0].restore[0]
            .ends_with("alertsSuppressionRules/quiet; rm -rf?api-version=2019-01-01-preview'"),
        "{}",
        detections[0].restore[0]
    );
    assert!(
        ids(&export(
            op,
            "Success",
            &rule,
            Some(r#"{"properties":{"alertType":"*","state":"Disabled"}}"#)
        ))
        .is_empty()
    );
}
