"""The BLUE_GREEN, CANARY and LINEAR strategies against ecs-local with boto3:
stage sequences and traffic weights, PAUSE hooks continued or rolled back or
timed out, Lambda hooks answered by --hook, CloudWatch alarms (--alarm and
POST /_alarm) and the circuit breaker rolling back to the source revision."""
import datetime
import os
import subprocess
import time
import unittest

from ecslocal import BIN, EcsLocal, ServerTest, temp_dir

PAUSABLE = ["PRE_SCALE_UP", "POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT",
            "PRE_PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"]
FAMILY = ["PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT",
          "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT",
          "BAKE_TIME", "CLEAN_UP"]
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
ROLE = "arn:aws:iam::123456789012:role/hooks"


def pause(*stages, **timeout):
    hook = {"targetType": "PAUSE", "lifecycleStages": list(stages)}
    if timeout:
        hook["timeoutConfiguration"] = timeout
    return hook


def lambda_hook(function, *stages):
    return {"hookTargetArn": LAMBDA + function, "roleArn": ROLE,
            "lifecycleStages": list(stages)}


def weights(seen):
    """The target's production weights, in order, without repeats."""
    out = []
    for _, w in seen:
        if not out or out[-1] != w:
            out.append(w)
    return out


def stages(seen):
    out = []
    for stage, _ in seen:
        if not out or out[-1] != stage:
            out.append(stage)
    return out


