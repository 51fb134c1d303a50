#!/usr/bin/python3
"""Generates schema/ecs_schema_data.c from a botocore ECS model (service-2.json).

Usage: scripts/gen-schema.py [service-2.json or ""] [output.c]
Defaults: the vendored schema/botocore/service-2.json (its sha256 must match
schema/botocore/PINS) and schema/ecs_schema_data.c.

Only facts are kept (shapes, members, types, enums, required, min/max,
patterns, sensitive, deprecated), never documentation text. Documented limits
that the model states only in prose are in DOCUMENTED below; each one names
the sentence it comes from, and the generator fails when that sentence is no
longer in the member's documentation, so a new model cannot silently diverge.
Python 3 standard library only.
"""
import os
import re
import sys

import botocore_pins

OPERATIONS = [
    "CreateCluster", "DescribeClusters", "ListClusters", "DeleteCluster", "UpdateCluster",
    "UpdateClusterSettings", "PutClusterCapacityProviders", "RegisterTaskDefinition",
    "DescribeTaskDefinition", "ListTaskDefinitions", "ListTaskDefinitionFamilies",
    "DeregisterTaskDefinition", "CreateService", "UpdateService", "DescribeServices",
    "ListServices", "DeleteService", "ListTasks", "DescribeTasks", "RunTask", "StopTask",
    "TagResource", "UntagResource", "ListTagsForResource",
    # container instances, attributes and the agent's calls (EC2 clusters)
    "RegisterContainerInstance", "DeregisterContainerInstance", "DescribeContainerInstances",
    "ListContainerInstances", "UpdateContainerAgent", "UpdateContainerInstancesState",
    "SubmitContainerStateChange", "SubmitTaskStateChange", "DiscoverPollEndpoint",
    "PutAttributes", "DeleteAttributes", "ListAttributes", "StartTask",
    # service deployments and revisions (deployment strategies, lifecycle hooks)
    "ListServiceDeployments", "DescribeServiceDeployments", "DescribeServiceRevisions",
    "StopServiceDeployment", "ContinueServiceDeployment",
]

TYPES = ["structure", "list", "map", "string", "integer", "long", "boolean", "double",
         "timestamp", "blob"]

# Rules the validator implements in code (enum ecsctl_schema_rule).
RULES = ["NONE", "NAME", "ASCII_PRINTABLE", "TASK_CPU", "TASK_MEMORY", "DURATION"]

# (shape, member): limits stated only in the documentation.
# "quote" must occur in the member's documentation (markup and whitespace
# ignored); None when the fact comes from elsewhere (named in "source").
NAME_SENTENCE = ("Up to 255 letters (uppercase and lowercase), numbers, underscores, "
                 "and hyphens are allowed.")
