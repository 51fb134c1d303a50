"""Rollouts on ECS's own deployment strategies, end to end: the plan says
what each rollout will do, apply follows the service deployment it started
(a line per stage with the traffic split), promote continues a PAUSE hook,
abort stops a rollout, status and drift show one under way, and every way a
rollout ends badly (alarm, circuit breaker, hook, abort) is a failure with
its reason. examples/canary is the repository; its minutes are made short
and ecs-local's clock runs 50 times faster."""
import json
import os
import unittest
import urllib.request

from ecslocal import SRC, ServerRepoCase, Watch, metrics, popen_ecsctl, sample, stderr_until
from receiver import Receiver

FAST = ("--poll-interval", "100ms")
SHORT = {"CANARY_MINUTES": "1", "BAKE_MINUTES": "1"}
SERVICE = "examples/services/api.yaml"


class Rollouts(ServerRepoCase):
    repo_source = "examples/canary"

    def apply(self, *args, expect=0, **env):
        return self.run_ok("apply", "--auto-approve", *FAST, "--timeout", "60s", *args,
                           expect=expect, **{**SHORT, **env})

    def start_apply(self, *args, **env):
        p = popen_ecsctl(self.server, self.repo, "apply", "--auto-approve", *FAST,
                         "--timeout", "60s", *args, **{**SHORT, **env})
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p

    def finish(self, p, seen=""):
        out, err = p.communicate(timeout=60)
        return p.returncode, out, seen + err

    def paused(self, p):
        """Reads apply's progress until its rollout waits at the PAUSE hook."""
        return stderr_until(p, "hook PAUSE AWAITING_ACTION")

    def created(self):
        """The service created and promoted past its first pause."""
        p = self.start_apply()
        seen = self.paused(p)
        self.run_ok("promote", "api", **SHORT)
        rc, _, err = self.finish(p, seen)
        self.assertEqual(rc, 0, err)

    def alarm(self, name, state):
        req = urllib.request.Request(self.server.url + "/_alarm", method="POST",
                                     data=json.dumps({"alarmName": name,
                                                      "state": state}).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 200)

    def edit(self, old, new):
        text = self.repo.read(SERVICE)
        self.assertIn(old, text)
        self.repo.commit("edit", {SERVICE: text.replace(old, new)})

    def test_canary_plan_pause_status_drift_promote_then_empty_plan(self):
        r = self.run_ok("plan", **SHORT)
        self.assertIn('  + Service "shop-canary/api" will be created\n'
                      "      # rollout: canary 10% for 1m, then 100%, bake 1m, circuit "
                      "breaker (rollback), hooks: PAUSE at POST_TEST_TRAFFIC_SHIFT; alarms: "
                      "api-5xx (rollback)\n", r.stdout)
        md = self.run_ok("plan", "--output", "markdown", **SHORT).stdout
        self.assertIn("Service <code>shop-canary/api</code>: create, canary 10% for 1m, "
                      "then 100%, bake 1m", md)
        plan = json.loads(self.run_ok("plan", "--output", "json", **SHORT).stdout)
        (svc,) = [c for c in plan["changes"] if c["kind"] == "Service"]
        self.assertEqual(svc["rollout"]["strategy"], "CANARY")
        self.assertTrue(svc["rollout"]["startsDeployment"])
        self.assertTrue(svc["rollout"]["description"].startswith("canary 10% for 1m"))

        p = self.start_apply()
        seen = self.paused(p)
        self.assertRegex(seen, r"\[\d+s\] shop-canary/api: CANARY IN_PROGRESS at "
                               r"POST_TEST_TRAFFIC_SHIFT, traffic 0% new, hook PAUSE "
                               r"AWAITING_ACTION, alarms MONITORING: paused, 'ecsctl promote "
                               r"shop-canary/api' continues")
        st = self.run_ok("status", **SHORT).stdout
        self.assertRegex(st, r"\n  rollout: CANARY IN_PROGRESS at POST_TEST_TRAFFIC_SHIFT, "
                             r"traffic 0% new, hook PAUSE AWAITING_ACTION, alarms MONITORING "
                             r"\(service deployment \S+\)\n")
        doc = json.loads(self.run_ok("status", "--output", "json", **SHORT).stdout)
        sd = doc["services"][0]["serviceDeployment"]
        self.assertEqual((sd["strategy"], sd["status"], sd["lifecycleStage"]),
                         ("CANARY", "IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT"))
        self.assertEqual([h["status"] for h in sd["hooks"]], ["AWAITING_ACTION"])
        drift = json.loads(self.run_ok("drift", "--format", "json", **SHORT).stdout)
        res = {(x["kind"], x["name"]): x for x in drift["resources"]}
        self.assertEqual(res[("Service", "shop-canary/api")]["status"], "progressing")
        self.run_ok("drift", "--fail-on-drift", **SHORT)  # a rollout is not drift

        r = self.run_ok("promote", "api", **SHORT)
        self.assertRegex(r.stdout, r"^shop-canary/api: promoted: service deployment \S+ "
                                   r"\(CANARY\) goes on past its PAUSE hook at "
                                   r"POST_TEST_TRAFFIC_SHIFT\n$")
        rc, _, err = self.finish(p, seen)
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"CANARY IN_PROGRESS at PRODUCTION_TRAFFIC_SHIFT, traffic 10% "
                              r"new")
        self.assertRegex(err, r"CANARY SUCCESSFUL at CLEAN_UP, traffic 100% new")
        self.assertIn("Apply complete", err)
        self.assertIn("No changes. Live ECS matches git.", self.run_ok("plan", **SHORT).stdout)
        # nothing paused any more
        r = self.run_ok("promote", "shop-canary/api", expect=1, **SHORT)
        self.assertIn("error: shop-canary/api has no service deployment in progress: nothing "
                      "to promote", r.stderr)

    def test_alarm_rolls_back_and_apply_fails_naming_it(self):
        self.created()
        p = self.start_apply(IMAGE_TAG="1.27.0")
        seen = self.paused(p)
        self.run_ok("promote", "api", **SHORT)
        self.alarm("api-5xx", "ALARM")
        rc, _, err = self.finish(p, seen)
        self.assertEqual(rc, 3, err)
        self.assertRegex(err, r"CANARY ROLLBACK_\w+ at \w+.*alarms TRIGGERED \(api-5xx\)")
        self.assertRegex(err, r"\nshop-canary/api: Alarm api-5xx went into ALARM\. Service "
                              r"deployment \S+: ROLLBACK_\w+\.")
        self.assertNotIn("rolling back to arn:", err)  # ECS rolls back, not ecsctl

    def test_abort_stops_as_is_and_rollback_goes_back(self):
        self.created()
        p = self.start_apply(IMAGE_TAG="1.27.0")
        seen = self.paused(p)
        r = self.run_ok("abort", "api", **SHORT)
        self.assertRegex(r.stdout, r"^shop-canary/api: service deployment \S+ \(CANARY, at "
                                   r"POST_TEST_TRAFFIC_SHIFT\) was stopped as it is \(ABORT\)\n$")
        rc, _, err = self.finish(p, seen)
        self.assertEqual(rc, 3, err)
        self.assertRegex(err, r"\nshop-canary/api: .*Service deployment \S+: STOPPED\.")
        self.assertNotIn("rolling back to", err)  # stopped on purpose: not undone

        p = self.start_apply(IMAGE_TAG="1.27.1")
        seen = self.paused(p)
        r = self.run_ok("abort", "shop-canary/api", "--rollback", **SHORT)
        self.assertIn("is rolling back to the revision it started from", r.stdout)
        rc, _, err = self.finish(p, seen)
        self.assertEqual(rc, 3, err)
        self.assertRegex(err, r"CANARY ROLLBACK_\w+")

    def test_pause_that_times_out_rolls_back_naming_the_hook(self):
        self.created()
        self.edit("timeoutInMinutes: 60", "timeoutInMinutes: 1")
        err = self.apply(expect=3, IMAGE_TAG="1.27.0").stderr
        self.assertRegex(err, r"\nshop-canary/api: The PAUSE hook at POST_TEST_TRAFFIC_SHIFT timed "
                              r"out \(timeout action ROLLBACK\)\. Service deployment \S+: "
                              r"ROLLBACK_SUCCESSFUL\.")

    def test_circuit_breaker_rollback_is_a_failure_with_its_reason(self):
        self.created()
        rc_err = self.apply(expect=3, IMAGE_TAG="crashloop").stderr
        self.assertRegex(rc_err, r"circuit breaker TRIGGERED \(\d+ of \d+ tasks failed\)")
        self.assertRegex(rc_err, r"\nshop-canary/api: ECS deployment circuit breaker: tasks "
                                 r"failed to start\.")

    def test_policy_passes_the_roles_rollouts_hand_ecs(self):
        doc = json.loads(self.run_ok("policy", "--account", "123456789012", **SHORT).stdout)
        (passing,) = [s for s in doc["Statement"] if s["Sid"] == "EcsctlPassServiceRoles"]
        self.assertEqual(passing["Resource"],
                         ["arn:aws:iam::123456789012:role/ecs-infrastructure-elb"])

    def test_wait_traffic_returns_before_the_bake_ends(self):
        self.created()
        p = self.start_apply("--wait", "traffic", IMAGE_TAG="1.27.0", BAKE_MINUTES="60")
        seen = self.paused(p)
        self.run_ok("promote", "api", **SHORT)
        rc, _, err = self.finish(p, seen)
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"CANARY IN_PROGRESS at BAKE_TIME, traffic 100% new / 0% old")
        self.assertNotIn("SUCCESSFUL", err)
        r = self.run_ok("apply", "--wait", "soon", expect=64)
        self.assertIn("--wait takes 'bake' or 'traffic', not 'soon'", r.stderr)


