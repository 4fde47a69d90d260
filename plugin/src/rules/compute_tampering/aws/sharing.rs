//! Family 2 on AWS, disks, images and database snapshots shared out of the account (EC2
//! ModifySnapshotAttribute/ModifyImageAttribute, RDS Modify*SnapshotAttribute as CloudTrail records
//! them: `createVolumePermission`/`launchPermission` `add.items`, `attributeName`/`valuesToAdd`).

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

    IMAGE_SHARED = {
        id: "aws.ec2.image_shared",
        title: "AMI shared with another account or made public",
        description: "ModifyImageAttribute adding launchPermission for another account (high), an organization or OU \
                      (medium) or group all (public; critical): the image's disk contents can be launched and read \
                      outside the account. Removing launch permissions is not a finding.",
        attack: &attack::TRANSFER_TO_CLOUD_ACCOUNT,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "ModifyImageAttribute")],
            check: image_shared,
        },
    };
    DB_SNAPSHOT_SHARED = {
        id: "aws.rds.snapshot_shared",
        title: "RDS snapshot shared with another account or made public",
        description: "ModifyDBSnapshotAttribute or ModifyDBClusterSnapshotAttribute with attributeName restore adding \
                      another account (high) or all (public; critical): the database's contents can be restored \
                      outside the account. valuesToRemove only is not a finding.",
        attack: &attack::TRANSFER_TO_CLOUD_ACCOUNT,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[("rds", "ModifyDBSnapshotAttribute"), ("rds", "ModifyDBClusterSnapshotAttribute")],
            check: db_snapshot_shared,
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

fn image_shared(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let added = params
        .path(&["launchPermission", "add"])
        .map(items)
        .unwrap_or_default();
    let own = record.account();
    let mut accounts = Vec::new();
    let mut orgs = Vec::new();
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
        for key in ["organizationArn", "organizationalUnitArn"] {
            if let Some(arn) = grant.str(key) {
                orgs.push(arn.into_owned());
            }
        }
    }
    if accounts.is_empty() && orgs.is_empty() && !public {
        return None;
    }
    let image = params.str("imageId").map(|s| s.into_owned());
    let i = quoted(&image, "<image-id>");
    let r = region(record);
    let mut who = Vec::new();
    if public {
        who.push("anyone (group all)".to_owned());
    }
    if !accounts.is_empty() {
        who.push(format!("account(s) {}", accounts.join(", ")));
    }
    if !orgs.is_empty() {
        who.push(orgs.join(", "));
    }
    let severity = if public {
        Severity::Critical
    } else if accounts.is_empty() {
        Severity::Medium
    } else {
        Severity::High
    };
    let mut removes = Vec::new();
    if public {
        removes.push("Group=all".to_owned());
    }
    removes.extend(accounts.iter().map(|a| format!("UserId={}", sh(a))));
    Some(
        Detection::new(&IMAGE_SHARED)
            .severity(severity)
            .reason(format!(
                "image {} can now be launched by {}: its disk contents leave the account",
                image.as_deref().unwrap_or("(unknown image)"),
                who.join(" and ")
            ))
            .scope(format!(
                "`aws ec2 describe-image-attribute --image-id {i} --attribute launchPermission --region {r}`; look \
                 for the CreateImage that made it"
            ))
            .restore(format!(
                "aws ec2 modify-image-attribute --image-id {i} --launch-permission 'Remove=[{{{}}}]' --region {r}",
                if removes.is_empty() { "UserId=<account-id>".to_owned() } else { removes.join("},{") }
            )),
    )
}

fn db_snapshot_shared(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    if params.str("attributeName").as_deref() != Some("restore") {
        return None;
    }
    let own = record.account();
    let added: Vec<String> = crate::rules::audit_logging::aws::strings(&params, &["valuesToAdd"])
        .into_iter()
        .filter(|v| Some(v.as_str()) != own)
        .collect();
    if added.is_empty() {
        return None;
    }
    let public = added.iter().any(|v| v.eq_ignore_ascii_case("all"));
    let cluster = record.event_name == "ModifyDBClusterSnapshotAttribute";
    let snapshot = params
        .str(if cluster {
            "dBClusterSnapshotIdentifier"
        } else {
            "dBSnapshotIdentifier"
        })
        .map(|s| s.into_owned());
    let s = quoted(&snapshot, "<snapshot>");
    let r = region(record);
    let kind = if cluster {
        "cluster-snapshot"
    } else {
        "snapshot"
    };
    Some(
        Detection::new(&DB_SNAPSHOT_SHARED)
            .severity(if public { Severity::Critical } else { Severity::High })
            .reason(format!(
                "RDS {} {} can now be restored by {}: the database's data leaves the account",
                if cluster { "cluster snapshot" } else { "snapshot" },
                snapshot.as_deref().unwrap_or("(unknown snapshot)"),
                if public { "anyone (all)".to_owned() } else { format!("account(s) {}", added.join(", ")) }
            ))
            .scope(format!(
                "`aws rds describe-db-{kind}-attributes --db-{kind}-identifier {s} --region {r}`"
            ))
            .restore(format!(
                "aws rds modify-db-{kind}-attribute --db-{kind}-identifier {s} --attribute-name restore \
                 --values-to-remove {} --region {r}",
                added.iter().map(|a| sh(a)).collect::<Vec<_>>().join(" ")
            )),
    )
}
