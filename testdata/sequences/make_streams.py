#!/usr/bin/env python3
"""Writes the multi-source sequence streams of this folder and their expected files.

Each event is built from a recorded event of ../aws, ../k8s, ../gcp or ../azure (same field names and
nesting), with its principal, target, time and ids replaced. Ids are uuid5 values of a fixed name, so
a rerun writes the same files. Run from anywhere: python3 testdata/sequences/make_streams.py
"""

import copy
import json
import uuid
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTDATA = HERE.parent


def uid(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "blindspot/testdata/sequences/" + name))


def line(path, n):
    text = (TESTDATA / path).read_text().split("\n")[n - 1]
    return json.loads(text)


def cloudtrail(name, event_name, arn, ip, time, ua, request):
    # Successful StopLogging / DeleteFlowLogs of ../aws/cloudtrail_audit_logging.ndjson (lines 30, 46).
    template = line("aws/cloudtrail_audit_logging.ndjson", 30 if event_name == "StopLogging" else 46)
    assert template["eventName"] == event_name
    e = copy.deepcopy(template)
    account = arn.split(":")[4]
    role, session = arn.split("/")[1], arn.split("/")[2]
    ident = e["userIdentity"]
    ident["arn"] = arn
    ident["accountId"] = account
    ident["principalId"] = "AROA" + uid(name + "role")[:17].replace("-", "").upper() + ":" + session
    issuer = ident["sessionContext"]["sessionIssuer"]
    issuer["arn"] = f"arn:aws:iam::{account}:role/{role}"
    issuer["accountId"] = account
    issuer["userName"] = role
    issuer["principalId"] = ident["principalId"].split(":")[0]
    ident["sessionContext"]["attributes"]["creationDate"] = time[:14] + "00:00Z"
    e["eventTime"] = time
    e["sourceIPAddress"] = ip
    e["userAgent"] = ua
    e["requestParameters"] = request
    e["recipientAccountId"] = account
    e["eventID"] = uid(name)
    e["requestID"] = uid(name + "request")
    if event_name == "DeleteFlowLogs":
        e["responseElements"]["DeleteFlowLogsResponse"]["requestId"] = e["requestID"]
    return e, e["eventID"]


def eks_subscription(name, arn, ip, iso, namespace, resource, obj):
    """A CloudWatch Logs subscription message of /aws/eks/<cluster>/cluster holding one audit event."""
    time_ms = int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
    template = line("aws/../k8s/eks_cloudwatch.ndjson", 2)
    inner = json.loads(template["logEvents"][1]["message"])
    assert inner["verb"] == "delete" and inner["stage"] == "ResponseComplete"
    session = arn.split("/")[2]
    role = arn.split("/")[1]
    account = arn.split(":")[4]
    inner["auditID"] = uid(name)
    inner["requestURI"] = f"/apis/apps/v1/namespaces/{namespace}/{resource}/{obj}"
    inner["user"] = {
        "username": arn,
        "uid": f"aws-iam-authenticator:{account}:AROA{uid(name + 'role')[:17].replace('-', '').upper()}",
        "groups": ["system:authenticated"],
        "extra": {
            "accessKeyId": ["ASIA" + uid(name + "key")[:16].replace("-", "").upper()],
            "arn": [arn],
            "canonicalArn": [f"arn:aws:iam::{account}:role/{role}"],
            "principalId": ["AROA" + uid(name + "role")[:17].replace("-", "").upper()],
            "sessionName": [session],
        },
    }
    inner["sourceIPs"] = [ip]
    inner["objectRef"] = {"resource": resource, "namespace": namespace, "name": obj, "apiGroup": "apps", "apiVersion": "v1"}
    inner["requestReceivedTimestamp"] = iso
    inner["stageTimestamp"] = iso.replace("000Z", "031Z")
    inner["annotations"]["authorization.k8s.io/reason"] = (
        'EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:eks::aws:cluster-access-policy/'
        'AmazonEKSClusterAdminPolicy" of ClusterRole "cluster-admin" to User "' + arn + '"'
    )
    envelope = copy.deepcopy(template)
    envelope["owner"] = account
    envelope["logGroup"] = "/aws/eks/payments-eks/cluster"
    envelope["logStream"] = "kube-apiserver-audit-" + uid(name + "stream").replace("-", "")
    envelope["logEvents"] = [{"id": str(time_ms) + "0" * 40, "timestamp": time_ms, "message": json.dumps(inner, separators=(",", ":"))}]
    return envelope, inner["auditID"]


