//! The `log_destinations` section: where the team's logs land, declared up front. Rules recognise a log
//! destination by what the stream has shown (a `CreateTrail` naming its bucket, a sink its topic…, see
//! `rules::memory`) and by these lists, so deleting a declared destination is a finding even when the
//! stream never carried the call that set up the delivery.

use serde::Deserialize;

use super::ConfigError;

/// The document: names or identifiers, one list per kind of destination.
#[derive(Debug, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DestinationsDocument {
    /// S3 buckets receiving CloudTrail, flow-log, Config or access-log deliveries (name or `arn:aws:s3:::NAME`).
    #[serde(default)]
    aws_buckets: Vec<String>,
    /// CloudWatch Logs groups receiving trails, flow logs or agents (name or log-group ARN).
    #[serde(default)]
    aws_log_groups: Vec<String>,
    /// Firehose delivery streams, Kinesis streams and SNS topics logs or alerts travel through (name or ARN).
    #[serde(default)]
    aws_streams: Vec<String>,
    /// Cloud Storage buckets log sinks export to (`NAME`, `gs://NAME` or `storage.googleapis.com/NAME`).
    #[serde(default)]
    gcp_buckets: Vec<String>,
    /// Pub/Sub topics log sinks publish to (`projects/P/topics/T`, optionally `pubsub.googleapis.com/`-prefixed).
    #[serde(default)]
    gcp_topics: Vec<String>,
    /// BigQuery datasets log sinks write to (`projects/P/datasets/D`).
    #[serde(default)]
    gcp_datasets: Vec<String>,
    /// Storage accounts diagnostic settings archive to (account name or resource id).
    #[serde(default)]
    azure_storage_accounts: Vec<String>,
    /// Log Analytics workspaces diagnostic settings send to (workspace name or resource id).
    #[serde(default)]
    azure_workspaces: Vec<String>,
    /// Event Hubs diagnostic settings stream to (`NAMESPACE`, `NAMESPACE/HUB`, or a resource id).
    #[serde(default)]
    azure_event_hubs: Vec<String>,
}

/// Validated destinations, normalised to the forms the rules compare.
#[derive(Debug, Default)]
pub struct LogDestinations {
    aws_buckets: Vec<String>,
    aws_log_groups: Vec<String>,
    /// Short names (after `:deliverystream/`, `:stream/`, or an SNS ARN's last `:`).
    aws_streams: Vec<String>,
    /// As a sink names them: `storage.googleapis.com/B`, `pubsub.googleapis.com/projects/P/topics/T`…
    gcp: Vec<String>,
    azure: Vec<AzureDestination>,
}

/// One Azure destination: the resource type key of its id (`storageaccounts`, `workspaces`,
/// `namespaces`), its name, and the full id when one was given (lower case).
#[derive(Debug)]
struct AzureDestination {
    key: &'static str,
    name: String,
    hub: Option<String>,
    id: Option<String>,
}

impl LogDestinations {
    pub fn is_empty(&self) -> bool {
        self.aws_buckets.is_empty()
            && self.aws_log_groups.is_empty()
            && self.aws_streams.is_empty()
            && self.gcp.is_empty()
            && self.azure.is_empty()
    }

    /// A bucket by name or ARN.
    pub fn aws_bucket(&self, name: &str) -> bool {
        let name = aws_bucket_name(name);
        self.aws_buckets.iter().any(|b| b == name)
    }

    /// A log group by name or ARN.
    pub fn aws_log_group(&self, name: &str) -> bool {
        let name = log_group_name(name);
        self.aws_log_groups.iter().any(|g| g == name)
    }

    /// A Firehose, Kinesis or SNS stream by name or ARN.
    pub fn aws_stream(&self, name: &str) -> bool {
        let short = stream_short_name(name);
        self.aws_streams.iter().any(|s| s == short)
    }

    /// A sink destination as the sink names it (`storage.googleapis.com/BUCKET`, …).
    pub fn gcp(&self, destination: &str) -> bool {
        let destination = destination.trim_end_matches('/');
        self.gcp.iter().any(|d| d == destination)
    }

