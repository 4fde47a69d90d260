#!/usr/bin/env python3
"""Writes the false-positive streams of this folder and both expected files of each.

Each event is built from a recorded event of ../aws, ../k8s, ../gcp or ../azure (same field names and
nesting), with its principal, target, time and ids replaced; uuid5 ids of fixed names make reruns
byte-identical. `EXPECT` below is what each event must produce without configuration (`rules`) and
under blindspot.config.json (`suppressed` rules; rules left in `rules` still alert).
Run: python3 testdata/false_positives/make_streams.py
"""

import copy
import json
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTDATA = HERE.parent
CLUSTER_REASON = 'RBAC: allowed by ClusterRoleBinding "{binding}" of ClusterRole "{role}" to {kind} "{who}"'


def uid(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "blindspot/testdata/false_positives/" + name))


def line(path, n):
    return json.loads((TESTDATA / path).read_text().split("\n")[n - 1])


# ---- AWS CloudTrail -------------------------------------------------------------------------------

TF_UA = ("APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.76.0 "
         "(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.4 os/linux lang/go#1.22.8 "
         "md/GOOS#linux md/GOARCH#amd64 api/{api}")


def cloudtrail(name, template_line, event_name, arn, ip, time, ua, request, response=None):
    e = line("aws/cloudtrail_audit_logging.ndjson", template_line)
    assert e["eventName"] == event_name, (template_line, e["eventName"])
    account = arn.split(":")[4]
    role, session = arn.split("/")[1], arn.split("/")[2]
    role_id = "AROA" + uid(role).replace("-", "")[:17].upper()
    ident = e["userIdentity"]
    ident.update({"arn": arn, "accountId": account, "principalId": f"{role_id}:{session}",
                  "accessKeyId": "ASIA" + uid(name + "key").replace("-", "")[:16].upper()})
    ident["sessionContext"]["sessionIssuer"].update(
        {"arn": f"arn:aws:iam::{account}:role/{role}", "accountId": account, "userName": role, "principalId": role_id})
    ident["sessionContext"]["attributes"]["creationDate"] = time[:14] + "00:00Z"
    e.update({"eventTime": time, "sourceIPAddress": ip, "userAgent": ua, "requestParameters": request,
              "recipientAccountId": account, "eventID": uid(name), "requestID": uid(name + "request")})
    if response is not None:
        e["responseElements"] = response
    elif isinstance(e.get("responseElements"), dict) and "DeleteFlowLogsResponse" in e["responseElements"]:
        e["responseElements"]["DeleteFlowLogsResponse"]["requestId"] = e["requestID"]
    return e


# ---- Kubernetes audit (plain audit.k8s.io/v1 events, one per line) --------------------------------

def k8s(name, time, verb, user, groups, ip, ua, resource, namespace, obj, request, subresource=None,
        api_group="apps", binding=("oncall-admin", "cluster-admin"), query=""):
    e = line("k8s/k8s_audit_agents.ndjson", 2)
    assert e["verb"] == "delete"
    e.pop("responseObject", None)
    group_path = f"/apis/{api_group}/v1" if api_group else "/api/v1"
    uri = f"{group_path}/namespaces/{namespace}/{resource}/{obj}" + (f"/{subresource}" if subresource else "") + query
    ref = {"resource": resource, "namespace": namespace, "name": obj, "apiGroup": api_group, "apiVersion": "v1"}
    if not api_group:
        del ref["apiGroup"]
    if subresource:
        ref["subresource"] = subresource
    kind = "User"
    who = user
    if user.startswith("system:serviceaccount:"):
        # The RBAC authorizer describes a service account subject as "name/namespace".
        _, _, sa_ns, sa_name = user.split(":")
        kind, who = "ServiceAccount", f"{sa_name}/{sa_ns}"
    e.update({
        "level": "Request", "auditID": uid(name), "requestURI": uri, "verb": verb,
        "user": {"username": user, "uid": uid(user), "groups": groups}, "sourceIPs": [ip], "userAgent": ua,
        "objectRef": ref, "requestObject": request,
        "requestReceivedTimestamp": time, "stageTimestamp": time.replace(".000000Z", ".027000Z"),
        "annotations": {"authorization.k8s.io/decision": "allow",
                        "authorization.k8s.io/reason": CLUSTER_REASON.format(
                            binding=binding[0], role=binding[1], kind=kind, who=who)},
    })
    return e


