//! Family 2 on AWS, from CloudTrail: instance metadata service switched off or downgraded, user data
//! (agent bootstrap) replaced, security groups swapped, instance profiles removed, egress cut, snapshots
//! shared out, instances launched in unused regions and root volumes replaced.

use serde_json::value::RawValue;

use super::{CLOUD_FIREWALL, CREATE_INSTANCE, CREATE_SNAPSHOT, MODIFY_COMPUTE, REVERT_INSTANCE};
use crate::config::Config;
use crate::model::{Severity, SourceKind};
use crate::rules::{Detection, Rule, rule, sh};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

const AWS: &[SourceKind] = &[SourceKind::AwsCloudtrail];

rule!(
    IMDS_DISABLED,
    "aws.ec2.imds_disabled",
    "Instance metadata service disabled",
    MODIFY_COMPUTE,
    High,
    85,
    AWS,
    "ModifyInstanceMetadataOptions with HttpEndpoint disabled: agents on the instance lose their identity, \
     credentials and region, and stop reporting."
);
rule!(
    IMDSV2_DOWNGRADED,
    "aws.ec2.imdsv2_downgraded",
    "Instance metadata service downgraded to IMDSv1",
    MODIFY_COMPUTE,
    Medium,
    80,
    AWS,
    "ModifyInstanceMetadataOptions with HttpTokens optional: session tokens are no longer required, so SSRF \
     can read the instance's credentials. HttpTokens required is not a finding."
);
rule!(
    USER_DATA_MODIFIED,
    "aws.ec2.user_data_modified",
    "Instance user data replaced",
    MODIFY_COMPUTE,
    High,
    70,
    AWS,
    "ModifyInstanceAttribute on userData: the instance's bootstrap (which installs and starts its agents) \
     was replaced; it runs at the next start."
);
rule!(
    SECURITY_GROUPS_REPLACED,
    "aws.ec2.security_groups_replaced",
    "Instance security groups replaced",
    MODIFY_COMPUTE,
    Medium,
    60,
    AWS,
    "ModifyInstanceAttribute with groupSet: every security group of the instance was swapped, which can cut \
     its agents off from their collectors."
);
rule!(
    INSTANCE_PROFILE_REMOVED,
    "aws.ec2.instance_profile_removed",
    "Instance profile disassociated or replaced",
    MODIFY_COMPUTE,
    High,
    70,
    AWS,
    "DisassociateIamInstanceProfile (agents lose their credentials; high) or \
     ReplaceIamInstanceProfileAssociation (medium)."
);
rule!(
    EGRESS_RESTRICTED,
    "aws.ec2.egress_restricted",
    "Egress cut by a security group or network ACL change",
    CLOUD_FIREWALL,
    Medium,
    60,
    AWS,
    "RevokeSecurityGroupEgress of all traffic or 0.0.0.0/0 / ::/0, or a network ACL egress deny entry: \
     agents can no longer reach their collectors. High for an ACL deny of everything."
);
rule!(
    SNAPSHOT_SHARED,
    "aws.ec2.snapshot_shared",
    "EBS snapshot shared with another account or made public",
    CREATE_SNAPSHOT,
    High,
    80,
    AWS,
    "ModifySnapshotAttribute adding createVolumePermission for another account or group all. Creating a \
     snapshot without sharing it is not a finding."
);
rule!(
    UNUSED_REGION,
    "aws.ec2.instance_in_unused_region",
    "Instances launched in a region the account does not use",
    CREATE_INSTANCE,
    High,
    70,
    AWS,
    "RunInstances in a region outside the configured aws_used_regions, where nobody watches. Does nothing \
     while aws_used_regions is empty."
);
rule!(
    ROOT_VOLUME_REPLACED,
    "aws.ec2.root_volume_replaced",
    "Instance root volume replaced",
    REVERT_INSTANCE,
    High,
    70,
    AWS,
    "CreateReplaceRootVolumeTask: the instance's root volume is restored from a snapshot or image, wiping \
     on-disk evidence and the agents installed since."
);