    /// An Azure resource id at or below a configured destination: the storage account of a container,
    /// the namespace of an event hub.
    pub fn azure(&self, resource_id: &str) -> bool {
        let lower = resource_id.trim_end_matches('/').to_ascii_lowercase();
        self.azure.iter().any(|d| {
            let Some(through) = id_through(&lower, d.key) else {
                return false;
            };
            let name_matches = match &d.id {
                Some(id) => through == id,
                None => through.rsplit('/').next() == Some(d.name.as_str()),
            };
            // A NAMESPACE/HUB entry names that hub and the namespace holding it; a rule that judges a hub by
            // its namespace (as for namespaces learned from diagnostic settings) covers the other hubs too.
            name_matches
                && match (&d.hub, segment_after(&lower, "eventhubs")) {
                    (Some(hub), Some(named)) => hub == named,
                    _ => true,
                }
        })
    }
}

/// Validate the section; errors name the list and the index (`log_destinations.gcp_topics[1]`).
pub fn validate(doc: DestinationsDocument) -> Result<LogDestinations, ConfigError> {
    let mut out = LogDestinations::default();
    for (i, text) in doc.aws_buckets.iter().enumerate() {
        let name = aws_bucket_name(text);
        let valid = (3..=63).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        check(
            valid,
            "aws_buckets",
            i,
            text,
            "an S3 bucket name or arn:aws:s3:::NAME",
        )?;
        push_unique(&mut out.aws_buckets, name.to_owned(), "aws_buckets", i)?;
    }
    for (i, text) in doc.aws_log_groups.iter().enumerate() {
        let name = log_group_name(text);
        let valid = (1..=512).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-/#".contains(&b));
        check(
            valid,
            "aws_log_groups",
            i,
            text,
            "a CloudWatch Logs group name or ARN",
        )?;
        push_unique(
            &mut out.aws_log_groups,
            name.to_owned(),
            "aws_log_groups",
            i,
        )?;
    }
    for (i, text) in doc.aws_streams.iter().enumerate() {
        let short = stream_short_name(text);
        let valid = !short.is_empty()
            && short
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        check(
            valid,
            "aws_streams",
            i,
            text,
            "a Firehose, Kinesis or SNS name or ARN",
        )?;
        push_unique(&mut out.aws_streams, short.to_owned(), "aws_streams", i)?;
    }
    for (i, text) in doc.gcp_buckets.iter().enumerate() {
        let name = text
            .strip_prefix("gs://")
            .or_else(|| text.strip_prefix("storage.googleapis.com/"))
            .unwrap_or(text)
            .trim_end_matches('/');
        let valid = (3..=222).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        check(valid, "gcp_buckets", i, text, "a Cloud Storage bucket name")?;
        push_unique(
            &mut out.gcp,
            format!("storage.googleapis.com/{name}"),
            "gcp_buckets",
            i,
        )?;
    }
    for (key, service, collection, list) in [
        (
            "gcp_topics",
            "pubsub.googleapis.com",
            "topics",
            &doc.gcp_topics,
        ),
        (
            "gcp_datasets",
            "bigquery.googleapis.com",
            "datasets",
            &doc.gcp_datasets,
        ),
    ] {
        for (i, text) in list.iter().enumerate() {
            let path = text
                .strip_prefix(&format!("{service}/"))
                .unwrap_or(text)
                .trim_end_matches('/');
            let parts: Vec<&str> = path.split('/').collect();
            let valid = parts.len() == 4
                && parts.first() == Some(&"projects")
                && parts.get(2) == Some(&collection)
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && !p.contains(char::is_whitespace));
            check(
                valid,
                key,
                i,
                text,
                &format!("projects/PROJECT/{collection}/NAME"),
            )?;
            push_unique(&mut out.gcp, format!("{service}/{path}"), key, i)?;
        }
    }
    for (key, provider, collection, list) in [
        (
            "azure_storage_accounts",
            "microsoft.storage",
            "storageaccounts",
            &doc.azure_storage_accounts,
        ),
        (
            "azure_workspaces",
            "microsoft.operationalinsights",
            "workspaces",
            &doc.azure_workspaces,
        ),
        (
            "azure_event_hubs",
            "microsoft.eventhub",
            "namespaces",
            &doc.azure_event_hubs,
        ),
    ] {
        for (i, text) in list.iter().enumerate() {
            let d = azure_destination(text, provider, collection).ok_or_else(|| {
                invalid(
                    key,
                    i,
                    text,
                    "a resource name or its /subscriptions/… resource id",
                )
            })?;
            if out
                .azure
                .iter()
                .any(|o| o.key == d.key && o.name == d.name && o.hub == d.hub && o.id == d.id)
            {
                return Err(ConfigError::at(
                    format!("log_destinations.{key}[{i}]"),
                    format!("{text:?} is listed twice"),
                ));
            }
            out.azure.push(d);
        }
    }
    Ok(out)
}

