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

mod destinations_and_retention {
    use super::{SUB, export};
    use crate::model::Severity;
    use crate::rules::test_support::{fire, fire_after};

    fn found(d: Vec<crate::rules::Detection>) -> Vec<(&'static str, Severity)> {
        d.iter().map(|d| (d.rule.id, d.severity)).collect()
    }

    #[test]
    fn an_event_hub_is_known_through_its_namespace_whatever_the_case() {
        let setting = export(
            "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE",
            "Start",
            &format!("{SUB}/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/TO-SIEM"),
            Some(
                r#"{"properties":{"eventHubAuthorizationRuleId":"/subscriptions/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-secops/providers/Microsoft.EventHub/namespaces/evh-core/authorizationRules/RootManageSharedAccessKey","logs":[{"category":"Administrative","enabled":true}]}}"#,
            ),
        );
        let hub = export(
            "MICROSOFT.EVENTHUB/NAMESPACES/EVENTHUBS/DELETE",
            "Success",
            &format!(
                "{SUB}/RESOURCEGROUPS/RG-SECOPS/PROVIDERS/MICROSOFT.EVENTHUB/NAMESPACES/EVH-CORE/EVENTHUBS/ORDERS"
            ),
            None,
        );
        assert!(fire(&hub).is_empty(), "plain name, never seen");
        assert_eq!(
            found(fire_after(&[&setting], &hub)),
            vec![("azure.monitor.destination_deleted", Severity::High)]
        );
    }

    #[test]
    fn lifecycle_rules_count_only_when_enabled_deleting_and_short() {
        let account = format!(
            "{SUB}/RESOURCEGROUPS/RG-OPS/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/STAUDITLOGS"
        );
        let policy = |rules: &str| {
            export(
                "MICROSOFT.STORAGE/STORAGEACCOUNTS/MANAGEMENTPOLICIES/WRITE",
                "Success",
                &format!("{account}/MANAGEMENTPOLICIES/DEFAULT"),
                Some(&format!(
                    r#"{{"properties":{{"policy":{{"rules":[{rules}]}}}}}}"#
                )),
            )
        };
        let rule = |enabled: bool, days: i64| {
            format!(
                r#"{{"enabled":{enabled},"name":"r","type":"Lifecycle","definition":{{"actions":{{"baseBlob":{{"delete":{{"daysAfterModificationGreaterThan":{days}}}}}}},"filters":{{"blobTypes":["blockBlob"]}}}}}}"#
            )
        };
        let id = "azure.storage.log_lifecycle_shortened";
        assert_eq!(
            found(fire(&policy(&rule(true, 3)))),
            vec![(id, Severity::High)]
        );
        assert_eq!(
            found(fire(&policy(&rule(true, 20)))),
            vec![(id, Severity::Medium)]
        );
        assert!(fire(&policy(&rule(false, 1))).is_empty());
        assert!(fire(&policy(&rule(true, 31))).is_empty());
        assert_eq!(
            found(fire(&policy(&format!(
                "{},{}",
                rule(true, 90),
                rule(true, 2)
            )))),
            vec![(id, Severity::High)]
        );
    }

    #[test]
    fn nsg_denies_weigh_the_allows_that_precede_them() {
        let nsg = format!(
            "{SUB}/RESOURCEGROUPS/RG-WEB/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-WEB"
        );
        let write = |rules: &[(&str, &str, &str, i64)]| {
            let rules: Vec<String> = rules
                .iter()
                .map(|(name, access, to, priority)| {
                    format!(
                        r#"{{"name":"{name}","properties":{{"direction":"Outbound","access":"{access}","destinationAddressPrefix":"{to}","priority":{priority}}}}}"#
                    )
                })
                .collect();
            export(
                "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE",
                "Success",
                &nsg,
                Some(&format!(
                    r#"{{"properties":{{"securityRules":[{}]}}}}"#,
                    rules.join(",")
                )),
            )
        };
        let id = "azure.network.nsg_egress_denied";
        assert!(
            fire(&write(&[
                ("a", "Allow", "AzureMonitor", 100),
                ("d", "Deny", "Internet", 4000)
            ]))
            .is_empty()
        );
        assert_eq!(
            found(fire(&write(&[
                ("d", "Deny", "Internet", 100),
                ("a", "Allow", "AzureMonitor", 200)
            ]))),
            vec![(id, Severity::Medium)]
        );
        assert_eq!(
            found(fire(&write(&[
                ("a", "Allow", "AzureMonitor", 100),
                ("d", "Deny", "AzureMonitor.WestEurope", 90)
            ]))),
            vec![(id, Severity::High)]
        );
    }

    #[test]
    fn workspace_writes_fire_on_cuts_and_caps_only() {
        let ws = format!(
            "{SUB}/RESOURCEGROUPS/RG-SECOPS/PROVIDERS/MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/LAW-PROD"
        );
        let write = |props: &str| {
            export(
                "MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/WRITE",
                "Success",
                &ws,
                Some(&format!(
                    r#"{{"location":"westeurope","properties":{props}}}"#
                )),
            )
        };
        let id = "azure.loganalytics.retention_cut";
        assert_eq!(
            found(fire(&write(
                r#"{"sku":{"name":"PerGB2018"},"retentionInDays":7}"#
            ))),
            vec![(id, Severity::High)]
        );
        assert_eq!(
            found(fire(&write(
                r#"{"sku":{"name":"PerGB2018"},"retentionInDays":30,"workspaceCapping":{"dailyQuotaGb":0.5}}"#
            ))),
            vec![(id, Severity::Medium)]
        );
        assert!(fire(&write(r#"{"sku":{"name":"PerGB2018"},"retentionInDays":30,"workspaceCapping":{"dailyQuotaGb":-1}}"#)).is_empty());
        assert!(fire(&write(r#"{"sku":{"name":"Free"},"retentionInDays":7}"#)).is_empty());
    }

    #[test]
    fn the_linux_exclusion_switch_fires_when_enabled() {
        let setting = |name: &str, enabled: bool| {
            export(
                "MICROSOFT.SECURITY/SETTINGS/WRITE",
                "Success",
                &format!("{SUB}/providers/Microsoft.Security/settings/{name}"),
                Some(&format!(
                    r#"{{"kind":"DataExportSettings","properties":{{"enabled":{enabled}}}}}"#
                )),
            )
        };
        let id = "azure.defender.integration_disabled";
        assert_eq!(
            found(fire(&setting("WDATP", false))),
            vec![(id, Severity::High)]
        );
        assert!(fire(&setting("WDATP", true)).is_empty());
        assert_eq!(
            found(fire(&setting("WDATP_EXCLUDE_LINUX_PUBLIC_PREVIEW", true))),
            vec![(id, Severity::High)]
        );
        assert!(fire(&setting("WDATP_EXCLUDE_LINUX_PUBLIC_PREVIEW", false)).is_empty());
        assert_eq!(
            found(fire(&setting("Sentinel", false))),
            vec![(id, Severity::Medium)]
        );
    }
}