pub static RULES: &[&Rule] = &[
    &IMDS_DISABLED,
    &IMDSV2_DOWNGRADED,
    &USER_DATA_MODIFIED,
    &SECURITY_GROUPS_REPLACED,
    &INSTANCE_PROFILE_REMOVED,
    &EGRESS_RESTRICTED,
    &SNAPSHOT_SHARED,
    &UNUSED_REGION,
    &ROOT_VOLUME_REPLACED,
];

/// Evaluate a write call to EC2.
pub fn evaluate(record: &Record<'_>, config: &Config, out: &mut Vec<Detection>) {
    if record.service() != "ec2" {
        return;
    }
    match &*record.event_name {
        "ModifyInstanceMetadataOptions" => metadata_options(record, out),
        "ModifyInstanceAttribute" => instance_attribute(record, out),
        "DisassociateIamInstanceProfile" | "ReplaceIamInstanceProfileAssociation" => {
            out.extend(instance_profile(record));
        }
        "RevokeSecurityGroupEgress" => out.extend(revoke_egress(record)),
        "CreateNetworkAclEntry" | "ReplaceNetworkAclEntry" => out.extend(acl_entry(record)),
        "ModifySnapshotAttribute" => out.extend(snapshot_shared(record)),
        "RunInstances" => out.extend(unused_region(record, config)),
        "CreateReplaceRootVolumeTask" => out.extend(root_volume(record)),
        _ => {}
    }
}

fn region(record: &Record<'_>) -> String {
    sh(record.aws_region.as_deref().unwrap_or("us-east-1"))
}

/// Newer EC2 calls wrap their parameters in `<Action>Request` with capitalised keys; older ones do not.
fn request<'a>(record: &Record<'a>, wrapper: &str) -> Option<Object<'a>> {
    let params = record.params()?;
    Some(params.object(wrapper).unwrap_or(params))
}

fn either(object: &Object<'_>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| object.str(k))
        .map(|v| v.into_owned())
}

fn quoted(value: &Option<String>, placeholder: &str) -> String {
    value.as_deref().map_or_else(|| placeholder.to_owned(), sh)
}

fn metadata_options(record: &Record<'_>, out: &mut Vec<Detection>) {
    let Some(request) = request(record, "ModifyInstanceMetadataOptionsRequest") else {
        return;
    };
    let instance = either(&request, &["InstanceId", "instanceId"]);
    let endpoint = either(&request, &["HttpEndpoint", "httpEndpoint"]);
    let tokens = either(&request, &["HttpTokens", "httpTokens"]);
    let i = quoted(&instance, "<instance-id>");
    let r = region(record);
    let shown = instance.as_deref().unwrap_or("(unknown instance)");
    let scope = format!(
        "`aws ec2 describe-instances --instance-ids {i} --region {r} --query 'Reservations[].Instances[].MetadataOptions'`"
    );
    let restore = format!(
        "aws ec2 modify-instance-metadata-options --instance-id {i} --http-endpoint enabled --http-tokens required --region {r}"
    );
    if endpoint
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("disabled"))
    {
        out.push(
            Detection::new(&IMDS_DISABLED)
                .reason(format!(
                    "the instance metadata service of {shown} was disabled: agents that read their role \
                     credentials and identity from it stop working"
                ))
                .scope(scope.clone())
                .restore(restore.clone()),
        );
    }
    if tokens
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("optional"))
    {
        out.push(
            Detection::new(&IMDSV2_DOWNGRADED)
                .reason(format!(
                    "instance {shown} no longer requires IMDSv2 session tokens (HttpTokens=optional): its \
                     role credentials are readable through SSRF"
                ))
                .scope(scope)
                .restore(restore),
        );
    }
}

