//! Family 2 on AWS, from CloudTrail, one module per kind of change: the instance metadata service,
//! instances changed under their agents, egress cut, disks shared out, launches in unused regions.

use crate::sources::json::Raw;

use crate::rules::{Rule, sh};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

pub mod firewalls;
pub mod instance;
pub mod metadata;
pub mod network;
pub mod regions;
pub mod sharing;
pub mod ssm;

/// Every AWS compute-tampering rule, in catalogue order.
pub static MODULES: &[&[&Rule]] = &[
    metadata::RULES,
    instance::RULES,
    network::RULES,
    firewalls::RULES,
    sharing::RULES,
    regions::RULES,
    ssm::RULES,
];

pub const ANYWHERE: [&str; 2] = ["0.0.0.0/0", "::/0"];

/// Newer EC2 calls wrap their parameters in `<Action>Request` with capitalised keys; older ones do not.
pub fn request<'a>(record: &Record<'a>, wrapper: &str) -> Option<Object<'a>> {
    let params = record.params()?;
    Some(params.object(wrapper).unwrap_or(params))
}

pub fn either(object: &Object<'_>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| object.str(k))
        .map(|v| v.into_owned())
}

pub fn quoted(value: &Option<String>, placeholder: &str) -> String {
    value.as_deref().map_or_else(|| placeholder.to_owned(), sh)
}

/// The objects of an EC2 list: `{"items":[…]}`, a bare array, or a single object.
pub fn items(raw: Raw<'_>) -> Vec<Object<'_>> {
    if let Some(list) = json::raw_array(raw) {
        return list
            .into_iter()
            .filter_map(|r| Object::from_raw(r).ok())
            .collect();
    }
    match Object::from_raw(raw) {
        Ok(object) => match object.raw("items").or_else(|| object.raw("item")) {
            Some(inner) => items(inner),
            None => vec![object],
        },
        Err(_) => Vec::new(),
    }
}
#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::test_support::fire_with;

    fn ids(text: &str) -> Vec<&'static str> {
        fire_with(text, &Config::default())
            .iter()
            .map(|d| d.rule.id)
            .collect()
    }

    fn ec2(name: &str, region: &str, params: &str) -> String {
        format!(
            r#"{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/OpsAdmin/mallory","accountId":"111122223333"}},"eventTime":"2026-11-27T11:02:00Z","eventSource":"ec2.amazonaws.com","eventName":"{name}","awsRegion":"{region}","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.30","requestParameters":{params},"responseElements":null,"eventID":"e","readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}}"#
        )
    }

    #[test]
    fn metadata_options_separate_downgrade_from_upgrade() {
        let name = "ModifyInstanceMetadataOptions";
        let off = fire_with(
            &ec2(
                name,
                "us-east-1",
                r#"{"ModifyInstanceMetadataOptionsRequest":{"InstanceId":"i-0abc1234def567890","HttpEndpoint":"disabled"}}"#,
            ),
            &Config::default(),
        );
        assert_eq!(off.len(), 1);
        assert_eq!(off[0].rule.id, "aws.ec2.imds_disabled");
        assert_eq!(
            off[0].restore[0],
            "aws ec2 modify-instance-metadata-options --instance-id i-0abc1234def567890 --http-endpoint enabled --http-tokens required --region us-east-1"
        );
        assert_eq!(
            ids(&ec2(
                name,
                "us-east-1",
                r#"{"ModifyInstanceMetadataOptionsRequest":{"InstanceId":"i-1","HttpTokens":"optional"}}"#
            )),
            vec!["aws.ec2.imdsv2_downgraded"]
        );
        assert!(
            ids(&ec2(
                name,
                "us-east-1",
                r#"{"ModifyInstanceMetadataOptionsRequest":{"InstanceId":"i-1","HttpTokens":"required","HttpEndpoint":"enabled"}}"#
            ))
            .is_empty()
        );
    }

    #[test]
    fn snapshot_sharing_and_acl_conditions() {
        let share = r#"{"snapshotId":"snap-0a1b2c3d4e5f67890","attributeType":"CREATE_VOLUME_PERMISSION","createVolumePermission":{"add":{"items":[{"userId":"444455556666"}]}}}"#;
        assert_eq!(
            ids(&ec2("ModifySnapshotAttribute", "us-east-1", share)),
            vec!["aws.ec2.snapshot_shared"]
        );
        let unshare = r#"{"snapshotId":"snap-0a1b2c3d4e5f67890","attributeType":"CREATE_VOLUME_PERMISSION","createVolumePermission":{"remove":{"items":[{"userId":"444455556666"}]}}}"#;
        assert!(ids(&ec2("ModifySnapshotAttribute", "us-east-1", unshare)).is_empty());
        let deny = r#"{"networkAclId":"acl-0123456789abcdef0","ruleNumber":90,"aclProtocol":"-1","ruleAction":"deny","egress":true,"cidrBlock":"0.0.0.0/0"}"#;
        let found = fire_with(
            &ec2("CreateNetworkAclEntry", "us-east-1", deny),
            &Config::default(),
        );
        assert_eq!(found[0].severity, crate::model::Severity::High);
        let ingress = r#"{"networkAclId":"acl-0123456789abcdef0","ruleNumber":90,"aclProtocol":"-1","ruleAction":"deny","egress":false,"cidrBlock":"0.0.0.0/0"}"#;
        assert!(ids(&ec2("CreateNetworkAclEntry", "us-east-1", ingress)).is_empty());
    }

    #[test]
    fn unused_region_needs_a_configured_list() {
        let run = ec2(
            "RunInstances",
            "ap-southeast-3",
            r#"{"instancesSet":{"items":[{"imageId":"ami-0123456789abcdef0","minCount":1,"maxCount":10}]},"instanceType":"c5.4xlarge"}"#,
        );
        assert!(ids(&run).is_empty());
        let config =
            Config::parse(r#"{"aws_used_regions":["us-east-1","eu-west-1"]}"#).expect("valid");
        let found = fire_with(&run, &config);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule.id, "aws.ec2.instance_in_unused_region");
        let used = run.replace("ap-southeast-3", "eu-west-1");
        assert!(fire_with(&used, &config).is_empty());
    }

    #[test]
    fn enable_region_is_graded_by_the_configured_regions() {
        // Account API EnableRegion, as CloudTrail records it (eventSource account.amazonaws.com).
        let enable = ec2("EnableRegion", "us-east-1", r#"{"RegionName":"ap-east-1"}"#)
            .replace("ec2.amazonaws.com", "account.amazonaws.com");
        let severity = |config: &str| {
            let config = Config::parse(config).expect("valid");
            let found = fire_with(&enable, &config);
            assert_eq!(found.len(), 1, "{config:?}");
            found[0].severity
        };
        use crate::model::Severity;
        assert_eq!(severity("{}"), Severity::Medium);
        assert_eq!(
            severity(r#"{"aws_used_regions":["us-east-1"]}"#),
            Severity::High
        );
        assert_eq!(
            severity(r#"{"aws_used_regions":["us-east-1","ap-east-1"]}"#),
            Severity::Low
        );
    }
}