DOCUMENTED = [
    {"at": ("CreateClusterRequest", "clusterName"), "min": 1, "max": 255, "rule": "NAME",
     "quote": NAME_SENTENCE},
    {"at": ("RegisterTaskDefinitionRequest", "family"), "min": 1, "max": 255, "rule": "NAME",
     "quote": NAME_SENTENCE},
    {"at": ("CreateServiceRequest", "serviceName"), "min": 1, "max": 255, "rule": "NAME",
     "quote": NAME_SENTENCE},
    {"at": ("ContainerDefinition", "name"), "min": 1, "max": 255, "rule": "NAME",
     "quote": NAME_SENTENCE},
    # ContainerDefinition declares no required member, yet RegisterTaskDefinition
    # rejects a container without name or image.
    {"at": ("ContainerDefinition", "name"), "required": True,
     "quote": "The name of a container."},
    {"at": ("ContainerDefinition", "image"), "max": 255, "required": True,
     "quote": "up to 255 characters total are allowed"},
    {"at": ("RegisterTaskDefinitionRequest", "placementConstraints"), "max": 10,
     "quote": "You can specify a maximum of 10 constraints for each task."},
    {"at": ("CreateServiceRequest", "placementConstraints"), "max": 10,
     "quote": "You can specify a maximum of 10 constraints for each task."},
    {"at": ("CreateServiceRequest", "placementStrategy"), "max": 5,
     "quote": "You can specify a maximum of 5 strategy rules for each service."},
    {"at": ("CreateServiceRequest", "capacityProviderStrategy"), "max": 20,
     "quote": "A capacity provider strategy can contain a maximum of 20 capacity providers."},
    {"at": ("CreateServiceRequest", "serviceRegistries"), "max": 1,
     "quote": "Each service may be associated with one service registry."},
    {"at": ("AwsVpcConfiguration", "subnets"), "min": 1, "max": 16,
     "quote": "There's a limit of 16 subnets that can be specified."},
    {"at": ("AwsVpcConfiguration", "securityGroups"), "max": 5,
     "quote": "There's a limit of 5 security groups that can be specified."},
    {"at": ("HealthCheck", "interval"), "min": 5, "max": 300,
     "quote": "You may specify between 5 and 300 seconds."},
    {"at": ("HealthCheck", "timeout"), "min": 2, "max": 60,
     "quote": "You may specify between 2 and 60 seconds."},
    {"at": ("HealthCheck", "retries"), "min": 1, "max": 10,
     "quote": "You may specify between 1 and 10 retries."},
    {"at": ("HealthCheck", "startPeriod"), "min": 0, "max": 300,
     "quote": "You can specify between 0 and 300 seconds."},
    {"at": ("CreateServiceRequest", "clientToken"), "min": 1, "max": 36,
     "rule": "ASCII_PRINTABLE",
     "quote": "Up to 36 ASCII characters in the range of 33-126 (inclusive) are allowed."},
    {"at": ("RegisterTaskDefinitionRequest", "cpu"), "rule": "TASK_CPU",
     "quote": "It can be expressed as an integer using CPU units (for example, 1024) or as a "
              "string using vCPUs (for example, 1 vCPU or 1 vcpu) in a task definition."},
    {"at": ("RegisterTaskDefinitionRequest", "memory"), "rule": "TASK_MEMORY",
     "quote": "It can be expressed as an integer using MiB (for example ,1024) or as a string "
              "using GB (for example, 1GB or 1 GB) in a task definition."},
    # Amazon ECS service quotas page: "Container definitions per task
    # definition: 10" (not in the API model).
    {"at": ("RegisterTaskDefinitionRequest", "containerDefinitions"), "min": 1, "max": 10,
     "quote": None, "source": "ECS service quotas"},
]

