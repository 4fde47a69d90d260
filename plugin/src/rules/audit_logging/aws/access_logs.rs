//! Family 1 on AWS, request logs at the edge switched off: load balancer access and connection logs,
//! CloudFront standard and real-time logs, API Gateway access and execution logs, and WAF logging.
//! Request fields as CloudTrail records each service's calls (docs.aws.amazon.com:
//! elasticloadbalancing/latest/APIReference/API_ModifyLoadBalancerAttributes.html,
//! cloudfront/latest/APIReference/API_UpdateDistribution.html, apigateway/latest/api/API_UpdateStage.html,
//! waf/latest/APIReference/API_DeleteLoggingConfiguration.html).

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

use super::{or_placeholder, pick, region};

declare! {
    ELB_LOGGING_DISABLED = {
        id: "aws.elb.access_logging_disabled",
        title: "Load balancer access logging disabled",
        description: "ModifyLoadBalancerAttributes setting access_logs.s3.enabled or connection_logs.s3.enabled to false \
                      (Application/Network/Gateway load balancers) or accessLog.enabled to false (Classic): requests \
                      through the load balancer stop being logged. Enabling logs and other attributes are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 75,
        trigger: Trigger::CloudTrail {
            calls: &[("elasticloadbalancing", "ModifyLoadBalancerAttributes")],
            check: elb_logging,
        },
    };
    CLOUDFRONT_LOGGING_DISABLED = {
        id: "aws.cloudfront.logging_disabled",
        title: "CloudFront logging disabled",
        description: "UpdateDistribution whose distributionConfig has logging.enabled false, and DeleteRealtimeLogConfig: \
                      viewer requests stop being logged. Distribution updates that keep logging on are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("cloudfront", "UpdateDistribution"), ("cloudfront", "DeleteRealtimeLogConfig")],
            check: cloudfront_logging,
        },
    };
    APIGATEWAY_LOGGING_DISABLED = {
        id: "aws.apigateway.logging_disabled",
        title: "API Gateway stage logging disabled",
        description: "UpdateStage with a patch operation removing /accessLogSettings or setting a logging level \
                      (…/logging/loglevel) to OFF: API calls stop being logged. Patches that turn logging on or touch \
                      other settings are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("apigateway", "UpdateStage")],
            check: apigateway_logging,
        },
    };
    WAF_LOGGING_DISABLED = {
        id: "aws.waf.logging_disabled",
        title: "WAF logging removed",
        description: "DeleteLoggingConfiguration on a web ACL (WAFv2, WAF Classic, WAF Regional): requests the firewall \
                      allowed and blocked stop being logged. PutLoggingConfiguration is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("wafv2", "DeleteLoggingConfiguration"),
                ("waf", "DeleteLoggingConfiguration"),
                ("waf-regional", "DeleteLoggingConfiguration"),
            ],
            check: waf_logging,
        },
    };
}

fn elb_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let r = region(record);
    let mut off = Vec::new();
    for attribute in params
        .array("attributes")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| Object::from_raw(a).ok())
    {
        let key = attribute.str("key").unwrap_or_default();
        if matches!(
            &*key,
            "access_logs.s3.enabled" | "connection_logs.s3.enabled"
        ) && attribute
            .str("value")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"))
        {
            off.push(key.into_owned());
        }
    }
    if params
        .path(&["loadBalancerAttributes", "accessLog", "enabled"])
        .and_then(json::raw_bool)
        == Some(false)
    {
        off.push("accessLog.enabled".to_owned());
    }
    if off.is_empty() {
        return None;
    }
    let arn = pick(&params, &["loadBalancerArn"]);
    let name = pick(&params, &["loadBalancerName"]);
    let restore = match (&arn, &name) {
        (Some(arn), _) => format!(
            "aws elbv2 modify-load-balancer-attributes --load-balancer-arn {} --attributes \
             Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=<log-bucket> --region {r}",
            sh(arn)
        ),
        (None, name) => format!(
            "aws elb modify-load-balancer-attributes --load-balancer-name {} --load-balancer-attributes \
             '{{\"AccessLog\":{{\"Enabled\":true,\"S3BucketName\":\"<log-bucket>\",\"EmitInterval\":5}}}}' --region {r}",
            or_placeholder(name, "<load-balancer>")
        ),
    };
    Some(
        Detection::new(&ELB_LOGGING_DISABLED)
            .reason(format!(
                "load balancer {} stopped logging ({} false): requests through it are no longer recorded",
                arn.as_deref().or(name.as_deref()).unwrap_or("(unnamed)"),
                off.join(", ")
            ))
            .scope(format!("`aws elbv2 describe-load-balancer-attributes --load-balancer-arn <arn> --region {r}`"))
            .restore(restore),
    )
}