class Rolling(ServerRepoCase):
    """ROLLING, the default, followed the same way (the single-environment shop)."""

    def test_rolling_plan_and_stages(self):
        r = self.run_ok("plan")
        self.assertIn('  + Service "shop/web" will be created\n      # rollout: rolling '
                      '100%/200%, circuit breaker (rollback)\n', r.stdout)
        self.assertIn('  + Service "shop/worker" will be created\n      # rollout: rolling '
                      '100%/200%\n', r.stdout)
        r = self.run_ok("apply", "--auto-approve", *FAST)
        self.assertRegex(r.stderr, r"\[\d+s\] shop/web: ROLLING IN_PROGRESS at SCALE_UP, new "
                                   r"revision 0/2 running\n")
        self.assertRegex(r.stderr, r"\[\d+s\] shop/web: ROLLING SUCCESSFUL at CLEAN_UP, new "
                                   r"revision 2/2 running\n")
        self.assertIn("No changes. Live ECS matches git.", self.run_ok("plan").stdout)


class Strategies(ServerRepoCase):
    """LINEAR and a Lambda hook that fails, on the same service."""
    repo_source = "examples/canary"
    server_args = ("--hook", "smoke=FAILED")

    def test_linear_plan_and_stages(self):
        text = self.repo.read(SERVICE)
        text = text.replace("  strategy: CANARY\n  canaryConfiguration:\n    canaryPercent: 10\n"
                            "    canaryBakeTimeInMinutes: ${CANARY_MINUTES:-5}\n",
                            "  strategy: LINEAR\n  linearConfiguration:\n    stepPercent: 50\n"
                            "    stepBakeTimeInMinutes: 1\n")
        text = text[:text.index("  lifecycleHooks:")]
        self.repo.commit("linear", {SERVICE: text})
        r = self.run_ok("plan", BAKE_MINUTES="1")
        self.assertIn("      # rollout: linear 50% every 1m, bake 1m, circuit breaker "
                      "(rollback); alarms: api-5xx (rollback)\n", r.stdout)
        r = self.run_ok("apply", "--auto-approve", *FAST, "--timeout", "60s", BAKE_MINUTES="1")
        self.assertRegex(r.stderr, r"LINEAR IN_PROGRESS at \w+, traffic 50% new")
        self.assertRegex(r.stderr, r"LINEAR SUCCESSFUL")
        self.assertIn("No changes.", self.run_ok("plan", BAKE_MINUTES="1").stdout)
        # the JSON result keeps the last stage line with the service
        td = "examples/task-definitions/api.yaml"
        self.repo.commit("1.27", {td: self.repo.read(td).replace("1.25.3", "1.27.0")})
        r = self.run_ok("apply", "--auto-approve", *FAST, "--output", "json",
                        BAKE_MINUTES="1")
        res = json.loads(r.stdout.strip().split("\n")[-1])
        (svc,) = [s for s in res["services"] if s["name"] == "shop-canary/api"]
        self.assertRegex(svc["serviceDeployment"], r"^LINEAR SUCCESSFUL at CLEAN_UP, traffic "
                                                   r"100% new / 0% old")

    def test_failed_lambda_hook_rolls_back_naming_the_hook(self):
        text = self.repo.read(SERVICE)
        text = text.replace(
            "    - targetType: PAUSE\n      lifecycleStages: [POST_TEST_TRAFFIC_SHIFT]\n",
            "    - targetType: AWS_LAMBDA\n"
            "      hookTargetArn: arn:aws:lambda:us-east-1:123456789012:function:smoke\n"
            "      roleArn: arn:aws:iam::123456789012:role/ecs-hooks\n"
            "      lifecycleStages: [POST_SCALE_UP]\n")
        self.repo.commit("lambda hook", {SERVICE: text})
        r = self.run_ok("plan", **SHORT)
        self.assertIn("hooks: lambda smoke at POST_SCALE_UP", r.stdout)
        r = self.run_ok("apply", "--auto-approve", *FAST, "--timeout", "60s", expect=3, **SHORT)
        self.assertRegex(r.stderr, r"\nshop-canary/api: The AWS_LAMBDA hook "
                                   r"arn:aws:lambda:us-east-1:123456789012:function:smoke at "
                                   r"POST_SCALE_UP failed\.")