# ecsctl.yaml, validated by the same code as the ECS shapes (docs/desired-state.md).
# These are ecsctl's own, not AWS's.
# what ecsctl.yaml and each of its environments may set
SETTINGS_MEMBERS = {
    "name": {"shape": "EcsctlName"},
    "region": {"shape": "EcsctlString"},
    "prune": {"shape": "EcsctlBoolean"},
    "keepRevisions": {"shape": "EcsctlKeepRevisions"},
    "wait": {"shape": "EcsctlWait"},
    "suspend": {"shape": "EcsctlBoolean"},
    "ignoreDifferences": {"shape": "EcsctlIgnoreList"},
    "sensitive": {"shape": "EcsctlStringList"},
    # plan, apply and watch refuse credentials of another account
    "accountId": {"shape": "EcsctlAccountId"},
    "notifications": {"shape": "EcsctlNotifications"},
    "hooks": {"shape": "EcsctlHooks"},
    "lock": {"shape": "EcsctlLock"},
}
ECSCTL_SHAPES = {
    "EcsctlSettings": {"type": "structure", "members": SETTINGS_MEMBERS},
    # one entry of `environments:` (its `variables:` map is read before, any type)
    "EcsctlEnvironment": {"type": "structure", "members": dict(
        SETTINGS_MEMBERS,
        varFiles={"shape": "EcsctlStringList"},
        overlays={"shape": "EcsctlStringList"})},
    "EcsctlWait": {"type": "structure", "members": {
        "timeout": {"shape": "EcsctlDuration"},
        "rollbackOnFailure": {"shape": "EcsctlBoolean"},
    }},
    # the writers' lease (docs/locking.md)
    "EcsctlLock": {"type": "structure", "required": ["backend"], "members": {
        "backend": {"shape": "EcsctlLockBackend"},
        "path": {"shape": "EcsctlString"},
        "table": {"shape": "EcsctlString"},
        "bucket": {"shape": "EcsctlString"},
        "key": {"shape": "EcsctlString"},
        "region": {"shape": "EcsctlString"},
        "endpoint": {"shape": "EcsctlString"},
        "ttl": {"shape": "EcsctlDuration"},
    }},
    "EcsctlLockBackend": {"type": "string", "enum": ["file", "dynamodb", "s3"]},
    "EcsctlIgnoreList": {"type": "list", "member": {"shape": "EcsctlIgnoreRule"}},
    "EcsctlIgnoreRule": {"type": "structure", "required": ["kind", "fields"], "members": {
        "kind": {"shape": "EcsctlIgnoreKind"},
        "name": {"shape": "EcsctlString"},
        "fields": {"shape": "EcsctlStringList"},
    }},
    # pre-deploy hooks (docs/operations.md): one-off tasks apply runs after the
    # registers and before any service changes
    "EcsctlHooks": {"type": "structure", "members": {
        "beforeServices": {"shape": "EcsctlHookList"},
    }},
    "EcsctlHookList": {"type": "list", "member": {"shape": "EcsctlHook"}, "min": 1, "max": 10},
    "EcsctlHook": {"type": "structure", "required": ["run"], "members": {
        "run": {"shape": "EcsctlString"},
        "command": {"shape": "EcsctlStringList"},
        "environment": {"shape": "EcsctlHookEnvironment"},
        "container": {"shape": "EcsctlString"},
        "service": {"shape": "EcsctlString"},
        "cluster": {"shape": "EcsctlString"},
        "timeout": {"shape": "EcsctlDuration"},
    }},
    "EcsctlHookEnvironment": {"type": "map", "key": {"shape": "EcsctlString"},
                              "value": {"shape": "EcsctlAnyString"}},
    "EcsctlAnyString": {"type": "string"},
    "EcsctlIgnoreKind": {"type": "string", "enum": ["Cluster", "TaskDefinition", "Service", "*"]},
    "EcsctlStringList": {"type": "list", "member": {"shape": "EcsctlString"}, "min": 1},
    "EcsctlString": {"type": "string", "min": 1},
    # written into the ecsctl:owner tag, so a valid tag value (pattern filled in below)
    "EcsctlName": {"type": "string", "min": 1, "max": 256},
    "EcsctlDuration": {"type": "string", "min": 1},
    "EcsctlAccountId": {"type": "string", "min": 12, "max": 12, "pattern": "^[0-9]+$"},
    "EcsctlBoolean": {"type": "boolean"},
    # watch's notifications (docs/watch.md, "Notifications"); secrets only
    # by environment variable or file, never in git
    "EcsctlNotifications": {"type": "structure", "members": {
        "on": {"shape": "EcsctlNotifyEvents"},
        "timeout": {"shape": "EcsctlDuration"},
        "retries": {"shape": "EcsctlNotifyRetries"},
        "slack": {"shape": "EcsctlSlackList"},
        "github": {"shape": "EcsctlGitHub"},
        "webhooks": {"shape": "EcsctlWebhookList"},
    }},
    "EcsctlNotifyEvents": {"type": "list", "member": {"shape": "EcsctlNotifyEvent"}, "min": 1},
    "EcsctlNotifyEvent": {"type": "string", "enum": [
        "sync-succeeded", "sync-failed", "drift-detected", "health-degraded",
        "rollout-paused"]},
    "EcsctlNotifyRetries": {"type": "integer", "min": 0, "max": 10},
    "EcsctlSlackList": {"type": "list", "member": {"shape": "EcsctlSlack"}, "min": 1},
    "EcsctlSlack": {"type": "structure", "members": {
        "webhookUrlEnv": {"shape": "EcsctlString"},
        "webhookUrlFile": {"shape": "EcsctlString"},
        "on": {"shape": "EcsctlNotifyEvents"},
    }},
    "EcsctlGitHub": {"type": "structure", "required": ["repository"], "members": {
        "repository": {"shape": "EcsctlGitHubRepository"},
        "apiUrl": {"shape": "EcsctlString"},
        "tokenEnv": {"shape": "EcsctlString"},
        "tokenFile": {"shape": "EcsctlString"},
        "context": {"shape": "EcsctlString"},
        "environment": {"shape": "EcsctlString"},
        "commitStatuses": {"shape": "EcsctlBoolean"},
        "deployments": {"shape": "EcsctlBoolean"},
    }},
    "EcsctlGitHubRepository": {"type": "string", "min": 3, "max": 200,
                               "pattern": "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"},
    "EcsctlWebhookList": {"type": "list", "member": {"shape": "EcsctlWebhook"}, "min": 1},
    "EcsctlWebhook": {"type": "structure", "required": ["url"], "members": {
        "url": {"shape": "EcsctlString"},
        "secretEnv": {"shape": "EcsctlString"},
        "secretFile": {"shape": "EcsctlString"},
        "on": {"shape": "EcsctlNotifyEvents"},
    }},
    "EcsctlKeepRevisions": {"type": "integer", "min": 0, "max": 1000},
}
ECSCTL_MEMBER_RULES = {("EcsctlWait", "timeout"): "DURATION",
                       ("EcsctlNotifications", "timeout"): "DURATION",
                       ("EcsctlHook", "timeout"): "DURATION",
                       ("EcsctlLock", "ttl"): "DURATION"}


