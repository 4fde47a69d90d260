//! Family 1 on AWS, the streams logs and alerts travel through: Firehose delivery streams, Kinesis
//! streams and SNS topics deleted when the stream showed logs sent through them (a subscription
//! filter, flow logs, WAF logging or a trail named them) or their names mark them as log or alert
//! transport. Request fields as the Firehose, Kinesis and SNS APIs name them
//! (docs.aws.amazon.com/firehose/latest/APIReference/API_DeleteDeliveryStream.html,
//! kinesis/latest/APIReference/API_DeleteStream.html, sns/latest/api/API_DeleteTopic.html).

use crate::model::Severity;
use crate::rules::env::Known;
use crate::rules::memory::Kind;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;

use super::{looks_like_log_store, pick, region, security_named};

declare! {
    LOG_STREAM_DELETED = {
        id: "aws.streams.log_stream_deleted",
        title: "Stream carrying logs or alerts deleted",
        description: "Firehose DeleteDeliveryStream, Kinesis DeleteStream or SNS DeleteTopic on a stream or topic the \
                      stream showed logs sent through (high), or whose name marks it as log, SIEM or alert transport \
                      (medium). Other streams and topics are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("firehose", "DeleteDeliveryStream"),
                ("kinesis", "DeleteStream"),
                ("sns", "DeleteTopic"),
            ],
            check: log_stream_deleted,
        },
    };
}

fn log_stream_deleted(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let name = pick(
        &params,
        &["deliveryStreamName", "streamName", "streamARN", "topicArn"],
    )?;
    // Kinesis takes a name or an ARN; the destinations hold both forms of what was learned.
    let short = name.rsplit(['/', ':']).next().unwrap_or(&name).to_owned();
    let known = env
        .destination(Kind::AwsStream, &name)
        .or_else(|| env.destination(Kind::AwsStream, &short));
    let learned = known.is_some();
    let named = looks_like_log_store(&short) || security_named(&short);
    if !learned && !named {
        return None;
    }
    let r = region(record);
    let n = sh(&short);
    let (kind, restore) = match record.service() {
        "firehose" => (
            "Firehose delivery stream",
            format!(
                "aws firehose create-delivery-stream --delivery-stream-name {n} --region {r} ...   # recreate \
                 from IaC with its destination, then re-point the subscriptions that fed it"
            ),
        ),
        "kinesis" => (
            "Kinesis stream",
            format!(
                "aws kinesis create-stream --stream-name {n} --region {r}   # then re-point its producers and consumers"
            ),
        ),
        _ => (
            "SNS topic",
            format!(
                "aws sns create-topic --name {n} --region {r}   # then re-subscribe responders and re-point the alarms \
                 and trails that published to it"
            ),
        ),
    };
    let why = if let Some(known) = known {
        match known {
            Known::Stream => "the stream showed logs sent through it",
            Known::Configured => "the configuration names it a log destination (log_destinations)",
        }
    } else {
        "its name marks it as log or alert transport"
    };
    Some(
        Detection::new(&LOG_STREAM_DELETED)
            .severity(if learned { Severity::High } else { Severity::Medium })
            .confidence(if learned { 85 } else { 60 })
            .reason(format!(
                "{kind} {name} was deleted ({why}): what flowed through it no longer reaches its destination"
            ))
            .scope(format!(
                "`aws logs describe-subscription-filters` on the log groups that fed it, and the SIEM's last event \
                 from {n} in {r}"
            ))
            .restore(restore),
    )
}