def developer_guide_repo():
    """The AWS developer guide's blue/green service definition as a service
    file, as it is but for where it runs: the cluster by name (ecs-local is
    us-east-1) and the task definition the repository registers."""
    with open(os.path.join(SRC, "tests", "data", "aws-docs",
                           "blue-green-service-definition.json"), encoding="utf-8") as f:
        svc = json.load(f)
    svc.update(kind="Service", cluster="sample-fargate-cluster", taskDefinition="sample-fargate")
    return {
        "ecsctl.yaml": "name: guide\nregion: us-east-1\n",
        "clusters/cluster.yaml": "kind: Cluster\nclusterName: sample-fargate-cluster\n",
        "task-definitions/app.yaml":
            "kind: TaskDefinition\nfamily: sample-fargate\nrequiresCompatibilities: [FARGATE]\n"
            "networkMode: awsvpc\ncpu: 256\nmemory: 512\ncontainerDefinitions:\n"
            "  - {name: fargate-app, image: 'public.ecr.aws/nginx/nginx:1.25.3',\n"
            "     portMappings: [{containerPort: 80}]}\n",
        "services/blue-green.json": json.dumps(svc, indent=2),
    }


class DeveloperGuideBlueGreen(ServerRepoCase):
    repo_source, repo_files = None, developer_guide_repo()

    def test_applies_with_its_stages_then_plans_nothing(self):
        r = self.run_ok("plan")
        self.assertIn("      # rollout: blue/green, bake 2m, hooks: lambda checkExample at "
                      "PRE_SCALE_UP; alarms: myAlarm (rollback)\n", r.stdout)
        r = self.run_ok("apply", "--auto-approve", *FAST, "--timeout", "60s")
        self.assertRegex(r.stderr, r"BLUE_GREEN SUCCESSFUL at CLEAN_UP")
        self.assertIn("No changes. Live ECS matches git.", self.run_ok("plan").stdout)
        # the next release goes green beside blue, bakes, then blue goes
        td = "task-definitions/app.yaml"
        self.repo.commit("1.27", {td: self.repo.read(td).replace("1.25.3", "1.27.0")})
        r = self.run_ok("apply", "--auto-approve", *FAST, "--timeout", "60s")
        self.assertRegex(r.stderr, r"BLUE_GREEN IN_PROGRESS at BAKE_TIME, traffic 100% new / "
                                   r"0% old")
        self.assertRegex(r.stderr, r"BLUE_GREEN SUCCESSFUL at CLEAN_UP")
        self.assertIn("No changes. Live ECS matches git.", self.run_ok("plan").stdout)