fn azure_destination(text: &str, provider: &str, key: &'static str) -> Option<AzureDestination> {
    let lower = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    };
    if lower.starts_with("/subscriptions/") {
        if !lower.contains(&format!("/providers/{provider}/{key}/")) {
            return None;
        }
        let id = id_through(&lower, key)?.to_owned();
        let name = id.rsplit('/').next()?.to_owned();
        let hub = segment_after(&lower, "eventhubs").map(str::to_owned);
        return Some(AzureDestination {
            key,
            name,
            hub,
            id: Some(id),
        });
    }
    let (name, hub) = match lower.split_once('/') {
        Some((ns, hub)) if key == "namespaces" && plain(hub) => (ns, Some(hub.to_owned())),
        Some(_) => return None,
        None => (lower.as_str(), None),
    };
    plain(name).then(|| AzureDestination {
        key,
        name: name.to_owned(),
        hub,
        id: None,
    })
}

fn check(valid: bool, key: &str, i: usize, text: &str, expected: &str) -> Result<(), ConfigError> {
    if valid {
        Ok(())
    } else {
        Err(invalid(key, i, text, expected))
    }
}

fn invalid(key: &str, i: usize, text: &str, expected: &str) -> ConfigError {
    ConfigError::at(
        format!("log_destinations.{key}[{i}]"),
        format!("{text:?} is not {expected}"),
    )
}

fn push_unique(
    list: &mut Vec<String>,
    value: String,
    key: &str,
    i: usize,
) -> Result<(), ConfigError> {
    if list.contains(&value) {
        return Err(ConfigError::at(
            format!("log_destinations.{key}[{i}]"),
            format!("{value:?} is listed twice"),
        ));
    }
    list.push(value);
    Ok(())
}

fn aws_bucket_name(text: &str) -> &str {
    let name = text.strip_prefix("arn:aws:s3:::").unwrap_or(text);
    name.split('/').next().unwrap_or(name)
}

/// `arn:aws:logs:region:account:log-group:NAME:*` → `NAME`.
fn log_group_name(text: &str) -> &str {
    match text.split_once(":log-group:") {
        Some((_, rest)) => rest.strip_suffix(":*").unwrap_or(rest),
        None => text,
    }
}

/// `arn:…:deliverystream/NAME`, `arn:…:stream/NAME`, `arn:aws:sns:…:NAME` → `NAME`.
fn stream_short_name(text: &str) -> &str {
    text.rsplit(['/', ':']).next().unwrap_or(text)
}

/// The lower-case id up to and including the name after `key`.
fn id_through<'r>(lower: &'r str, key: &str) -> Option<&'r str> {
    let marker = format!("/{key}/");
    let start = lower.find(&marker)? + marker.len();
    let end = lower
        .get(start..)?
        .find('/')
        .map_or(lower.len(), |at| start + at);
    (end > start).then(|| lower.get(..end)).flatten()
}

