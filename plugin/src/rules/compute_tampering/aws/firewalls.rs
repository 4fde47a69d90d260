//! Family 2 on AWS, cloud firewalls and routes that cut or bypass inspection and telemetry: WAF web ACLs
//! deleted or detached, Network Firewall firewalls, policies, subnets and logging removed, routes
//! deleted or pointed through a host, subnets moved to another route table, and VPC endpoints deleted.
//! Request fields as CloudTrail records each call (docs.aws.amazon.com: waf/latest/APIReference,
//! network-firewall/latest/APIReference, AWSEC2/latest/APIReference/API_ReplaceRoute.html).

use crate::model::Severity;
use crate::rules::audit_logging::aws::{by_service, listed, pick, region, strings};
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::Object;

use super::{ANYWHERE, request};

declare! {
    WAF_REMOVED = {
        id: "aws.waf.web_acl_removed",
        title: "WAF web ACL deleted or detached",
        description: "DeleteWebACL or DisassociateWebACL (WAFv2, WAF Classic, WAF Regional): the application behind it is \
                      no longer filtered or logged by the firewall (medium); DeleteRuleGroup and Classic DeleteRule \
                      (lower confidence: unused groups are cleaned up too). Creating and associating web ACLs are not \
                      findings.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("wafv2", "DeleteWebACL"),
                ("wafv2", "DisassociateWebACL"),
                ("wafv2", "DeleteRuleGroup"),
                ("waf", "DeleteWebACL"),
                ("waf", "DeleteRule"),
                ("waf", "DeleteRuleGroup"),
                ("waf-regional", "DeleteWebACL"),
                ("waf-regional", "DisassociateWebACL"),
                ("waf-regional", "DeleteRule"),
                ("waf-regional", "DeleteRuleGroup"),
            ],
            check: waf_removed,
        },
    };
    NETWORK_FIREWALL_REMOVED = {
        id: "aws.networkfirewall.removed",
        title: "Network Firewall removed, unprotected or its logging cut",
        description: "DeleteFirewall (high), DeleteFirewallPolicy and DisassociateSubnets (medium), \
                      UpdateLoggingConfiguration leaving no log destination (medium), and \
                      UpdateFirewallDeleteProtection or UpdateFirewallPolicyChangeProtection turned off (low: the \
                      step before a deletion). Creating firewalls, adding subnets and turning protection on are not \
                      findings.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("network-firewall", "DeleteFirewall"),
                ("network-firewall", "DeleteFirewallPolicy"),
                ("network-firewall", "DisassociateSubnets"),
                ("network-firewall", "UpdateLoggingConfiguration"),
                ("network-firewall", "UpdateFirewallDeleteProtection"),
                ("network-firewall", "UpdateFirewallPolicyChangeProtection"),
            ],
            check: network_firewall,
        },
    };
    ROUTE_CHANGED = {
        id: "aws.ec2.route_changed",
        title: "Default or collector route deleted or redirected",
        description: "DeleteRoute of a default route (0.0.0.0/0, ::/0) or of a route toward a configured collector CIDR \
                      (medium: egress to collectors stops); CreateRoute or ReplaceRoute sending such a route through \
                      a network interface or instance (low: traffic can be intercepted or dropped there); \
                      ReplaceRouteTableAssociation (low: a subnet moved to other routes) and DeleteVpcEndpoints (low: \
                      private endpoints to logs, monitoring or SSM may be gone; the request names only ids). Routes to \
                      gateways and other CIDRs are not findings. Low findings do not alert alone; sequences use them.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("ec2", "DeleteRoute"),
                ("ec2", "CreateRoute"),
                ("ec2", "ReplaceRoute"),
                ("ec2", "ReplaceRouteTableAssociation"),
                ("ec2", "DeleteVpcEndpoints"),
            ],
            check: route_changed,
        },
    };
}