class Strategies(ServerTest):
    # 100 simulated seconds a second: a minute of bake is 0.6 s
    server_args = ("--time-scale", "100", "--hook", "slow=IN_PROGRESS:30",
                   "--hook", "broken=FAILED", "--hook", LAMBDA + "never=IN_PROGRESS")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecs.create_cluster(clusterName="st")

    def rollout(self, name, conf, desired=2, image="nginx:2"):
        """A service on nginx:1 (its first rollout done), then an update to
        `image` with deploymentConfiguration `conf`: the new deployment's ARN."""
        self.register(name, image="nginx:1")
        svc = self.ecs.create_service(cluster="st", serviceName=name, taskDefinition=name,
                                      desiredCount=desired)["service"]
        self.follow(svc["currentServiceDeployment"])
        self.register(name, image=image)
        return self.ecs.update_service(cluster="st", service=name, taskDefinition=name,
                                       deploymentConfiguration=conf
                                       )["service"]["currentServiceDeployment"]

    def assertOnSource(self, name, sd):
        svc = self.describe("st", name)
        self.assertTrue(svc["taskDefinition"].endswith("task-definition/%s:1" % name))
        self.assertEqual(sd["rollback"]["serviceRevisionArn"],
                         sd["sourceServiceRevisions"][0]["arn"])
        self.assertEqual(sd["targetServiceRevision"]["runningTaskCount"], 0)
        self.assertEqual([r["arn"] for r in svc["currentServiceRevisions"]],
                         [sd["sourceServiceRevisions"][0]["arn"]])
        self.assertEqual(svc["runningCount"], 2)

    def test_blue_green_stage_sequence(self):
        arn = self.rollout("bg", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
                                  "lifecycleHooks": [
                                      pause(*PAUSABLE),
                                      lambda_hook("slow", "TEST_TRAFFIC_SHIFT",
                                                  "PRODUCTION_TRAFFIC_SHIFT")]})
        paused_at = []

        def decide(sd, hook):
            paused_at.append((sd["lifecycleStage"],
                              sd["targetServiceRevision"]["requestedProductionTrafficWeight"],
                              sd["targetServiceRevision"]["runningTaskCount"],
                              sd["sourceServiceRevisions"][0]["runningTaskCount"]))
            return "CONTINUE"

        sd, seen = self.follow(arn, decide)
        self.assertEqual(sd["status"], "SUCCESSFUL")
        # in FAMILY's order; stages that wait for nobody may pass between two
        # looks (a slow client, valgrind), the paused ones cannot
        order = [FAMILY.index(s) for s in stages(seen)]
        self.assertEqual(order, sorted(order))
        for stage in ("PRE_SCALE_UP", "POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT",
                      "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT", "CLEAN_UP"):
            self.assertIn(stage, stages(seen))
        self.assertEqual(paused_at, [
            ("PRE_SCALE_UP", 0.0, 0, 2),             # green not started
            ("POST_SCALE_UP", 0.0, 2, 2),            # green whole beside blue
            ("POST_TEST_TRAFFIC_SHIFT", 0.0, 2, 2),
            ("PRODUCTION_TRAFFIC_SHIFT", 0.0, 2, 2),  # PRE_PRODUCTION_TRAFFIC_SHIFT
            ("POST_PRODUCTION_TRAFFIC_SHIFT", 100.0, 2, 2)])
        self.assertEqual([h["status"] for h in sd["lifecycleHookDetails"]],
                         ["SUCCEEDED"] * 7)
        self.assertEqual(sum(h["targetType"] == "AWS_LAMBDA" for h in sd["lifecycleHookDetails"]),
                         2)
        src = sd["sourceServiceRevisions"][0]
        self.assertEqual((src["runningTaskCount"], src["requestedProductionTrafficWeight"]),
                         (0, 0.0))
        self.assertEqual(sd["targetServiceRevision"]["requestedTestTrafficWeight"], 100.0)

    def test_canary_shifts_canary_percent_then_the_rest(self):
        arn = self.rollout("can", {"strategy": "CANARY", "bakeTimeInMinutes": 1,
                                   "canaryConfiguration": {"canaryPercent": 10.0,
                                                           "canaryBakeTimeInMinutes": 1},
                                   "lifecycleHooks": [pause("PRE_PRODUCTION_TRAFFIC_SHIFT")]})
        before = []
        sd, seen = self.follow(arn, lambda sd, hook: before.append(
            sd["targetServiceRevision"]["requestedProductionTrafficWeight"]) or "CONTINUE")
        self.assertEqual(sd["status"], "SUCCESSFUL")
        # two steps, a pause before each: canary percent, then the rest
        self.assertEqual(before, [0.0, 10.0])
        self.assertEqual(weights(seen), [0.0, 10.0, 100.0])

    def test_linear_shifts_step_percent_every_step_bake(self):
        arn = self.rollout("lin", {"strategy": "LINEAR", "bakeTimeInMinutes": 0,
                                   "linearConfiguration": {"stepPercent": 25.0,
                                                           "stepBakeTimeInMinutes": 1},
                                   "lifecycleHooks": [pause("PRE_PRODUCTION_TRAFFIC_SHIFT")]})
        before = []
        sd, seen = self.follow(arn, lambda sd, hook: before.append(
            sd["targetServiceRevision"]["requestedProductionTrafficWeight"]) or "CONTINUE")
        self.assertEqual(sd["status"], "SUCCESSFUL")
        # a PRE_PRODUCTION_TRAFFIC_SHIFT pause before each step
        self.assertEqual(before, [0.0, 25.0, 50.0, 75.0])
        self.assertEqual(weights(seen), [0.0, 25.0, 50.0, 75.0, 100.0])

    def test_pause_rollback_restores_blue(self):
        arn = self.rollout("pr", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0,
                                  "lifecycleHooks": [pause("POST_TEST_TRAFFIC_SHIFT")]})
        sd, _ = self.follow(arn, lambda sd, hook: "ROLLBACK")
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual(sd["lifecycleHookDetails"][0]["status"], "FAILED")
        self.assertIn("ROLLBACK by ContinueServiceDeployment", sd["rollback"]["reason"])
        self.assertOnSource("pr", sd)
        self.assertEqual(self.describe("st", "pr")["deployments"][0]["rolloutState"],
                         "COMPLETED")

    def test_pause_timeout_action(self):
        arn = self.rollout("pt", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0,
                                  "lifecycleHooks": [
                                      pause("POST_SCALE_UP", timeoutInMinutes=1,
                                            action="CONTINUE"),
                                      pause("POST_TEST_TRAFFIC_SHIFT", timeoutInMinutes=1,
                                            action="ROLLBACK")]})
        sd, seen = self.follow(arn, lambda sd, hook: None)
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual([(h["status"], h["timeoutAction"]) for h in sd["lifecycleHookDetails"]],
                         [("TIMED_OUT", "CONTINUE"), ("TIMED_OUT", "ROLLBACK")])
        self.assertIn("timed out", sd["statusReason"])
        self.assertOnSource("pt", sd)

    def test_lambda_hook_failure_rolls_back(self):
        arn = self.rollout("lf", {"strategy": "CANARY", "bakeTimeInMinutes": 0,
                                  "lifecycleHooks": [
                                      lambda_hook("broken", "POST_PRODUCTION_TRAFFIC_SHIFT")]})
        sd, seen = self.follow(arn)
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")
        [hook] = sd["lifecycleHookDetails"]
        self.assertEqual((hook["status"], hook["targetArn"]), ("FAILED", LAMBDA + "broken"))
        self.assertRegex(sd["rollback"]["reason"],
                         r"^Service deployment rolled back: lifecycle hook ecs-lambda-\S+ "
                         r"\(broken\) at POST_PRODUCTION_TRAFFIC_SHIFT failed\.$")
        self.assertOnSource("lf", sd)

    def test_lambda_hook_in_progress_times_out(self):
        arn = self.rollout("lt", {"strategy": "BLUE_GREEN", "lifecycleHooks": [
            dict(lambda_hook("never", "PRE_SCALE_UP"),
                 timeoutConfiguration={"timeoutInMinutes": 5, "action": "ROLLBACK"})]})
        first = self.poll(lambda: self.service_deployment(arn)["lifecycleHookDetails"])
        self.assertEqual(first[0]["status"], "IN_PROGRESS")
        sd, _ = self.follow(arn)
        self.assertEqual(sd["lifecycleHookDetails"][0]["status"], "TIMED_OUT")
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")

    def test_alarm_rolls_back(self):
        arn = self.rollout("al", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30,
                                  "alarms": {"alarmNames": ["al-5xx"], "enable": True,
                                             "rollback": True}})
        self.poll(lambda: self.service_deployment(arn)["lifecycleStage"] == "BAKE_TIME")
        self.assertEqual(self.service_deployment(arn)["alarms"]["status"], "MONITORING")
        try:
            self.assertEqual(self.server.set_alarm("al-5xx", "ALARM"),
                             {"alarmName": "al-5xx", "state": "ALARM"})
            sd, _ = self.follow(arn)
        finally:
            self.server.set_alarm("al-5xx", "OK")
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual(sd["alarms"], {"status": "TRIGGERED", "alarmNames": ["al-5xx"],
                                        "triggeredAlarmNames": ["al-5xx"]})
        self.assertEqual(sd["rollback"]["reason"],
                         "Service deployment rolled back: CloudWatch alarm(s) al-5xx in ALARM.")
        self.assertOnSource("al", sd)

    def test_alarm_without_rollback_stops(self):
        arn = self.rollout("as", {"alarms": {"alarmNames": ["as-cpu"], "enable": True,
                                             "rollback": False}}, image="nginx:crashloop")
        try:
            self.server.set_alarm("as-cpu", "ALARM")
            sd, _ = self.follow(arn)
        finally:
            self.server.set_alarm("as-cpu", "OK")
        # rolling: nothing to shift, the deployment just stops
        self.assertEqual(sd["status"], "STOPPED")
        self.assertEqual(sd["statusReason"],
                         "Service deployment stopped: CloudWatch alarm(s) as-cpu in ALARM.")
        self.assertEqual(self.describe("st", "as")["deployments"][0]["rolloutState"], "FAILED")

    def test_alarm_rolls_a_rolling_deployment_back(self):
        # crashloop tasks never run: the rollout is still going when the alarm fires
        arn = self.rollout("ar", {"alarms": {"alarmNames": ["ar-5xx"], "enable": True,
                                             "rollback": True}}, image="nginx:crashloop")
        try:
            self.server.set_alarm("ar-5xx", "ALARM")
            sd, _ = self.follow(arn)
        finally:
            self.server.set_alarm("ar-5xx", "OK")
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")
        svc = self.describe("st", "ar")
        self.assertTrue(svc["taskDefinition"].endswith("task-definition/ar:1"))
        self.assertEqual(sd["rollback"]["reason"],
                         "Service deployment rolled back: CloudWatch alarm(s) ar-5xx in ALARM.")
        self.assertEqual(sd["rollback"]["serviceRevisionArn"],
                         sd["sourceServiceRevisions"][0]["arn"])
        self.assertIn("(service ar) rolling back to deployment ",
                      " ".join(e["message"] for e in svc["events"]))

    def test_superseded_rollout_and_reconcile(self):
        conf = {"strategy": "BLUE_GREEN", "lifecycleHooks": [
            pause("RECONCILE_SERVICE", "POST_SCALE_UP")]}
        first = self.rollout("sup", conf)
        self.poll(lambda: self.service_deployment(first)["lifecycleHookDetails"])
        self.register("sup", image="nginx:3")
        second = self.ecs.update_service(cluster="st", service="sup", taskDefinition="sup"
                                         )["service"]["currentServiceDeployment"]
        old = self.service_deployment(first)
        self.assertEqual(old["status"], "STOPPED")
        self.assertRegex(old["statusReason"], r"^Service deployment stopped: a newer "
                                              r"deployment \(ecs-svc/\d{19}\) superseded it\.$")
        new = self.service_deployment(second)
        # blue and the first green both run: two sources, so RECONCILE_SERVICE first
        self.assertEqual(len(new["sourceServiceRevisions"]), 2)
        self.assertEqual([r["runningTaskCount"] for r in new["sourceServiceRevisions"]], [2, 2])
        sd, seen = self.follow(second)
        self.assertEqual(sd["status"], "SUCCESSFUL")
        self.assertEqual(stages(seen)[0], "RECONCILE_SERVICE")
        self.assertEqual([r["runningTaskCount"] for r in sd["sourceServiceRevisions"]], [0, 0])
        self.assertEqual(len(self.describe("st", "sup")["deployments"]), 1)

    def test_delete_stops_the_active_deployment(self):
        arn = self.rollout("del", {"strategy": "BLUE_GREEN",
                                   "lifecycleHooks": [pause("POST_SCALE_UP")]})
        self.poll(lambda: self.service_deployment(arn)["lifecycleHookDetails"])
        self.ecs.delete_service(cluster="st", service="del", force=True)
        sd = self.service_deployment(arn)
        self.assertEqual((sd["status"], sd["statusReason"]),
                         ("STOPPED", "Service deployment stopped: the service was deleted."))
        self.ecs.get_waiter("services_inactive").wait(cluster="st", services=["del"],
                                                      WaiterConfig={"Delay": 0.2})

    def test_circuit_breaker_swaps_back_to_blue(self):
        self.register("cbg", image="nginx:1")
        svc = self.ecs.create_service(
            cluster="st", serviceName="cbg", taskDefinition="cbg", desiredCount=2,
            deploymentConfiguration={"strategy": "BLUE_GREEN", "deploymentCircuitBreaker": {
                "enable": True, "rollback": True}})["service"]
        self.follow(svc["currentServiceDeployment"])
        self.register("cbg", image="nginx:crashloop")
        arn = self.ecs.update_service(cluster="st", service="cbg", taskDefinition="cbg"
                                      )["service"]["currentServiceDeployment"]
        sd, seen = self.follow(arn, timeout=60)
        self.assertEqual(sd["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual(sd["deploymentCircuitBreaker"]["status"], "TRIGGERED")
        # blue kept running all along: no task of it stopped
        self.assertNotIn("PRODUCTION_TRAFFIC_SHIFT", stages(seen))
        self.assertOnSource("cbg", sd)


class Knobs(unittest.TestCase):
    def test_bad_values_are_refused(self):
        for flag, value, form in [
                ("--alarm", "x", "NAME=ALARM|OK|INSUFFICIENT_DATA[@SECONDS]"),
                ("--alarm", "x=ALARM@soon", "NAME=ALARM|OK|INSUFFICIENT_DATA[@SECONDS]"),
                ("--hook", "fn=MAYBE", "FUNCTION=SUCCEEDED|FAILED|IN_PROGRESS[:SECONDS]"),
                ("--hook", "=FAILED", "FUNCTION=SUCCEEDED|FAILED|IN_PROGRESS[:SECONDS]")]:
            p = subprocess.run([BIN, flag, value], capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 64, p.stderr)
            self.assertEqual(p.stderr, "error: %s needs %s, not '%s'\n" % (flag, form, value))


class AlarmAtTime(unittest.TestCase):
    def test_alarm_flag_fires_at_its_time(self):
        # the alarm goes off 200 simulated seconds (2 s) after the start
        with EcsLocal("--alarm", "late=ALARM@200", time_scale=100) as srv:
            ecs = srv.client()
            ecs.create_cluster(clusterName="t")
            ecs.register_task_definition(family="t", containerDefinitions=[
                {"name": "app", "image": "nginx:1", "memory": 64}])
            conf = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 60,
                    "alarms": {"alarmNames": ["late"], "enable": True, "rollback": True}}
            ecs.create_service(cluster="t", serviceName="t", taskDefinition="t", desiredCount=1)
            time.sleep(0.3)
            ecs.register_task_definition(family="t", containerDefinitions=[
                {"name": "app", "image": "nginx:2", "memory": 64}])
            svc = ecs.update_service(cluster="t", service="t", taskDefinition="t",
                                     deploymentConfiguration=conf)["service"]
            get = lambda: ecs.describe_service_deployments(  # noqa: E731
                serviceDeploymentArns=[svc["currentServiceDeployment"]])["serviceDeployments"][0]
            end = time.monotonic() + 20
            while get()["status"] != "ROLLBACK_SUCCESSFUL":
                self.assertLess(time.monotonic(), end, get())
                time.sleep(0.05)
            self.assertEqual(get()["alarms"]["triggeredAlarmNames"], ["late"])
            # the bake (an hour) did not end it: the alarm did, at its time
            self.assertLess(get()["rollback"]["startedAt"] - get()["createdAt"],
                            datetime.timedelta(minutes=60))
            self.assertEqual(srv.stop(), 0)


class PausedAcrossRestart(unittest.TestCase):
    def test_state_keeps_a_paused_deployment_and_alarms(self):
        with temp_dir() as d:
            state = os.path.join(d, "state.json")
            with EcsLocal("--state", state, time_scale=100) as srv:
                ecs = srv.client()
                ecs.create_cluster(clusterName="p")
                ecs.register_task_definition(family="p", containerDefinitions=[
                    {"name": "app", "image": "nginx:1", "memory": 64}])
                arn = ecs.create_service(
                    cluster="p", serviceName="p", taskDefinition="p", desiredCount=1,
                    deploymentConfiguration={"strategy": "BLUE_GREEN", "lifecycleHooks": [
                        pause("POST_SCALE_UP")]})["service"]["currentServiceDeployment"]
                get = lambda e: e.describe_service_deployments(  # noqa: E731
                    serviceDeploymentArns=[arn])["serviceDeployments"][0]
                end = time.monotonic() + 20
                while not get(ecs)["lifecycleHookDetails"]:
                    self.assertLess(time.monotonic(), end)
                    time.sleep(0.05)
                srv.set_alarm("kept", "ALARM")
                before = get(ecs)
                self.assertEqual(srv.stop(), 0)
            with EcsLocal("--state", state, time_scale=100) as srv:
                ecs = srv.client()
                after = get(ecs)
                self.assertEqual(after["lifecycleHookDetails"], before["lifecycleHookDetails"])
                self.assertEqual(after["lifecycleStage"], "POST_SCALE_UP")
                ecs.continue_service_deployment(
                    serviceDeploymentArn=arn,
                    hookId=after["lifecycleHookDetails"][0]["hookId"])
                end = time.monotonic() + 20
                while get(ecs)["status"] != "SUCCESSFUL":
                    self.assertLess(time.monotonic(), end, get(ecs))
                    time.sleep(0.05)
                # the alarm set at run time is still in ALARM: a rollout watching it stops
                ecs.update_service(cluster="p", service="p", forceNewDeployment=True,
                                   deploymentConfiguration={"alarms": {
                                       "alarmNames": ["kept"], "enable": True,
                                       "rollback": False}})
                arn = ecs.describe_services(cluster="p", services=["p"])["services"][0][
                    "currentServiceDeployment"]
                end = time.monotonic() + 20
                while get(ecs)["status"] != "STOPPED":
                    self.assertLess(time.monotonic(), end, get(ecs))
                    time.sleep(0.05)
                self.assertEqual(srv.stop(), 0)


if __name__ == "__main__":
    unittest.main()
