//! Which of the plugin's sources a rule's `logsource` selects.
//!
//! | `product` | `service` | `category` | source |
//! |---|---|---|---|
//! | `aws` | `cloudtrail` | — | AWS CloudTrail records |
//! | `azure` | `activitylogs` | — | Azure Activity Log events |
//! | `gcp` | `gcp.audit` | — | GCP Cloud Audit Logs entries |
//! | `kubernetes` | `audit` | absent or `application` | Kubernetes audit events |
//!
//! SigmaHQ's Kubernetes rules carry `category: application` next to `product: kubernetes, service:
//! audit`; both spellings select the same events. Anything else (Windows, Linux, other cloud services,
//! `category`-only log sources) has no events in this plugin and is unsupported.

use crate::model::SourceKind;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogSource {
    pub product: Option<String>,
    pub service: Option<String>,
    pub category: Option<String>,
}

impl LogSource {
    /// The source whose events the rule sees, or why none.
    pub fn source(&self) -> Result<SourceKind, String> {
        let lower = |v: &Option<String>| v.as_deref().map(str::to_ascii_lowercase);
        let (product, service, category) = (
            lower(&self.product),
            lower(&self.service),
            lower(&self.category),
        );
        let source = match (product.as_deref(), service.as_deref(), category.as_deref()) {
            (Some("aws"), Some("cloudtrail"), None) => Some(SourceKind::AwsCloudtrail),
            (Some("azure"), Some("activitylogs"), None) => Some(SourceKind::AzureActivity),
            (Some("gcp"), Some("gcp.audit"), None) => Some(SourceKind::GcpAudit),
            (Some("kubernetes"), Some("audit"), None | Some("application")) => {
                Some(SourceKind::K8sAudit)
            }
            _ => None,
        };
        source.ok_or_else(|| {
            format!(
                "no events in this plugin for log source {}",
                self.describe()
            )
        })
    }

    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("product", &self.product),
            ("service", &self.service),
            ("category", &self.category),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
        .collect();
        if parts.is_empty() {
            "{}".into()
        } else {
            format!("{{{}}}", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(product: Option<&str>, service: Option<&str>, category: Option<&str>) -> LogSource {
        LogSource {
            product: product.map(String::from),
            service: service.map(String::from),
            category: category.map(String::from),
        }
    }

    #[test]
    fn maps_cloud_log_sources() {
        assert_eq!(
            ls(Some("aws"), Some("cloudtrail"), None).source(),
            Ok(SourceKind::AwsCloudtrail)
        );
        assert_eq!(
            ls(Some("azure"), Some("activitylogs"), None).source(),
            Ok(SourceKind::AzureActivity)
        );
        assert_eq!(
            ls(Some("gcp"), Some("gcp.audit"), None).source(),
            Ok(SourceKind::GcpAudit)
        );
        assert_eq!(
            ls(Some("kubernetes"), Some("audit"), None).source(),
            Ok(SourceKind::K8sAudit)
        );
        assert_eq!(
            ls(Some("kubernetes"), Some("audit"), Some("application")).source(),
            Ok(SourceKind::K8sAudit)
        );
        assert_eq!(
            ls(Some("windows"), None, Some("process_creation")).source(),
            Err("no events in this plugin for log source {product: windows, category: process_creation}".into())
        );
        assert!(
            ls(Some("azure"), Some("signinlogs"), None)
                .source()
                .is_err()
        );
    }
}