fn waf_removed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params();
    let get = |keys: &[&str]| params.as_ref().and_then(|p| pick(p, keys));
    let target = get(&[
        "name",
        "Name",
        "resourceArn",
        "ResourceArn",
        "webACLId",
        "ruleId",
        "ruleGroupId",
        "id",
        "Id",
    ]);
    let r = region(record);
    let cli = if record.service() == "wafv2" {
        "wafv2"
    } else {
        record.service()
    };
    let name = &*record.event_name;
    let detection = Detection::new(&WAF_REMOVED)
        .reason(format!(
            "{name} on {} {}: requests it filtered and logged now pass unfiltered",
            record.service(),
            target.as_deref().unwrap_or("(unnamed)")
        ))
        .scope(format!("`aws {cli} list-web-acls --scope REGIONAL --region {r}` and the resources each protects"));
    Some(match name {
        "DisassociateWebACL" => detection.restore(format!(
            "aws {cli} associate-web-acl --web-acl-arn <web-acl-arn> --resource-arn {} --region {r}",
            target.as_deref().map_or_else(|| "<resource-arn>".to_owned(), sh)
        )),
        "DeleteWebACL" => detection.restore(format!(
            "recreate the web ACL from IaC, then aws {cli} associate-web-acl --web-acl-arn <web-acl-arn> \
             --resource-arn <resource-arn> --region {r}"
        )),
        _ => detection
            .confidence(50)
            .restore("recreate the rule or rule group from IaC and add it back to its web ACLs"),
    })
}

fn network_firewall(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let firewall = pick(
        &params,
        &[
            "FirewallName",
            "FirewallArn",
            "FirewallPolicyName",
            "FirewallPolicyArn",
        ],
    );
    let f = firewall
        .as_deref()
        .map_or_else(|| "<firewall>".to_owned(), sh);
    let shown = firewall.as_deref().unwrap_or("(unnamed)");
    let r = region(record);
    let detection = Detection::new(&NETWORK_FIREWALL_REMOVED).scope(format!(
        "`aws network-firewall describe-firewall --firewall-name {f} --region {r}`"
    ));
    let detection = match &*record.event_name {
        "DeleteFirewall" => detection
            .reason(format!("Network Firewall {shown} was deleted: traffic it inspected and logged now flows unseen"))
            .restore(format!(
                "aws network-firewall create-firewall --firewall-name {f} --firewall-policy-arn <policy-arn> \
                 --vpc-id <vpc-id> --subnet-mappings SubnetId=<subnet-id> --region {r}"
            )),
        "DeleteFirewallPolicy" => detection
            .severity(Severity::Medium)
            .reason(format!("Network Firewall policy {shown} was deleted"))
            .restore("recreate the policy from IaC and attach it to its firewalls"),
        "DisassociateSubnets" => {
            let subnets = strings(&params, &["SubnetIds"]);
            detection
                .severity(Severity::Medium)
                .reason(format!(
                    "Network Firewall {shown} was removed from subnet(s) {}: their traffic is no longer inspected",
                    listed(&subnets)
                ))
                .restore(format!(
                    "aws network-firewall associate-subnets --firewall-name {f} --subnet-mappings SubnetId=<subnet-id> --region {r}"
                ))
        }
        "UpdateLoggingConfiguration" => {
            let destinations = params
                .object("LoggingConfiguration")
                .and_then(|c| c.array("LogDestinationConfigs"))
                .map_or(0, |d| d.len());
            if destinations > 0 {
                return None;
            }
            detection
                .severity(Severity::Medium)
                .reason(format!("Network Firewall {shown} no longer logs anywhere (no LogDestinationConfigs left)"))
                .restore(format!(
                    "aws network-firewall update-logging-configuration --firewall-name {f} --logging-configuration \
                     'LogDestinationConfigs=[{{LogType=ALERT,LogDestinationType=CloudWatchLogs,LogDestination={{logGroup=<group>}}}}]' --region {r}"
                ))
        }
        name => {
            let flag = if name == "UpdateFirewallDeleteProtection" { "DeleteProtection" } else { "FirewallPolicyChangeProtection" };
            if params.bool(flag) != Some(false) {
                return None;
            }
            detection
                .severity(Severity::Low)
                .reason(format!("{flag} was turned off on Network Firewall {shown}: the step before deleting or rewriting it"))
                .restore(format!(
                    "aws network-firewall {} --firewall-name {f} --{} --region {r}",
                    if flag == "DeleteProtection" { "update-firewall-delete-protection" } else { "update-firewall-policy-change-protection" },
                    if flag == "DeleteProtection" { "delete-protection" } else { "firewall-policy-change-protection" }
                ))
        }
    };
    Some(detection)
}

/// Whether a route's destination is the default route or overlaps a configured collector.
fn watched_destination(env: &Env<'_>, cidr: &str) -> Option<String> {
    if ANYWHERE.contains(&cidr) {
        return Some("the default route".to_owned());
    }
    let net: ipnet::IpNet = cidr.parse().ok()?;
    env.config.network.collectors.iter().find_map(|c| {
        c.cidrs
            .iter()
            .any(|n| n.contains(&net.network()) || net.contains(&n.network()))
            .then(|| format!("the route to collector {}", c.name))
    })
}