fn segment_after<'r>(lower: &'r str, key: &str) -> Option<&'r str> {
    let marker = format!("/{key}/");
    let start = lower.find(&marker)? + marker.len();
    lower
        .get(start..)?
        .split('/')
        .next()
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    #[test]
    fn names_and_identifiers_meet_the_forms_rules_compare() {
        let config = Config::parse(
            r#"{"log_destinations":{
                "aws_buckets":["org-trail-archive","arn:aws:s3:::acme-flow-logs"],
                "aws_log_groups":["arn:aws:logs:us-east-1:111122223333:log-group:/org/cloudtrail:*"],
                "aws_streams":["arn:aws:firehose:us-east-1:111122223333:deliverystream/to-splunk"],
                "gcp_buckets":["gs://acme-audit-archive"],
                "gcp_topics":["projects/acme-prod-4821/topics/siem-export"],
                "gcp_datasets":["projects/acme-sec/datasets/audit"],
                "azure_storage_accounts":["stauditarchive"],
                "azure_workspaces":["/subscriptions/6f1c/resourceGroups/rg-secops/providers/Microsoft.OperationalInsights/workspaces/law-prod"],
                "azure_event_hubs":["evh-siem/activity"]}}"#,
        )
        .expect("valid");
        let d = &config.log_destinations;
        assert!(d.aws_bucket("arn:aws:s3:::org-trail-archive"));
        assert!(d.aws_bucket("acme-flow-logs"));
        assert!(!d.aws_bucket("acme-website"));
        assert!(d.aws_log_group("/org/cloudtrail"));
        assert!(d.aws_stream("to-splunk"));
        assert!(d.gcp("storage.googleapis.com/acme-audit-archive"));
        assert!(d.gcp("pubsub.googleapis.com/projects/acme-prod-4821/topics/siem-export"));
        assert!(!d.gcp("pubsub.googleapis.com/projects/other/topics/siem-export"));
        assert!(d.gcp("bigquery.googleapis.com/projects/acme-sec/datasets/audit"));
        assert!(d.azure("/SUBSCRIPTIONS/9A/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/STAUDITARCHIVE"));
        assert!(d.azure(
            "/subscriptions/9a/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stauditarchive/blobServices/default/containers/insights-logs"
        ));
        assert!(!d.azure("/subscriptions/9a/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stwebassets"));
        assert!(d.azure("/subscriptions/6f1c/resourcegroups/rg-secops/providers/microsoft.operationalinsights/workspaces/law-prod"));
        assert!(!d.azure("/subscriptions/0000/resourcegroups/rg-secops/providers/microsoft.operationalinsights/workspaces/law-prod"));
        assert!(d.azure("/subscriptions/6f1c/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/evh-siem/eventhubs/activity"));
        assert!(!d.azure("/subscriptions/6f1c/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/evh-siem/eventhubs/metrics"));
        assert!(d.azure(
            "/subscriptions/6f1c/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/evh-siem"
        ));
        assert!(
            Config::parse("{}")
                .expect("empty")
                .log_destinations
                .is_empty()
        );
    }

    #[test]
    fn malformed_entries_are_rejected_at_their_path() {
        for (doc, path) in [
            (
                r#"{"aws_buckets":["Not A Bucket"]}"#,
                "log_destinations.aws_buckets[0]",
            ),
            (
                r#"{"aws_buckets":["a-b-c","arn:aws:s3:::a-b-c"]}"#,
                "log_destinations.aws_buckets[1]",
            ),
            (
                r#"{"gcp_topics":["siem-export"]}"#,
                "log_destinations.gcp_topics[0]",
            ),
            (
                r#"{"gcp_datasets":["projects/p/topics/t"]}"#,
                "log_destinations.gcp_datasets[0]",
            ),
            (
                r#"{"gcp_buckets":["x"]}"#,
                "log_destinations.gcp_buckets[0]",
            ),
            (
                r#"{"azure_workspaces":["/subscriptions/1/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/s"]}"#,
                "log_destinations.azure_workspaces[0]",
            ),
            (
                r#"{"azure_storage_accounts":["st/x"]}"#,
                "log_destinations.azure_storage_accounts[0]",
            ),
        ] {
            let err = Config::parse(&format!(r#"{{"log_destinations":{doc}}}"#)).expect_err(doc);
            assert_eq!(err.path, path, "{doc}: {err}");
        }
        let err =
            Config::parse(r#"{"log_destinations":{"aws_bucket":["x"]}}"#).expect_err("unknown key");
        assert!(err.path.starts_with("log_destinations"), "{err}");
    }
}