def squeeze(text):
    """Documentation without markup or whitespace, so <code> spacing does not matter."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", text or ""))


def c_str(s):
    out = ['"']
    for ch in s:
        if ch in '\\"':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.extend("\\%03o" % b for b in ch.encode("utf-8"))
    out.append('"')
    return "".join(out)


def c_num(v):
    if isinstance(v, float) and not v.is_integer():
        return repr(v)
    return "%d" % int(v)


def limits(obj):
    has_min, has_max = "min" in obj, "max" in obj
    return "{%d, %d, %s, %s}" % (has_min, has_max, c_num(obj.get("min", 0)),
                                 c_num(obj.get("max", 0)))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        here, "..", "schema", "ecs_schema_data.c")
    model, pin = botocore_pins.load("service-2.json", src)
    shapes = model["shapes"]
    ops = model["operations"]

    seen = set()

    def walk(name):
        if name in seen:
            return
        seen.add(name)
        s = shapes[name]
        for m in s.get("members", {}).values():
            walk(m["shape"])
        for k in ("member", "key", "value"):
            if k in s:
                walk(s[k]["shape"])

    for op in OPERATIONS:
        o = ops[op]
        for k in ("input", "output"):
            if k in o:
                walk(o[k]["shape"])
        for e in o.get("errors", []):
            walk(e["shape"])

    for name in ECSCTL_SHAPES:
        if name in shapes:
            sys.exit("gen-schema: ecsctl shape %s clashes with the model" % name)
    all_shapes = {n: shapes[n] for n in seen}
    all_shapes.update(ECSCTL_SHAPES)
    if shapes["TagValue"].get("pattern"):
        all_shapes["EcsctlName"] = dict(ECSCTL_SHAPES["EcsctlName"],
                                        pattern=shapes["TagValue"]["pattern"])
    order = sorted(all_shapes)
    index = {n: i for i, n in enumerate(order)}

    # Documented limits: checked against the documentation, then merged per member.
    extra = {}
    for entry in DOCUMENTED:
        shape, member = entry["at"]
        mdef = shapes[shape]["members"].get(member)
        if mdef is None:
            sys.exit("gen-schema: %s.%s is not in the model" % (shape, member))
        quote = entry.get("quote")
        if quote and squeeze(quote) not in squeeze(mdef.get("documentation")):
            sys.exit("gen-schema: the documentation of %s.%s no longer says %r"
                     % (shape, member, quote))
        cur = extra.setdefault((shape, member), {})
        for k in ("min", "max", "rule", "required"):
            if k in entry:
                cur[k] = entry[k]
    for key, rule in ECSCTL_MEMBER_RULES.items():
        extra.setdefault(key, {})["rule"] = rule

    out = []
    w = out.append
    w("/*")
    w(" * GENERATED by scripts/gen-schema.py from botocore's ECS model")
    w(" * (%s, uid %s). Do not edit." % (model["metadata"].get("apiVersion"),
                                          model["metadata"].get("uid")))
    w(" * Model: %s (schema/botocore/PINS)." % pin)
    w(" * Regenerate: sh scripts/regen.sh")
    w(" * Facts only: shapes reachable from %d operations, plus ecsctl.yaml's own." % len(OPERATIONS))
    w(" */")
    w('#include "ecsctl/schema.h"')
    w('#include "schema_int.h"')
    w("")
    w('const char ecsctl_schema_api_version[] = %s;' % c_str(model["metadata"]["apiVersion"]))
    w("")
    for n in order:
        s = all_shapes[n]
        if s.get("enum"):
            w("static const char *const E_%s[] = {%s};" % (
                n, ", ".join(c_str(v) for v in s["enum"])))
    w("")
    for n in order:
        s = all_shapes[n]
        if s["type"] != "structure" or not s.get("members"):
            continue
        req = set(s.get("required", []))
        w("static const struct ecsctl_schema_member M_%s[] = {" % n)
        for mname, m in s["members"].items():
            x = extra.get((n, mname), {})
            lim = limits(x)
            flags = []
            if mname in req or x.get("required"):
                flags.append("ECSCTL_SCHEMA_REQUIRED")
            if m.get("deprecated"):
                flags.append("ECSCTL_SCHEMA_DEPRECATED")
            if m.get("idempotencyToken"):
                flags.append("ECSCTL_SCHEMA_IDEMPOTENCY_TOKEN")
            w("\t{%s, %d, %s, ECSCTL_RULE_%s, %s}," % (
                c_str(mname), index[m["shape"]], " | ".join(flags) or "0",
                x.get("rule", "NONE"), lim))
        w("};")
    w("")
    w("const struct ecsctl_schema_shape ecsctl_schema_shapes[] = {")
    for n in order:
        s = all_shapes[n]
        t = s["type"]
        if t not in TYPES:
            sys.exit("gen-schema: shape %s has unknown type %s" % (n, t))
        mem = s.get("members") or {}
        flags = []
        if s.get("sensitive"):
            flags.append("ECSCTL_SCHEMA_SENSITIVE")
        if s.get("exception"):
            flags.append("ECSCTL_SCHEMA_EXCEPTION")
        if n.startswith("Ecsctl") and n in ECSCTL_SHAPES:
            flags.append("ECSCTL_SCHEMA_OWN")
        if s.get("document"):
            flags.append("ECSCTL_SCHEMA_DOCUMENT")
        fields = [
            ".name = %s" % c_str(n),
            ".type = ECSCTL_SCHEMA_%s" % t.upper(),
        ]
        if flags:
            fields.append(".flags = %s" % " | ".join(flags))
        if "min" in s or "max" in s:
            fields.append(".limits = %s" % limits(s))
        if s.get("pattern"):
            fields.append(".pattern = %s" % c_str(s["pattern"]))
        if mem:
            fields.append(".members = M_%s, .nmembers = %d" % (n, len(mem)))
        if "member" in s:
            fields.append(".member = %d" % index[s["member"]["shape"]])
        if "key" in s:
            fields.append(".key = %d, .value = %d" % (index[s["key"]["shape"]],
                                                      index[s["value"]["shape"]]))
        if s.get("enum"):
            fields.append(".enums = E_%s, .nenums = %d" % (n, len(s["enum"])))
        w("\t{%s}," % ", ".join(fields))
    w("};")
    w("const unsigned ecsctl_schema_nshapes = %d;" % len(order))
    w("")
    for op in OPERATIONS:
        errs = [e["shape"] for e in ops[op].get("errors", [])]
        w("static const char *const X_%s[] = {%s};" % (op, ", ".join(c_str(e) for e in errs)))
    w("")
    w("const struct ecsctl_schema_operation ecsctl_schema_operations[] = {")
    for op in sorted(OPERATIONS):
        o = ops[op]
        inp = index[o["input"]["shape"]] if "input" in o else -1
        outp = index[o["output"]["shape"]] if "output" in o else -1
        w("\t{%s, %d, %d, X_%s, %d}," % (c_str(op), inp, outp, op,
                                        len(o.get("errors", []))))
    w("};")
    w("const unsigned ecsctl_schema_noperations = %d;" % len(OPERATIONS))
    text = "\n".join(out) + "\n"
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
    print("gen-schema: %d shapes, %d operations -> %s" % (len(order), len(OPERATIONS), dst))


if __name__ == "__main__":
    main()