DELETE = {"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/__internal", "propagationPolicy": "Background"}
KUBECTL = "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"
HELM = "Helm/3.16.2"
OPERATOR = "falco-operator/v0.3.1 (linux/amd64) kubernetes/$Format"
KEDA = "keda/v2.16.0 (linux/amd64) kubernetes/$Format"
SA = ["system:serviceaccounts", "system:serviceaccounts:{ns}", "system:authenticated"]


def sa_groups(ns):
    return [g.format(ns=ns) for g in SA]


# ---- GCP and Azure ---------------------------------------------------------------------------------

def gcp_sink_delete(name, email, ip, time, project, sink, ua):
    e = line("gcp/audit_logentries.ndjson", 5)
    assert e["protoPayload"]["methodName"].endswith("DeleteSink")
    p = e["protoPayload"]
    p["authenticationInfo"]["principalEmail"] = email
    p["requestMetadata"]["callerIp"] = ip
    p["requestMetadata"]["callerSuppliedUserAgent"] = ua
    p["requestMetadata"]["requestAttributes"]["time"] = time
    resource = f"projects/{project}/sinks/{sink}"
    p["authorizationInfo"][0]["resource"] = resource
    p["resourceName"] = resource
    p["request"]["sinkName"] = resource
    e.update({"insertId": uid(name).replace("-", "")[:12], "timestamp": time, "receiveTimestamp": time,
              "logName": f"projects/{project}/logs/cloudaudit.googleapis.com%2Factivity"})
    e["resource"]["labels"] = {"destination": f"storage.googleapis.com/{project}-{sink}", "name": sink, "project_id": project}
    return e