fn instance_attribute(record: &Record<'_>, out: &mut Vec<Detection>) {
    let Some(params) = record.params() else {
        return;
    };
    let instance = params.str("instanceId").map(|v| v.into_owned());
    let i = quoted(&instance, "<instance-id>");
    let r = region(record);
    let shown = instance.as_deref().unwrap_or("(unknown instance)");
    let attribute = params.str("attribute");
    if params.has("userData") || attribute.as_deref() == Some("userData") {
        out.push(
            Detection::new(&USER_DATA_MODIFIED)
                .reason(format!(
                    "the user data of instance {shown} was replaced (CloudTrail redacts the new value): the \
                     bootstrap that installs its agents runs differently at the next start"
                ))
                .scope(format!(
                    "`aws ec2 describe-instance-attribute --instance-id {i} --attribute userData --region {r}` \
                     shows the new script (base64); look for StopInstances/StartInstances on {shown} around \
                     this event"
                ))
                .restore(format!(
                    "aws ec2 stop-instances --instance-ids {i} --region {r} && aws ec2 modify-instance-attribute \
                     --instance-id {i} --attribute userData --value file://<approved-user-data> --region {r} && \
                     aws ec2 start-instances --instance-ids {i} --region {r}"
                )),
        );
    }
    if let Some(groups) = params.raw("groupSet") {
        let ids = group_ids(groups);
        out.push(
            Detection::new(&SECURITY_GROUPS_REPLACED)
                .reason(format!(
                    "the security groups of instance {shown} were replaced by {}: rules that let its agents \
                     reach their collectors may be gone",
                    if ids.is_empty() {
                        "(unlisted groups)".to_owned()
                    } else {
                        ids.join(", ")
                    }
                ))
                .scope(format!(
                    "`aws ec2 describe-instances --instance-ids {i} --region {r} --query \
                     'Reservations[].Instances[].SecurityGroups'` and the new groups' egress rules"
                ))
                .restore(format!(
                    "aws ec2 modify-instance-attribute --instance-id {i} --groups <approved-sg-ids> --region {r}"
                )),
        );
    }
}

/// `{"items":[{"groupId":"sg-…"}]}` as CloudTrail writes EC2 lists.
fn group_ids(raw: &RawValue) -> Vec<String> {
    items(raw)
        .into_iter()
        .filter_map(|item| item.str("groupId").map(|g| g.into_owned()))
        .collect()
}

/// The objects of an EC2 list: `{"items":[…]}`, a bare array, or a single object.
fn items(raw: &RawValue) -> Vec<Object<'_>> {
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

fn instance_profile(record: &Record<'_>) -> Option<Detection> {
    let disassociate = record.event_name == "DisassociateIamInstanceProfile";
    let wrapper = if disassociate {
        "DisassociateIamInstanceProfileRequest"
    } else {
        "ReplaceIamInstanceProfileAssociationRequest"
    };
    let request = request(record, wrapper)?;
    let association = either(&request, &["associationId", "AssociationId"]);
    let profile = request
        .object("iamInstanceProfile")
        .or_else(|| request.object("IamInstanceProfile"))
        .and_then(|p| either(&p, &["name", "Name", "arn", "Arn"]));
    let a = quoted(&association, "<association-id>");
    let r = region(record);
    let shown = association.as_deref().unwrap_or("(unknown association)");
    let detection = Detection::new(&INSTANCE_PROFILE_REMOVED).scope(format!(
        "`aws ec2 describe-iam-instance-profile-associations --association-ids {a} --region {r}` names the \
         instance and the profile it has now; its agents' AWS calls change identity from this event"
    ));
    Some(if disassociate {
        detection
            .reason(format!(
                "instance profile association {shown} was removed: the instance's agents lost their AWS \
                 credentials"
            ))
            .restore(format!(
                "aws ec2 associate-iam-instance-profile --instance-id <instance-id> --iam-instance-profile \
                 Name=<approved-profile> --region {r}"
            ))
    } else {
        detection
            .severity(Severity::Medium)
            .reason(format!(
                "instance profile association {shown} was replaced with {}: the agents now run with another \
                 role's permissions",
                profile.as_deref().unwrap_or("(unnamed profile)")
            ))
            .restore(format!(
                "aws ec2 replace-iam-instance-profile-association --association-id {a} --iam-instance-profile \
                 Name=<approved-profile> --region {r}"
            ))
    })
}

const ANYWHERE: [&str; 2] = ["0.0.0.0/0", "::/0"];