class WatchRollouts(ServerRepoCase):
    """watch and a rollout paused at its hook: visible, the loop goes on; a
    commit that changes the service again stops it first."""
    repo_source = "examples/canary"

    @staticmethod
    def paused_sent(requests):
        docs = [json.loads(r["body"]) for r in requests if r["path"] == "/hook"]
        return [d for d in docs if d["event"] == "rollout-paused"]

    def test_paused_rollout_is_seen_and_a_new_commit_stops_it_first(self):
        rx = Receiver()
        self.addCleanup(rx.stop)
        cfg = "examples/ecsctl.yaml"
        self.repo.commit("notify", {cfg: self.repo.read(cfg) + (
            "notifications:\n  on: [rollout-paused]\n  webhooks: [{url: '%s/hook'}]\n" % rx.url)})
        w = Watch(self.server, self.repo, "--interval", "300ms", **SHORT)
        self.addCleanup(w.stop)
        first = w.wait_for(lambda d: d["msg"].startswith("rollout paused at a PAUSE hook"))
        self.assertEqual(first["service"], "shop-canary/api")
        self.assertIn("at POST_TEST_TRAFFIC_SHIFT", first["rollout"])
        # the loop did not wait for a person: it reconciled and is ready
        self.assertEqual(w.wait_for(lambda d: d["msg"] == "reconcile done")["result"],
                         "applied")
        self.assertEqual(w.get("/readyz")[0], 200)
        fams = metrics(w.get("/metrics")[1])
        self.assertEqual(sample(fams, "ecsctl_rollout_stage", "ecsctl_rollout_stage",
                                service="shop-canary/api", stage="POST_TEST_TRAFFIC_SHIFT"), 1)
        self.assertEqual(sample(fams, "ecsctl_rollout_paused", "ecsctl_rollout_paused",
                                service="shop-canary/api"), 1)
        # ticks without a new commit start nothing over it
        w.reconciles(1.0)
        self.assertFalse([d for d in w.log if d["msg"].startswith("stopped the rollout")])
        # the paused hook is told once, however many ticks see it
        rx.wait(self.paused_sent)
        sent = self.paused_sent(rx.seen("/hook"))
        self.assertEqual(len(sent), 1, sent)
        self.assertEqual([(r["kind"], r["name"]) for r in sent[0]["resources"]],
                         [("Service", "shop-canary/api")])
        self.assertRegex(sent[0]["summary"],
                         r"^rollout of shop-canary/api paused at POST_TEST_TRAFFIC_SHIFT "
                         r"\(PAUSE hook \S+\): 'ecsctl promote shop-canary/api' continues it, "
                         r"'ecsctl abort shop-canary/api' stops it$")
        td = "examples/task-definitions/api.yaml"
        self.repo.commit("new image", {td: self.repo.read(td).replace("1.25.3", "1.27.0")})
        stop = w.wait_for(lambda d: d["msg"].startswith("stopped the rollout in progress"))
        self.assertEqual((stop["service"], stop["deployment"], stop["stage"]),
                         ("shop-canary/api", first["deployment"], "POST_TEST_TRAFFIC_SHIFT"))
        again = w.wait_for(lambda d: d["msg"].startswith("rollout paused at a PAUSE hook"))
        self.assertNotEqual(again["deployment"], first["deployment"])
        # a new pause is a new message; once promoted, nothing more
        rx.wait(lambda rs: len(self.paused_sent(rs)) == 2)
        self.run_ok("promote", "shop-canary/api", **SHORT)
        w.reconciles(1.0)
        self.assertEqual(len(self.paused_sent(rx.seen("/hook"))), 2)


if __name__ == "__main__":
    unittest.main()