def azure_diag_delete(name, upn, ip, time, sub, rg, cluster, setting):
    e = line("azure/activity_rest.ndjson", 2)
    assert e["operationName"]["value"] == "Microsoft.Insights/diagnosticSettings/delete"
    rid = (f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/"
           f"{cluster}/providers/microsoft.insights/diagnosticSettings/{setting}")
    data_id, corr = uid(name), uid(name + "correlation")
    e["authorization"]["scope"] = rid
    e["caller"] = upn
    e["claims"]["ipaddr"] = ip
    e["claims"]["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = upn
    e["claims"]["name"] = upn.split("@")[0].replace(".", " ").title()
    e.update({"correlationId": corr, "operationId": corr, "eventDataId": data_id, "eventTimestamp": time,
              "submissionTimestamp": time, "id": f"{rid}/events/{data_id}/ticks/639000000000000000",
              "resourceGroupName": rg, "resourceId": rid, "subscriptionId": sub})
    e["properties"]["entity"] = rid
    e["properties"]["hierarchy"] = e["tenantId"] + "/" + sub
    e["httpRequest"]["clientRequestId"] = corr
    e["httpRequest"]["clientIpAddress"] = ip
    return e


# ---- Streams ----------------------------------------------------------------------------------------
# Each row: (event, rules without configuration, rules suppressed under the configuration, note).

ACCT = "111122223333"
TF = f"arn:aws:sts::{ACCT}:assumed-role/terraform-apply/terraform-run-4e1b7c"
TF_OTHER = f"arn:aws:sts::{ACCT}:assumed-role/terraform-apply/terraform-run-9d3f0a"
FLOW_REQ = lambda fl: {"DeleteFlowLogsRequest": {"FlowLogId": {"tag": 1, "content": fl}}}


def iac_and_operator():
    rows = []
    rows.append((cloudtrail("iac/tf-flow-delete", 46, "DeleteFlowLogs", TF, "192.0.2.10", "2026-11-27T07:40:12Z",
                            TF_UA.format(api="ec2#1.187.0"), FLOW_REQ("fl-0b7d2e4f6a8c13579")),
                 ["aws.ec2.flow_logs_deleted"], ["aws.ec2.flow_logs_deleted"],
                 "Terraform apply replacing the VPC's flow log (destination change forces replacement) from a CI runner: suppressed by terraform-pipeline"))
    rows.append((cloudtrail("iac/tf-flow-create", 4, "CreateFlowLogs", TF, "192.0.2.10", "2026-11-27T07:40:14Z",
                            TF_UA.format(api="ec2#1.187.0"),
                            {"CreateFlowLogsRequest": {"ResourceId": {"tag": 1, "content": "vpc-0c4f1e2d3a5b69780"}, "ResourceType": "VPC",
                                                       "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
                                                       "LogGroupName": "/vpc/flow-logs/prod",
                                                       "DeliverLogsPermissionArn": f"arn:aws:iam::{ACCT}:role/vpc-flow-logs-delivery",
                                                       "MaxAggregationInterval": 60}},
                            {"CreateFlowLogsResponse": {"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": uid("iac/tf-flow-create-response"),
                                                        "clientToken": uid("iac/tf-flow-create-token"), "flowLogIdSet": {"item": "fl-0e2a4c6b8d0f13579"}, "unsuccessful": ""}}),
                 [], [], "benign: the replacement flow log created two seconds later"))
    rows.append((cloudtrail("iac/tf-trail-delete", 36, "DeleteTrail", TF, "192.0.2.10", "2026-11-27T07:41:03Z",
                            TF_UA.format(api="cloudtrail#1.44.2"), {"name": f"arn:aws:cloudtrail:us-east-1:{ACCT}:trail/app-data-events"}),
                 ["aws.cloudtrail.delete_trail"], ["aws.cloudtrail.delete_trail"],
                 "Terraform destroys the data-events trail it is about to recreate under a new name: suppressed by terraform-pipeline"))
    rows.append((cloudtrail("iac/attacker-flow-delete", 46, "DeleteFlowLogs", TF_OTHER, "203.0.113.66", "2026-11-27T08:12:48Z",
                            TF_UA.format(api="ec2#1.187.0"), FLOW_REQ("fl-0e2a4c6b8d0f13579")),
                 ["aws.ec2.flow_logs_deleted"], [],
                 "look-alike: a terraform-apply session named like the pipeline's and a Terraform user agent, but from 203.0.113.66, outside the CI runners' range: alerts, near-miss reason names the source IP"))
    # Kubernetes: the agent's own operator and its Helm release.
    op = "system:serviceaccount:falco:falco-operator"
    rows.append((k8s("iac/operator-replace-falco", "2026-11-27T07:50:21.000000Z", "delete", op, sa_groups("falco"), "10.20.3.41", OPERATOR,
                     "daemonsets", "falco", "falco", DELETE, binding=("falco-operator", "falco-operator")),
                 ["k8s.agent.workload_deleted"], ["k8s.agent.workload_deleted"],
                 "the Falco operator replaces its own DaemonSet (immutable selector changed by the new operator version): suppressed by falco-operator"))
    rows.append((k8s("iac/operator-token-datadog", "2026-11-27T08:31:09.000000Z", "delete", op, sa_groups("falco"), "203.0.113.66", KUBECTL,
                     "daemonsets", "datadog", "datadog-agent", DELETE, binding=("falco-operator", "falco-operator")),
                 ["k8s.agent.workload_deleted"], [],
                 "look-alike: the operator's token used with kubectl on another agent's namespace: alerts, near-miss reason names the namespace"))
    helm_sa = "system:serviceaccount:platform-ci:helm-deployer"
    rows.append((k8s("iac/helm-force-fluent-bit", "2026-11-27T09:02:44.000000Z", "delete", helm_sa, sa_groups("platform-ci"), "192.0.2.12", HELM,
                     "daemonsets", "logging", "fluent-bit", {**DELETE, "propagationPolicy": "Foreground"}, binding=("helm-deployer", "cluster-admin")),
                 ["k8s.agent.workload_deleted"], ["k8s.agent.workload_deleted"],
                 "helm upgrade --force replaces the fluent-bit DaemonSet (delete then create) from the CI deployer: suppressed by helm-release"))
    rows.append((k8s("iac/helm-sa-kubectl", "2026-11-27T09:44:30.000000Z", "delete", helm_sa, sa_groups("platform-ci"), "192.0.2.12", KUBECTL,
                     "daemonsets", "logging", "fluent-bit", DELETE, binding=("helm-deployer", "cluster-admin")),
                 ["k8s.agent.workload_deleted"], [],
                 "look-alike: the deployer's token used with kubectl, not Helm: alerts, near-miss reason names the user agent"))
    keda = "system:serviceaccount:keda:keda-operator"
    rows.append((k8s("iac/keda-scale-otel", "2026-11-27T10:15:00.000000Z", "patch", keda, sa_groups("keda"), "10.20.7.18", KEDA,
                     "deployments", "observability", "otel-collector-gateway", {"spec": {"replicas": 0}}, subresource="scale",
                     binding=("keda-operator", "keda-operator")),
                 ["k8s.agent.scaled_to_zero"], ["k8s.agent.scaled_to_zero"],
                 "KEDA scales the idle OpenTelemetry gateway to zero (its ScaledObject has minReplicaCount 0): suppressed by keda-autoscaler"))
    rows.append((k8s("iac/keda-sa-datadog", "2026-11-27T11:20:00.000000Z", "patch", keda, sa_groups("keda"), "10.20.7.18", KEDA,
                     "deployments", "datadog", "datadog-cluster-agent", {"spec": {"replicas": 0}}, subresource="scale",
                     binding=("keda-operator", "keda-operator")),
                 ["k8s.agent.scaled_to_zero"], [],
                 "look-alike: the autoscaler identity scaling the Datadog cluster agent, outside the namespace it scales: alerts, near-miss reason names the namespace"))
    return rows


def maintenance_window():
    # Saturday 2026-11-28 23:00 to Sunday 03:00 Europe/Berlin (CET, UTC+1) is 22:00Z to 02:00Z.
    admin = "ops-admin@example.com"
    admins = ["platform-admins", "system:authenticated"]
    sub = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    rows = []
    rows.append((k8s("mw/scale-datadog-in", "2026-11-28T22:40:05.000000Z", "patch", admin, admins, "198.51.100.20", KUBECTL,
                     "deployments", "datadog", "datadog-cluster-agent", {"spec": {"replicas": 0}}, subresource="scale",
                     binding=("cluster-admins", "cluster-admin")),
                 ["k8s.agent.scaled_to_zero"], ["k8s.agent.scaled_to_zero"],
                 "23:40 Berlin on Saturday: the cluster agent parked during the node-pool upgrade, inside saturday-night: suppressed by weekly-maintenance"))
    rows.append((azure_diag_delete("mw/aks-diag-in", "ops-admin@contoso.onmicrosoft.com", "198.51.100.21", "2026-11-28T23:05:41.3316402Z",
                                   sub, "rg-aks", "aks-prod", "aks-audit-to-law"),
                 ["azure.monitor.diagnostic_setting_deleted"], ["azure.monitor.diagnostic_setting_deleted"],
                 "00:05 Berlin on Sunday: the AKS diagnostic setting recreated for the new workspace, inside saturday-night (overnight part): suppressed"))
    rows.append((gcp_sink_delete("mw/gcp-sink-in", "platform-automation@acme-prod-4821.iam.gserviceaccount.com", "35.187.14.9",
                                 "2026-11-29T01:30:17.662104Z", "acme-prod-4821", "audit-archive-v1",
                                 "google-api-go-client/0.5 Terraform/1.9.8 (+https://www.terraform.io) Terraform-Plugin-SDK/2.33.0 terraform-provider-google/6.12.0,gzip(gfe)"),
                 ["gcp.logging.sink_deleted"], ["gcp.logging.sink_deleted"],
                 "02:30 Berlin on Sunday: the old archive sink removed after its replacement went live, inside saturday-night: suppressed"))
    rows.append((k8s("mw/scale-datadog-restore", "2026-11-29T01:48:00.000000Z", "patch", admin, admins, "198.51.100.20", KUBECTL,
                     "deployments", "datadog", "datadog-cluster-agent", {"spec": {"replicas": 2}}, subresource="scale",
                     binding=("cluster-admins", "cluster-admin")),
                 [], [], "benign: the cluster agent scaled back to 2 before the window ends"))
    rows.append((k8s("mw/scale-datadog-out", "2026-11-29T02:31:10.000000Z", "patch", admin, admins, "198.51.100.20", KUBECTL,
                     "deployments", "datadog", "datadog-cluster-agent", {"spec": {"replicas": 0}}, subresource="scale",
                     binding=("cluster-admins", "cluster-admin")),
                 ["k8s.agent.scaled_to_zero"], [],
                 "03:31 Berlin: the same change 31 minutes after the window closed: alerts, near-miss reason says outside the maintenance windows"))
    rows.append((azure_diag_delete("mw/aks-diag-out", "ops-admin@contoso.onmicrosoft.com", "198.51.100.21", "2026-11-25T14:12:09.0127733Z",
                                   sub, "rg-aks", "aks-prod", "aks-audit-to-sentinel"),
                 ["azure.monitor.diagnostic_setting_deleted"], [],
                 "Wednesday 15:12 Berlin, late in the file as a delayed export would deliver it: the same admin, no window: alerts with the near-miss reason"))
    rows.append((k8s("mw/eks-upgrade-abs", "2026-11-30T06:20:00.000000Z", "patch", admin, admins, "198.51.100.20", KUBECTL,
                     "daemonsets", "amazon-cloudwatch", "cloudwatch-agent",
                     {"spec": {"template": {"spec": {"nodeSelector": {"eks.amazonaws.com/nodegroup": "ng-1-31"}}}}},
                     binding=("cluster-admins", "cluster-admin"), query="?fieldManager=kubectl-patch"),
                 ["k8s.agent.unschedulable"], ["k8s.agent.unschedulable"],
                 "Monday 07:20 Berlin, inside the one-off window eks-1-31-upgrade: the CloudWatch agent pinned to the new node group before the old one drains: suppressed"))
    return rows


def change_ticket():
    deployer = "system:serviceaccount:argocd:argocd-application-controller"
    groups = sa_groups("argocd")
    argo = "argocd-application-controller/v2.13.1 (linux/amd64) kubernetes/$Format"

    def rollout(name, time, obj, ns, ticket, ip="10.20.5.14", ua=argo, who=deployer):
        meta = {"annotations": {"change.example.com/ticket": ticket}} if ticket else {}
        body = {"metadata": meta, "spec": {"template": {"metadata": {"annotations": {"fluentbit.io/exclude": "true"}}}}}
        if not ticket:
            del body["metadata"]
        return k8s(name, time, "patch", who, groups if who == deployer else ["system:authenticated"], ip, ua,
                   "deployments", ns, obj, body,
                   binding=("argocd-application-controller", "argocd-application-controller") if who == deployer else ("oncall-admin", "cluster-admin"),
                   query="?fieldManager=argocd-controller")

    rows = []
    rows.append((rollout("ct/checkout-approved", "2026-11-27T13:00:02.000000Z", "checkout", "shop", "CHG0012345"),
                 ["k8s.workload.collection_excluded"], ["k8s.workload.collection_excluded"],
                 "rollout of the new checkout logging pipeline: log collection skipped while the sidecar takes over, annotated change.example.com/ticket: CHG0012345: suppressed by approved-rollout"))
    rows.append((k8s("ct/checkout-revert", "2026-11-27T13:20:40.000000Z", "patch", deployer, groups, "10.20.5.14", argo,
                     "deployments", "shop", "checkout",
                     {"metadata": {"annotations": {"change.example.com/ticket": "CHG0012345"}},
                      "spec": {"template": {"metadata": {"annotations": {"fluentbit.io/exclude": None}}}}},
                     binding=("argocd-application-controller", "argocd-application-controller"), query="?fieldManager=argocd-controller"),
                 [], [], "benign: the same ticket's second step removes the exclusion again (null in a merge patch)"))
    rows.append((rollout("ct/payments-no-ticket", "2026-11-27T14:05:31.000000Z", "payments-api", "payments", None),
                 ["k8s.workload.collection_excluded"], [],
                 "look-alike: the same deployer and change on payments-api without a ticket annotation: alerts, near-miss reason says no valid change-ticket id"))
    rows.append((rollout("ct/ledger-forged", "2026-11-27T14:48:09.000000Z", "ledger", "payments", "CHG-12345"),
                 ["k8s.workload.collection_excluded"], [],
                 "look-alike: ticket annotation CHG-12345 does not match ^CHG[0-9]{7}$ (forged or mistyped): alerts with the near-miss reason"))
    rows.append((rollout("ct/orders-padded", "2026-11-27T15:31:44.000000Z", "orders", "shop", "CHG00123456789"),
                 ["k8s.workload.collection_excluded"], [],
                 "look-alike: CHG00123456789 has too many digits; the anchored pattern refuses it: alerts with the near-miss reason"))
    rows.append((rollout("ct/stolen-token", "2026-11-27T16:15:00.000000Z", "search", "shop", "CHG0012345", ip="203.0.113.66",
                         ua=KUBECTL, who="mallory@example.com"),
                 ["k8s.workload.collection_excluded"], [],
                 "look-alike: a person copies the approved ticket id onto another deployment with kubectl: the ticket is valid but the principal is not the deployer: alerts, near-miss reason names the principal"))
    return rows


def write(stem, rows, correlations_plain, correlations_configured):
    with open(HERE / f"{stem}.ndjson", "w") as out:
        for event, *_ in rows:
            out.write(json.dumps(event, separators=(",", ":")) + "\n")

    def corr(items):
        return [{"rule": "sequence.monitoring_evasion", "principal": p, "events": ids, "note": n} for p, ids, n in items]

    plain = {"stream": f"{stem}.ndjson",
             "events": [{"line": i + 1, "rules": r, "note": n} for i, (_, r, _, n) in enumerate(rows)],
             "correlations": corr(correlations_plain)}
    configured = {"stream": f"../{stem}.ndjson", "config": "../blindspot.config.json",
                  "events": [{"line": i + 1, "rules": [x for x in r if x not in s], "suppressed": s, "note": n}
                             for i, (_, r, s, n) in enumerate(rows)],
                  "correlations": corr(correlations_configured)}
    (HERE / f"{stem}.expected.json").write_text(json.dumps(plain, indent=1) + "\n")
    (HERE / "configured" / f"{stem}.expected.json").write_text(json.dumps(configured, indent=1) + "\n")


def ids(rows, *positions):
    out = []
    for p in positions:
        e = rows[p - 1][0]
        out.append(e.get("eventID") or e.get("auditID") or e.get("eventDataId") or e.get("insertId"))
    return out


iac = iac_and_operator()
write("iac_and_operator", iac,
      [(TF, ids(iac, 1, 3), "without configuration the Terraform run's two deletions, 51 seconds apart, escalate")], [])
mw = maintenance_window()
write("maintenance_window", mw, [], [])
ct = change_ticket()
write("change_ticket", ct, [], [])