def gcp_sink_delete(name, email, ip, time, project, sink):
    e = line("gcp/audit_logentries.ndjson", 5)
    assert e["protoPayload"]["methodName"].endswith("DeleteSink")
    p = e["protoPayload"]
    p["authenticationInfo"]["principalEmail"] = email
    p["requestMetadata"]["callerIp"] = ip
    p["requestMetadata"]["requestAttributes"]["time"] = time
    resource = f"projects/{project}/sinks/{sink}"
    p["authorizationInfo"][0]["resource"] = resource
    p["resourceName"] = resource
    p["request"]["sinkName"] = resource
    e["insertId"] = uid(name)[:12]
    e["resource"]["labels"] = {"destination": f"pubsub.googleapis.com/projects/{project}/topics/{sink}", "name": sink, "project_id": project}
    e["timestamp"] = time
    e["receiveTimestamp"] = time
    e["logName"] = f"projects/{project}/logs/cloudaudit.googleapis.com%2Factivity"
    return e, e["insertId"]


def gke_netpol_delete(name, email, ip, time, project, cluster, namespace, policy):
    e = line("k8s/gke_audit.ndjson", 4)
    assert e["protoPayload"]["methodName"] == "io.k8s.networking.v1.networkpolicies.delete"
    p = e["protoPayload"]
    p["authenticationInfo"]["principalEmail"] = email
    resource = f"networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/{policy}"
    p["authorizationInfo"][0]["resource"] = resource
    p["resourceName"] = resource
    p["requestMetadata"]["callerIp"] = ip
    e["insertId"] = uid(name)
    e["resource"]["labels"] = {"project_id": project, "location": "europe-west1", "cluster_name": cluster}
    e["timestamp"] = time
    e["receiveTimestamp"] = time.replace(".000000Z", ".512000Z")
    e["logName"] = f"projects/{project}/logs/cloudaudit.googleapis.com%2Factivity"
    e["operation"]["id"] = uid(name + "operation")
    # The k8s source names a GKE entry by its operation id (one per API request), not the insertId.
    return e, e["operation"]["id"]


