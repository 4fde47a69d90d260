//! Family 2 on AWS, compute launched where nobody watches.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;

declare! {
    UNUSED_REGION = {
        id: "aws.ec2.instance_in_unused_region",
        title: "Instances launched in a region the account does not use",
        description: "RunInstances in a region outside the configured aws_used_regions, where nobody watches. Does nothing \
                     while aws_used_regions is empty.",
        attack: &attack::CREATE_INSTANCE,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("ec2", "RunInstances")],
            check: unused_region,
        },
    };

    REGION_ENABLED = {
        id: "aws.account.region_enabled",
        title: "Opt-in region enabled",
        description: "Account EnableRegion: an opt-in region nobody watched is opened for use. High when the region is \
                      outside the configured aws_used_regions, medium while that list is empty, low (recorded for \
                      sequences, not an alert) when the region is one of them. DisableRegion is not a finding.",
        attack: &attack::UNUSED_REGIONS,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::CloudTrail {
            calls: &[("account", "EnableRegion")],
            check: region_enabled,
        },
    };
    RESOURCES_IN_UNUSED_REGION = {
        id: "aws.region.resources_in_unused_region",
        title: "Compute or access created in a region the account does not use",
        description: "Calls that launch compute or prepare access (spot and fleet requests, StartInstances, launch \
                      templates, key pairs, security groups and ingress rules, images and snapshots copied or imported \
                      in, volumes, Lambda functions, ECS tasks and services, EKS clusters and node groups, \
                      Auto Scaling groups, CloudFormation stacks, SageMaker notebooks and jobs, Batch, Lightsail, RDS \
                      instances) in a region outside the configured aws_used_regions. RunInstances has its own rule. \
                      Does nothing while aws_used_regions is empty; calls by AWS services are not findings.",
        attack: &attack::UNUSED_REGIONS,
        severity: Severity::High,
        confidence: 65,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("ec2", "RequestSpotInstances"),
                ("ec2", "RequestSpotFleet"),
                ("ec2", "CreateFleet"),
                ("ec2", "StartInstances"),
                ("ec2", "CreateLaunchTemplate"),
                ("ec2", "ImportKeyPair"),
                ("ec2", "CreateKeyPair"),
                ("ec2", "CreateSecurityGroup"),
                ("ec2", "AuthorizeSecurityGroupIngress"),
                ("ec2", "CopyImage"),
                ("ec2", "ImportImage"),
                ("ec2", "RegisterImage"),
                ("ec2", "CopySnapshot"),
                ("ec2", "ImportSnapshot"),
                ("ec2", "ImportInstance"),
                ("ec2", "CreateVolume"),
                ("lambda", "CreateFunction20150331"),
                ("lambda", "CreateFunction"),
                ("ecs", "RunTask"),
                ("ecs", "CreateService"),
                ("ecs", "CreateCluster"),
                ("eks", "CreateCluster"),
                ("eks", "CreateNodegroup"),
                ("autoscaling", "CreateAutoScalingGroup"),
                ("cloudformation", "CreateStack"),
                ("sagemaker", "CreateNotebookInstance"),
                ("sagemaker", "CreateTrainingJob"),
                ("batch", "CreateComputeEnvironment"),
                ("lightsail", "CreateInstances"),
                ("rds", "CreateDBInstance"),
            ],
            check: resources_in_unused_region,
        },
    };
}

fn unused_region(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let config = env.config;
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

fn region_enabled(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let params = record.params();
    let opened = params
        .as_ref()
        .and_then(|p| p.str("RegionName").or_else(|| p.str("regionName")))
        .map(|s| s.into_owned());
    let used = &env.config.aws_used_regions;
    let listed = opened.as_ref().is_some_and(|o| used.iter().any(|r| r == o));
    let (severity, confidence, why) = if used.is_empty() {
        (
            Severity::Medium,
            60,
            "resources there are outside the regions monitoring covers".to_owned(),
        )
    } else if listed {
        (
            Severity::Low,
            40,
            format!("it is one of the account's regions ({})", used.join(", ")),
        )
    } else {
        (
            Severity::High,
            75,
            format!(
                "it is not one of the account's regions ({}): nothing there is monitored or expected",
                used.join(", ")
            ),
        )
    };
    let o = opened.as_deref().map_or_else(|| "<region>".to_owned(), sh);
    Some(
        Detection::new(&REGION_ENABLED)
            .severity(severity)
            .confidence(confidence)
            .reason(format!(
                "opt-in region {} was enabled for the account: {why}",
                opened.as_deref().unwrap_or("(unnamed)"),
            ))
            .scope(format!(
                "`aws account get-region-opt-status --region-name {o}` and any activity there since"
            ))
            .restore(format!("aws account disable-region --region-name {o}")),
    )
}

fn resources_in_unused_region(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    let config = env.config;
    if config.aws_used_regions.is_empty() || crate::rules::audit_logging::aws::by_service(record) {
        return None;
    }
    let used = record.aws_region.as_deref()?;
    if config.aws_used_regions.iter().any(|r| r == used) {
        return None;
    }
    let r = sh(used);
    Some(
        Detection::new(&RESOURCES_IN_UNUSED_REGION)
            .reason(format!(
                "{} ({}) in {used}, which is not one of the account's regions ({}): nothing there is monitored or \
                 expected",
                record.event_name,
                record.service(),
                config.aws_used_regions.join(", ")
            ))
            .scope(format!(
                "every write in {used} by the same principal: CloudTrail event history with --region {r}"
            ))
            .restore(format!(
                "after preserving evidence, delete what {} created in {r} and deny the region with an SCP \
                 (aws:RequestedRegion)",
                record.event_name
            )),
    )
}