fn cloudfront_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let (what, id) = if record.event_name == "DeleteRealtimeLogConfig" {
        (
            "its real-time log configuration was deleted",
            pick(&params, &["name", "aRN", "arn"]),
        )
    } else {
        let logging = params
            .path(&["distributionConfig", "logging", "enabled"])
            .and_then(json::raw_bool);
        if logging != Some(false) {
            return None;
        }
        (
            "standard logging was disabled (logging.enabled=false)",
            pick(&params, &["id"]),
        )
    };
    Some(
        Detection::new(&CLOUDFRONT_LOGGING_DISABLED)
            .reason(format!(
                "CloudFront {} {}: viewer requests are no longer logged",
                id.as_deref().map_or_else(|| "distribution".to_owned(), |i| format!("resource {i}")),
                what
            ))
            .scope("`aws cloudfront get-distribution-config --id <distribution-id>` shows its Logging section")
            .restore(format!(
                "aws cloudfront get-distribution-config --id {} > dist.json; set Logging.Enabled=true with the log \
                 bucket, then aws cloudfront update-distribution --id {} --if-match <etag> --distribution-config file://dist.json",
                or_placeholder(&id, "<distribution-id>"),
                or_placeholder(&id, "<distribution-id>")
            )),
    )
}

/// Patch operations wherever the request holds them (top level, or inside an input object).
fn patch_operations<'a>(params: &Object<'a>) -> Vec<Object<'a>> {
    let direct = params.array("patchOperations").or_else(|| {
        params
            .keys()
            .find_map(|k| params.object(k).and_then(|o| o.array("patchOperations")))
    });
    direct
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| Object::from_raw(o).ok())
        .collect()
}

fn apigateway_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let mut off = Vec::new();
    for op in patch_operations(&params) {
        let verb = op.str("op").unwrap_or_default();
        let path = op.str("path").unwrap_or_default();
        let value = op.str("value");
        if verb == "remove" && path.starts_with("/accessLogSettings") {
            off.push("access logging removed".to_owned());
        } else if path.ends_with("/logging/loglevel")
            && value.is_some_and(|v| v.eq_ignore_ascii_case("OFF"))
        {
            off.push(format!("execution logging {path} set to OFF"));
        }
    }
    if off.is_empty() {
        return None;
    }
    let api = pick(&params, &["restApiId"]);
    let stage = pick(&params, &["stageName"]);
    let r = region(record);
    Some(
        Detection::new(&APIGATEWAY_LOGGING_DISABLED)
            .reason(format!(
                "API Gateway stage {} of API {}: {}",
                stage.as_deref().unwrap_or("(unnamed)"),
                api.as_deref().unwrap_or("(unnamed)"),
                off.join("; ")
            ))
            .scope(format!(
                "`aws apigateway get-stage --rest-api-id {} --stage-name {} --region {r}`",
                or_placeholder(&api, "<api-id>"),
                or_placeholder(&stage, "<stage>")
            ))
            .restore(format!(
                "aws apigateway update-stage --rest-api-id {} --stage-name {} --patch-operations \
                 op=replace,path=/*/*/logging/loglevel,value=INFO op=replace,path=/accessLogSettings/destinationArn,value=<log-group-arn> --region {r}",
                or_placeholder(&api, "<api-id>"),
                or_placeholder(&stage, "<stage>")
            )),
    )
}

fn waf_logging(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let acl = record
        .params()
        .and_then(|p| pick(&p, &["resourceArn", "ResourceArn"]));
    let r = region(record);
    let cli = if record.service() == "wafv2" {
        "wafv2"
    } else {
        record.service()
    };
    Some(
        Detection::new(&WAF_LOGGING_DISABLED)
            .reason(format!(
                "WAF logging of web ACL {} was removed: allowed and blocked requests are no longer logged",
                acl.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!("`aws {cli} list-logging-configurations --region {r}`"))
            .restore(format!(
                "aws {cli} put-logging-configuration --logging-configuration ResourceArn={},LogDestinationConfigs=<destination-arn> --region {r}",
                or_placeholder(&acl, "<web-acl-arn>")
            )),
    )
}