fn revoke_egress(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    let group = params.str("groupId").map(|g| g.into_owned());
    let permissions = params.raw("ipPermissions").map(items).unwrap_or_default();
    let mut cut = Vec::new();
    for permission in &permissions {
        let protocol = permission.str("ipProtocol").unwrap_or_default();
        let all_ports = protocol == "-1"
            || (permission.i64("fromPort") == Some(0) && permission.i64("toPort") == Some(65535));
        let mut ranges: Vec<String> = Vec::new();
        for (list, key) in [("ipRanges", "cidrIp"), ("ipv6Ranges", "cidrIpv6")] {
            for range in permission.raw(list).map(items).unwrap_or_default() {
                if let Some(cidr) = range.str(key) {
                    ranges.push(cidr.into_owned());
                }
            }
        }
        let anywhere = ranges.iter().any(|c| ANYWHERE.contains(&c.as_str()));
        if all_ports || anywhere {
            cut.push(format!(
                "{} to {}",
                if protocol == "-1" {
                    "all traffic".to_owned()
                } else {
                    format!("protocol {protocol}")
                },
                if ranges.is_empty() {
                    "its destinations".to_owned()
                } else {
                    ranges.join(", ")
                }
            ));
        }
    }
    if cut.is_empty() {
        return None;
    }
    let g = quoted(&group, "<group-id>");
    let r = region(record);
    Some(
        Detection::new(&EGRESS_RESTRICTED)
            .reason(format!(
                "egress of security group {} was revoked ({}): instances in it can no longer reach their \
                 log and agent collectors",
                group.as_deref().unwrap_or("(unknown group)"),
                cut.join("; ")
            ))
            .scope(format!(
                "`aws ec2 describe-instances --filters Name=instance.group-id,Values={g} --region {r}` lists the \
                 instances cut off"
            ))
            .restore(format!(
                "aws ec2 authorize-security-group-egress --group-id {g} --ip-permissions \
                 'IpProtocol=-1,IpRanges=[{{CidrIp=0.0.0.0/0}}]' --region {r}"
            )),
    )
}

fn acl_entry(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    if params.bool("egress") != Some(true)
        || !params
            .str("ruleAction")
            .is_some_and(|a| a.eq_ignore_ascii_case("deny"))
    {
        return None;
    }
    let acl = params.str("networkAclId").map(|a| a.into_owned());
    let rule_number = params.i64("ruleNumber");
    let cidr = params
        .str("cidrBlock")
        .or_else(|| params.str("ipv6CidrBlock"))
        .map(|c| c.into_owned());
    let protocol = params
        .str("aclProtocol")
        .or_else(|| params.str("protocol"))
        .map(|p| p.into_owned());
    let everything = cidr.as_deref().is_some_and(|c| ANYWHERE.contains(&c))
        && protocol.as_deref().is_none_or(|p| p == "-1");
    let a = quoted(&acl, "<network-acl-id>");
    let n = rule_number.map_or_else(|| "<rule-number>".to_owned(), |n| n.to_string());
    let r = region(record);
    Some(
        Detection::new(&EGRESS_RESTRICTED)
            .severity(if everything {
                Severity::High
            } else {
                Severity::Medium
            })
            .reason(format!(
                "network ACL {} gained egress deny rule {n} for {} (protocol {}): agents in its subnets may no \
                 longer reach their collectors",
                acl.as_deref().unwrap_or("(unknown ACL)"),
                cidr.as_deref().unwrap_or("(no CIDR)"),
                protocol.as_deref().unwrap_or("any")
            ))
            .scope(format!(
                "`aws ec2 describe-network-acls --network-acl-ids {a} --region {r}` shows the subnets it covers"
            ))
            .restore(format!(
                "aws ec2 delete-network-acl-entry --network-acl-id {a} --rule-number {n} --egress --region {r}"
            )),
    )
}

