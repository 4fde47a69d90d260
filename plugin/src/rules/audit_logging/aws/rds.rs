//! Family 1 on AWS, RDS: database activity streams stopped and log exports (audit, error, general,
//! slow query, postgresql) to CloudWatch turned off. Request fields as CloudTrail records RDS calls
//! (docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html:
//! `cloudwatchLogsExportConfiguration.disableLogTypes`).

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;

use super::{listed, or_placeholder, pick, region, strings};

declare! {
    ACTIVITY_STREAM_STOPPED = {
        id: "aws.rds.activity_stream_stopped",
        title: "RDS database activity stream stopped",
        description: "StopActivityStream: the database's activity (queries, logins) stops streaming to the monitoring \
                      that reads it. StartActivityStream is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[("rds", "StopActivityStream")],
            check: activity_stream,
        },
    };
    LOG_EXPORTS_DISABLED = {
        id: "aws.rds.log_exports_disabled",
        title: "RDS log exports to CloudWatch turned off",
        description: "ModifyDBInstance or ModifyDBCluster whose cloudwatchLogsExportConfiguration disables log types: \
                      audit high, others (error, general, slowquery, postgresql) medium. Enabling log types is not a \
                      finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 75,
        trigger: Trigger::CloudTrail {
            calls: &[("rds", "ModifyDBInstance"), ("rds", "ModifyDBCluster")],
            check: log_exports,
        },
    };
}

fn activity_stream(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let resource = record.params().and_then(|p| pick(&p, &["resourceArn"]));
    let r = region(record);
    Some(
        Detection::new(&ACTIVITY_STREAM_STOPPED)
            .reason(format!(
                "the database activity stream of {} was stopped: its queries and logins are no longer streamed",
                resource.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!("`aws rds describe-db-clusters --region {r}` (ActivityStreamStatus)"))
            .restore(format!(
                "aws rds start-activity-stream --resource-arn {} --mode async --kms-key-id <key> --apply-immediately --region {r}",
                or_placeholder(&resource, "<resource-arn>")
            )),
    )
}

fn log_exports(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let export = params.object("cloudwatchLogsExportConfiguration")?;
    let disabled = strings(&export, &["disableLogTypes"]);
    if disabled.is_empty() {
        return None;
    }
    let cluster = record.event_name == "ModifyDBCluster";
    let id = pick(
        &params,
        &[
            "dBInstanceIdentifier",
            "dBClusterIdentifier",
            "DBInstanceIdentifier",
            "DBClusterIdentifier",
        ],
    );
    let i = or_placeholder(&id, "<identifier>");
    let r = region(record);
    let audit = disabled.iter().any(|t| t == "audit");
    let types = disabled.join(",");
    Some(
        Detection::new(&LOG_EXPORTS_DISABLED)
            .severity(if audit { Severity::High } else { Severity::Medium })
            .reason(format!(
                "RDS {} {} stopped exporting logs to CloudWatch: {}",
                if cluster { "cluster" } else { "instance" },
                id.as_deref().unwrap_or("(unnamed)"),
                listed(&disabled)
            ))
            .scope(format!(
                "`aws rds describe-db-{} --db-{}-identifier {i} --region {r}` (EnabledCloudwatchLogsExports)",
                if cluster { "clusters" } else { "instances" },
                if cluster { "cluster" } else { "instance" }
            ))
            .restore(format!(
                "aws rds modify-db-{} --db-{}-identifier {i} --cloudwatch-logs-export-configuration \
                 '{{\"EnableLogTypes\":[\"{}\"]}}' --apply-immediately --region {r}",
                if cluster { "cluster" } else { "instance" },
                if cluster { "cluster" } else { "instance" },
                types.replace(['\'', '"', '\\'], "").replace(',', "\",\"")
            )),
    )
}