def azure_diag_delete(name, upn, ip, time, sub, rg, cluster, setting):
    e = line("azure/activity_rest.ndjson", 2)
    assert e["operationName"]["value"] == "Microsoft.Insights/diagnosticSettings/delete"
    rid = (f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/"
           f"{cluster}/providers/microsoft.insights/diagnosticSettings/{setting}")
    data_id = uid(name)
    corr = uid(name + "correlation")
    e["authorization"]["scope"] = rid
    e["caller"] = upn
    e["claims"]["ipaddr"] = ip
    e["claims"]["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = upn
    e["claims"]["name"] = upn.split("@")[0].capitalize()
    e["correlationId"] = corr
    e["operationId"] = corr
    e["eventDataId"] = data_id
    e["eventTimestamp"] = time
    e["submissionTimestamp"] = time
    e["id"] = f"{rid}/events/{data_id}/ticks/639000000000000000"
    e["resourceGroupName"] = rg
    e["resourceId"] = rid
    e["subscriptionId"] = sub
    e["properties"]["entity"] = rid
    e["properties"]["hierarchy"] = e["tenantId"] + "/" + sub
    e["httpRequest"]["clientRequestId"] = corr
    e["httpRequest"]["clientIpAddress"] = ip
    return e, data_id


def aks_webhook_delete(name, upn, ip, iso, sub, rg, cluster, webhook, kind="validatingwebhookconfigurations"):
    """A diagnostic-settings export `{"records":[...]}` with one kube-audit-admin record."""
    doc = json.loads((TESTDATA / "k8s/aks_diagnostics.json").read_text())
    record = next(r for r in doc["records"] if "validatingwebhookconfigurations" in r["properties"]["log"])
    record = copy.deepcopy(record)
    inner = json.loads(record["properties"]["log"])
    inner["auditID"] = uid(name)
    inner["requestURI"] = f"/apis/admissionregistration.k8s.io/v1/{kind}/{webhook}"
    inner["user"]["username"] = upn
    inner["user"]["extra"]["oid"] = [uid(upn)]
    inner["sourceIPs"] = [ip]
    inner["objectRef"]["resource"] = kind
    inner["objectRef"]["name"] = webhook
    inner["requestReceivedTimestamp"] = iso
    inner["stageTimestamp"] = iso.replace("000Z", "018Z")
    inner["annotations"]["authorization.k8s.io/reason"] = (
        f'RBAC: allowed by ClusterRoleBinding "aks-cluster-admin-binding-aad" of ClusterRole "cluster-admin" to User "{upn}"'
    )
    record["properties"]["log"] = json.dumps(inner, separators=(",", ":"))
    record["resourceId"] = (f"/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/{rg}/PROVIDERS/MICROSOFT.CONTAINERSERVICE/"
                            f"MANAGEDCLUSTERS/{cluster}").upper()
    record["time"] = iso.replace(".000000Z", ".0000000Z")
    return {"records": [record]}, inner["auditID"]


def write(stem, rows, correlations):
    """rows: (event, id, rules, note); correlations: (principal, [ids], note)."""
    with open(HERE / f"{stem}.ndjson", "w") as out:
        for event, _, _, _ in rows:
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
    expected = {
        "stream": f"{stem}.ndjson",
        "events": [{"line": i + 1, "rules": rules, "note": note} for i, (_, _, rules, note) in enumerate(rows)],
        "correlations": [
            {"rule": "sequence.monitoring_evasion", "principal": p, "events": ids, "note": note}
            for p, ids, note in correlations
        ],
    }
    text = json.dumps(expected, indent=1)
    (HERE / f"{stem}.expected.json").write_text(text + "\n")


AWS_CLI_STOP = "aws-cli/2.17.4 Python/3.11.9 Linux/6.8.0-1012-aws exe/x86_64.ubuntu.24 prompt/off command/cloudtrail.stop-logging"
AWS_CLI_FLOW = "aws-cli/2.17.4 Python/3.11.9 Linux/6.8.0-1012-aws exe/x86_64.ubuntu.24 prompt/off command/ec2.delete-flow-logs"


def aws_eks():
    acct = "444455556666"
    eve = f"arn:aws:sts::{acct}:assumed-role/EKSClusterAdmin/eve-laptop"
    ops = f"arn:aws:sts::{acct}:assumed-role/platform-admin/oncall-ops"
    rita = f"arn:aws:sts::{acct}:assumed-role/break-glass/rita"
    trail = {"name": f"arn:aws:cloudtrail:eu-central-1:{acct}:trail/management-events"}
    rows = []
    e, a1 = cloudtrail("aws-eks/eve-stop", "StopLogging", eve, "203.0.113.88", "2026-11-27T14:00:07Z", AWS_CLI_STOP, trail)
    rows.append((e, a1, ["aws.cloudtrail.stop_logging"], "move 1 of eve's sequence: the management trail stopped"))
    e, o1 = cloudtrail("aws-eks/ops-flow", "DeleteFlowLogs", ops, "198.51.100.20", "2026-11-27T14:03:41Z", AWS_CLI_FLOW,
                       {"DeleteFlowLogsRequest": {"FlowLogId": {"tag": 1, "content": "fl-04e1d2c3b4a596870"}}})
    rows.append((e, o1, ["aws.ec2.flow_logs_deleted"], "control: another principal with a single move (alerts alone, no escalation)"))
    e, a2 = eks_subscription("aws-eks/eve-falco", eve, "203.0.113.88", "2026-11-27T14:06:07.000000Z",
                             "falco", "daemonsets", "falco")
    rows.append((e, a2, ["k8s.agent.workload_deleted"], "move 2: the Falco DaemonSet deleted through the EKS API by the same IAM session (access-entry username = session ARN)"))
    e, r1 = cloudtrail("aws-eks/rita-stop", "StopLogging", rita, "198.51.100.71", "2026-11-27T14:10:15Z", AWS_CLI_STOP, trail)
    rows.append((e, r1, ["aws.cloudtrail.stop_logging"], "control: rita's first move; her second comes 2h20m later, outside the 30-minute window"))
    e, r2 = eks_subscription("aws-eks/rita-falco", rita, "198.51.100.71", "2026-11-27T16:20:15.000000Z",
                             "falco", "daemonsets", "falco")
    rows.append((e, r2, ["k8s.agent.workload_deleted"], "control: rita's second move, 2h10m after the first: no escalation"))
    write("aws_cloudtrail_eks", rows, [(eve, [a1, a2], "StopLogging then the Falco DaemonSet deleted, 6 minutes apart, by one IAM session in two log sources")])


def gcp_gke():
    proj = "acme-shop-prod"
    eve = "eve@acme-corp.example"
    rows = []
    e, a1 = gcp_sink_delete("gcp/eve-sink", eve, "203.0.113.90", "2026-11-27T15:12:40.118264Z", proj, "chronicle-export")
    rows.append((e, a1, ["gcp.logging.sink_deleted"], "move 1 of eve's sequence: the SIEM sink deleted"))
    e, c1 = gke_netpol_delete("gcp/dana-netpol", "dana@acme-corp.example", "198.51.100.33", "2026-11-27T15:14:02.000000Z",
                              proj, "shop-gke", "checkout", "allow-frontend")
    rows.append((e, c1, ["k8s.networkpolicy.removed"], "control: another principal removes one NetworkPolicy (alerts alone, no escalation)"))
    e, a2 = gke_netpol_delete("gcp/eve-netpol", eve, "203.0.113.90", "2026-11-27T15:19:55.000000Z",
                              proj, "shop-gke", "payments", "default-deny-egress")
    rows.append((e, a2, ["k8s.networkpolicy.removed"], "move 2: the default-deny egress NetworkPolicy deleted in GKE by the same principalEmail"))
    e, f1 = gcp_sink_delete("gcp/frank-sink", "frank@acme-corp.example", "198.51.100.34", "2026-11-27T15:25:00.402113Z", proj, "bq-audit-archive")
    rows.append((e, f1, ["gcp.logging.sink_deleted"], "control: frank's first move; his second is 2 hours later"))
    e, f2 = gke_netpol_delete("gcp/frank-netpol", "frank@acme-corp.example", "198.51.100.34", "2026-11-27T17:25:00.000000Z",
                              proj, "shop-gke", "batch", "deny-all-ingress")
    rows.append((e, f2, ["k8s.networkpolicy.removed"], "control: frank's second move, 2 hours after the first: no escalation"))
    write("gcp_logging_gke", rows, [(eve, [a1, a2], "sink deleted, then the egress NetworkPolicy removed 7 minutes later, by one principalEmail across Cloud Audit Logs and GKE audit")])


def azure_aks():
    sub = "2c7d9e1f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
    eve = "eve@fabrikam.onmicrosoft.com"
    rows = []
    e, a1 = azure_diag_delete("azure/eve-diag", eve, "203.0.113.93", "2026-11-27T18:31:14.2231107Z", sub, "rg-checkout", "aks-checkout", "kube-audit-to-sentinel")
    rows.append((e, a1, ["azure.monitor.diagnostic_setting_deleted"], "move 1 of eve's sequence: the AKS kube-audit diagnostic setting deleted"))
    e, c1 = azure_diag_delete("azure/olga-diag", "olga@fabrikam.onmicrosoft.com", "198.51.100.45", "2026-11-27T18:33:40.9011422Z", sub, "rg-search", "aks-search", "kube-audit-archive")
    rows.append((e, c1, ["azure.monitor.diagnostic_setting_deleted"], "control: another UPN with one move (alerts alone, no escalation)"))
    e, a2 = aks_webhook_delete("azure/eve-webhook", eve, "203.0.113.93", "2026-11-27T18:38:02.000000Z", sub, "rg-checkout", "aks-checkout",
                               "gatekeeper-validating-webhook-configuration")
    rows.append((e, a2, ["k8s.admission.webhook_disabled"], "move 2: Gatekeeper's validating webhook deleted (kube-audit-admin record) by the same UPN"))
    e, p1 = azure_diag_delete("azure/piet-diag", "piet@fabrikam.onmicrosoft.com", "198.51.100.46", "2026-11-27T18:45:00.0000000Z", sub, "rg-ledger", "aks-ledger", "kube-audit-to-law")
    rows.append((e, p1, ["azure.monitor.diagnostic_setting_deleted"], "control: piet's first move; his second is 2 hours later"))
    e, p2 = aks_webhook_delete("azure/piet-webhook", "piet@fabrikam.onmicrosoft.com", "198.51.100.46", "2026-11-27T20:45:00.000000Z", sub, "rg-ledger", "aks-ledger",
                               "gatekeeper-validating-webhook-configuration")
    rows.append((e, p2, ["k8s.admission.webhook_disabled"], "control: piet's second move, 2 hours after the first: no escalation"))
    write("azure_activity_aks", rows, [(eve, [a1, a2], "diagnostic setting deleted, then Gatekeeper's webhook deleted 7 minutes later, by one UPN across Azure Activity and AKS kube-audit")])


aws_eks()
gcp_gke()
azure_aks()