fn snapshot_shared(record: &Record<'_>) -> Option<Detection> {
    let params = record.params()?;
    let added = params
        .path(&["createVolumePermission", "add"])
        .map(items)
        .unwrap_or_default();
    let own = record.account();
    let mut accounts = Vec::new();
    let mut public = false;
    for grant in &added {
        if let Some(user) = grant.str("userId")
            && Some(&*user) != own
        {
            accounts.push(user.into_owned());
        }
        if grant
            .str("group")
            .is_some_and(|g| g.eq_ignore_ascii_case("all"))
        {
            public = true;
        }
    }
    if accounts.is_empty() && !public {
        return None;
    }
    let snapshot = params.str("snapshotId").map(|s| s.into_owned());
    let s = quoted(&snapshot, "<snapshot-id>");
    let r = region(record);
    let mut detection = Detection::new(&SNAPSHOT_SHARED)
        .reason(format!(
            "snapshot {} can now be copied {}: the disk's data leaves the account's monitoring",
            snapshot.as_deref().unwrap_or("(unknown snapshot)"),
            match (public, accounts.is_empty()) {
                (true, true) => "by anyone (group all)".to_owned(),
                (true, false) => format!("by anyone (group all) and by {}", accounts.join(", ")),
                _ => format!("by account(s) {}", accounts.join(", ")),
            }
        ))
        .scope(format!(
            "`aws ec2 describe-snapshot-attribute --snapshot-id {s} --attribute createVolumePermission --region {r}`; \
             look for the CreateSnapshot that made it just before"
        ));
    if public {
        detection = detection.severity(Severity::Critical).restore(format!(
            "aws ec2 modify-snapshot-attribute --snapshot-id {s} --attribute createVolumePermission \
             --operation-type remove --group-names all --region {r}"
        ));
    }
    if !accounts.is_empty() {
        let ids = accounts.iter().map(|a| sh(a)).collect::<Vec<_>>().join(" ");
        detection = detection.restore(format!(
            "aws ec2 modify-snapshot-attribute --snapshot-id {s} --attribute createVolumePermission \
             --operation-type remove --user-ids {ids} --region {r}"
        ));
    }
    Some(detection)
}

fn unused_region(record: &Record<'_>, config: &Config) -> Option<Detection> {
    if config.aws_used_regions.is_empty() {
        return None;
    }
    let used = record.aws_region.as_deref()?;
    if config.aws_used_regions.iter().any(|r| r == used) {
        return None;
    }
    let r = sh(used);
    Some(
        Detection::new(&UNUSED_REGION)
            .reason(format!(
                "instances were launched in {used}, which is not one of the account's regions ({}): nothing \
                 there is monitored or expected",
                config.aws_used_regions.join(", ")
            ))
            .scope(format!(
                "`aws ec2 describe-instances --region {r} --filters Name=instance-state-name,Values=pending,running`"
            ))
            .restore(format!(
                "after preserving evidence: aws ec2 terminate-instances --instance-ids <instance-ids> --region {r}"
            )),
    )
}

fn root_volume(record: &Record<'_>) -> Option<Detection> {
    let request = request(record, "CreateReplaceRootVolumeTaskRequest")?;
    let instance = either(&request, &["InstanceId", "instanceId"]);
    let source = either(
        &request,
        &["SnapshotId", "snapshotId", "ImageId", "imageId"],
    );
    let delete_old = request
        .bool("DeleteReplacedRootVolume")
        .or_else(|| request.bool("deleteReplacedRootVolume"))
        == Some(true);
    let i = quoted(&instance, "<instance-id>");
    let r = region(record);
    Some(
        Detection::new(&ROOT_VOLUME_REPLACED)
            .reason(format!(
                "the root volume of instance {} is being replaced from {}{}",
                instance.as_deref().unwrap_or("(unknown instance)"),
                source.as_deref().unwrap_or("its launch state"),
                if delete_old {
                    ", and the replaced volume is deleted: on-disk evidence and installed agents are gone"
                } else {
                    ": on-disk state and agents installed since are reverted"
                }
            ))
            .scope(format!(
                "`aws ec2 describe-replace-root-volume-tasks --filters Name=instance-id,Values={i} --region {r}`"
            ))
            .restore(format!(
                "reinstall the agents, or revert: aws ec2 create-replace-root-volume-task --instance-id {i} \
                 --snapshot-id <approved-snapshot-id> --region {r}"
            )),
    )
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
}
