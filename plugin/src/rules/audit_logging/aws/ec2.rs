//! Family 1 on AWS, EC2 telemetry: VPC flow logs deleted and traffic mirroring (packets to a network
//! sensor) removed.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::aws_cloudtrail::flow_log_ids;

use super::region;

declare! {
    FLOW_LOGS_DELETED = {
        id: "aws.ec2.flow_logs_deleted",
        title: "VPC flow logs deleted",
        description: "DeleteFlowLogs: network traffic of the VPC, subnet or interface stops being recorded.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 90,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "DeleteFlowLogs")],
            check: flow_logs,
        },
    };

    TRAFFIC_MIRRORING_REMOVED = {
        id: "aws.ec2.traffic_mirroring_removed",
        title: "VPC traffic mirroring removed",
        description: "DeleteTrafficMirrorSession, DeleteTrafficMirrorTarget, DeleteTrafficMirrorFilter or \
                      DeleteTrafficMirrorFilterRule: packets stop reaching the network sensor (IDS/NDR) the mirror \
                      fed. Creating mirroring is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("ec2", "DeleteTrafficMirrorSession"),
                ("ec2", "DeleteTrafficMirrorTarget"),
                ("ec2", "DeleteTrafficMirrorFilter"),
                ("ec2", "DeleteTrafficMirrorFilterRule"),
            ],
            check: traffic_mirroring,
        },
    };
}

fn flow_logs(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let ids = record
        .params()
        .and_then(|p| {
            p.path(&["DeleteFlowLogsRequest", "FlowLogId"])
                .map(flow_log_ids)
        })
        .unwrap_or_default();
    let r = region(record);
    let listed = if ids.is_empty() {
        "(unnamed)".to_owned()
    } else {
        ids.join(", ")
    };
    Some(
        Detection::new(&FLOW_LOGS_DELETED)
            .reason(format!(
                "flow log(s) {listed} were deleted: traffic of the VPCs, subnets or interfaces they \
                 covered is no longer recorded"
            ))
            .scope(
                "AWS Config history (`aws configservice get-resource-config-history --resource-type \
                 AWS::EC2::FlowLog --resource-id <id>`) shows which resource each flow log covered",
            )
            .restore(format!(
                "aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> --traffic-type ALL \
                 --log-destination-type s3 --log-destination <flow-log-bucket-arn> --region {r}"
            )),
    )
}

fn traffic_mirroring(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let wrapper = format!("{}Request", record.event_name);
    let request = record.params().map(|p| p.object(&wrapper).unwrap_or(p));
    let id = request.as_ref().and_then(|p| {
        super::pick(
            p,
            &[
                "TrafficMirrorSessionId",
                "TrafficMirrorTargetId",
                "TrafficMirrorFilterId",
                "TrafficMirrorFilterRuleId",
            ],
        )
    });
    let r = region(record);
    Some(
        Detection::new(&TRAFFIC_MIRRORING_REMOVED)
            .reason(format!(
                "{} {}: mirrored packets no longer reach the network sensor",
                record.event_name,
                id.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws ec2 describe-traffic-mirror-sessions --region {r}` shows the interfaces still mirrored"
            ))
            .restore(format!(
                "aws ec2 create-traffic-mirror-session --network-interface-id <eni> --traffic-mirror-target-id <target> \
                 --traffic-mirror-filter-id <filter> --session-number 1 --region {r}"
            )),
    )
}
