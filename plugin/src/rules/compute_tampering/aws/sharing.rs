//! Family 2 on AWS, disks shared out of the account.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;

use super::{items, quoted};
use crate::rules::audit_logging::aws::region;

declare! {
    SNAPSHOT_SHARED = {
        id: "aws.ec2.snapshot_shared",
        title: "EBS snapshot shared with another account or made public",
        description: "ModifySnapshotAttribute adding createVolumePermission for another account or group all. Creating a \
                     snapshot without sharing it is not a finding.",
        attack: &attack::CREATE_SNAPSHOT,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "ModifySnapshotAttribute")],
            check: snapshot_shared,
        },
    };
}

fn snapshot_shared(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
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
