//! Family 2 on AWS, instances changed under their agents: user data replaced, security groups swapped,
//! instance profiles removed, root volumes replaced.

use crate::sources::json::Raw;

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;

use super::{either, items, quoted, request};
use crate::rules::audit_logging::aws::region;

declare! {
    USER_DATA_MODIFIED = {
        id: "aws.ec2.user_data_modified",
        title: "Instance user data replaced",
        description: "ModifyInstanceAttribute on userData: the instance's bootstrap (which installs and starts its agents) \
                     was replaced; it runs at the next start.",
        attack: &attack::MODIFY_COMPUTE,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "ModifyInstanceAttribute")],
            check: user_data,
        },
    };
    SECURITY_GROUPS_REPLACED = {
        id: "aws.ec2.security_groups_replaced",
        title: "Instance security groups replaced",
        description: "ModifyInstanceAttribute with groupSet: every security group of the instance was swapped, which can cut \
                     its agents off from their collectors.",
        attack: &attack::MODIFY_COMPUTE,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "ModifyInstanceAttribute")],
            check: groups_replaced,
        },
    };
    INSTANCE_PROFILE_REMOVED = {
        id: "aws.ec2.instance_profile_removed",
        title: "Instance profile disassociated or replaced",
        description: "DisassociateIamInstanceProfile (agents lose their credentials; high) or \
                     ReplaceIamInstanceProfileAssociation (medium).",
        attack: &attack::MODIFY_COMPUTE,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "DisassociateIamInstanceProfile"), ("ec2", "ReplaceIamInstanceProfileAssociation")],
            check: instance_profile,
        },
    };
    ROOT_VOLUME_REPLACED = {
        id: "aws.ec2.root_volume_replaced",
        title: "Instance root volume replaced",
        description: "CreateReplaceRootVolumeTask: the instance's root volume is restored from a snapshot or image, wiping \
                     on-disk evidence and the agents installed since.",
        attack: &attack::REVERT_INSTANCE,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "CreateReplaceRootVolumeTask")],
            check: root_volume,
        },
    };
    INSTANCES_TERMINATED = {
        id: "aws.ec2.instances_terminated",
        title: "Instances terminated",
        description: "TerminateInstances by a person or pipeline: a low finding that never alerts alone (instances are \
                      terminated all day) but lets sequences see a host and its agents, disks and evidence removed \
                      after other moves. Terminations by Auto Scaling and other AWS services are not findings.",
        attack: &attack::DELETE_INSTANCE,
        severity: Severity::Low,
        confidence: 40,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "TerminateInstances")],
            check: instances_terminated,
        },
    };
}

/// `{"items":[{"groupId":"sg-…"}]}` as CloudTrail writes EC2 lists.
fn group_ids(raw: Raw<'_>) -> Vec<String> {
    items(raw)
        .into_iter()
        .filter_map(|item| item.str("groupId").map(|g| g.into_owned()))
        .collect()
}

fn instance_profile(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn root_volume(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn user_data(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    if !(params.has("userData") || params.str("attribute").as_deref() == Some("userData")) {
        return None;
    }
    let instance = params.str("instanceId").map(|v| v.into_owned());
    let i = quoted(&instance, "<instance-id>");
    let r = region(record);
    let shown = instance.as_deref().unwrap_or("(unknown instance)");
    Some(
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
    )
}

fn groups_replaced(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let groups = params.raw("groupSet")?;
    let instance = params.str("instanceId").map(|v| v.into_owned());
    let i = quoted(&instance, "<instance-id>");
    let r = region(record);
    let shown = instance.as_deref().unwrap_or("(unknown instance)");
    let ids = group_ids(groups);
    Some(
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
    )
}

fn instances_terminated(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    if crate::rules::audit_logging::aws::by_service(record) {
        return None;
    }
    let params = record.params()?;
    let ids: Vec<String> = params
        .raw("instancesSet")
        .map(items)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| i.str("instanceId").map(|s| s.into_owned()))
        .collect();
    let r = region(record);
    Some(
        Detection::new(&INSTANCES_TERMINATED)
            .reason(format!(
                "instance(s) {} were terminated: their agents, disks and in-memory evidence are gone",
                crate::rules::audit_logging::aws::listed(&ids)
            ))
            .scope(format!(
                "`aws ec2 describe-instances --instance-ids <ids> --region {r}` while they are still listed; the \
                 principal's other calls before this one"
            ))
            .restore("relaunch from the approved launch template if the termination was not intended"),
    )
}