fn route_changed(record: &Record<'_>, env: &Env<'_>) -> Option<Detection> {
    if by_service(record) {
        return None;
    }
    let name = &*record.event_name;
    let wrapper = format!("{name}Request");
    let params: Object<'_> = request(record, &wrapper)?;
    let get = |keys: &[&str]| pick(&params, keys);
    let r = region(record);
    let table = get(&["routeTableId", "RouteTableId"]);
    let t = table
        .as_deref()
        .map_or_else(|| "<route-table-id>".to_owned(), sh);
    let detection = Detection::new(&ROUTE_CHANGED)
        .scope(format!("`aws ec2 describe-route-tables --route-table-ids {t} --region {r}` and the subnets associated"));
    let detection = match name {
        "ReplaceRouteTableAssociation" => {
            let association = get(&["associationId", "AssociationId"]);
            detection
                .severity(Severity::Low)
                .reason(format!(
                    "route table association {} now points its subnet at route table {}: the subnet's egress follows \
                     other routes",
                    association.as_deref().unwrap_or("(unnamed)"),
                    table.as_deref().unwrap_or("(unnamed)")
                ))
                .restore(format!(
                    "aws ec2 replace-route-table-association --association-id {} --route-table-id <previous-route-table-id> --region {r}",
                    association.as_deref().map_or_else(|| "<association-id>".to_owned(), sh)
                ))
        }
        "DeleteVpcEndpoints" => {
            let ids = endpoint_ids(&params);
            detection
                .severity(Severity::Low)
                .reason(format!(
                    "VPC endpoint(s) {} were deleted: agents in private subnets that reached CloudWatch Logs, \
                     monitoring, SSM or GuardDuty through them may no longer reach those services",
                    listed(&ids)
                ))
                .scope(format!("`aws ec2 describe-vpc-endpoints --region {r}` and Config history of the deleted ids"))
                .restore(format!(
                    "aws ec2 create-vpc-endpoint --vpc-id <vpc-id> --vpc-endpoint-type Interface --service-name \
                     com.amazonaws.{r}.logs --subnet-ids <subnet-ids> --security-group-ids <sg-ids> --region {r}"
                ))
        }
        _ => {
            let cidr = get(&[
                "destinationCidrBlock",
                "DestinationCidrBlock",
                "destinationIpv6CidrBlock",
                "DestinationIpv6CidrBlock",
            ])?;
            let what = watched_destination(env, &cidr)?;
            if name == "DeleteRoute" {
                detection
                    .reason(format!(
                        "{what} ({cidr}) was deleted from route table {}: its subnets can no longer reach collectors \
                         outside the VPC",
                        table.as_deref().unwrap_or("(unnamed)")
                    ))
                    .restore(format!(
                        "aws ec2 create-route --route-table-id {t} --destination-cidr-block {} --nat-gateway-id <nat-id> --region {r}",
                        sh(&cidr)
                    ))
            } else {
                let host = get(&[
                    "networkInterfaceId",
                    "NetworkInterfaceId",
                    "instanceId",
                    "InstanceId",
                ])?;
                detection
                    .severity(Severity::Low)
                    .reason(format!(
                        "{what} ({cidr}) of route table {} now goes through {host}: traffic to collectors can be \
                         read or dropped there",
                        table.as_deref().unwrap_or("(unnamed)")
                    ))
                    .restore(format!(
                        "aws ec2 replace-route --route-table-id {t} --destination-cidr-block {} --nat-gateway-id <nat-id> --region {r}",
                        sh(&cidr)
                    ))
            }
        }
    };
    Some(detection)
}

/// `VpcEndpointId` as EC2's query-API CloudTrail writes it: a string, `{"tag":1,"content":"vpce-…"}`,
/// or a list of either.
fn endpoint_ids(params: &Object<'_>) -> Vec<String> {
    let Some(raw) = params
        .raw("VpcEndpointId")
        .or_else(|| params.raw("vpcEndpointId"))
    else {
        return Vec::new();
    };
    let one = |raw: crate::sources::json::Raw<'_>| -> Option<String> {
        crate::sources::json::raw_str(raw)
            .map(|s| s.into_owned())
            .or_else(|| {
                Object::from_raw(raw)
                    .ok()?
                    .str("content")
                    .map(|s| s.into_owned())
            })
    };
    match crate::sources::json::raw_array(raw) {
        Some(list) => list.into_iter().filter_map(one).collect(),
        None => one(raw).into_iter().collect(),
    }
}
