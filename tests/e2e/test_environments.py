"""Environments end to end: examples/ (staging and prod from one set of files)
applied to one ecs-local as two clusters, each environment's second plan
empty; --var over the variable files; render --explain naming where a value
was written; an unset variable reported once with every use; an
environment's accountId refusing other credentials (STS stand-in); one watch
reconciling both environments, each with its own state, backoff, log field
and metrics label."""
import json
import os
import signal
import unittest
import urllib.request

from awsstandins import Sts
from ecslocal import ServerRepoCase, delta, ecsctl, popen_ecsctl, writes


class EnvironmentsTest(ServerRepoCase):
    repo_source = "examples"

    def test_staging_and_prod_from_one_repo(self):
        for env in ("staging", "prod"):
            self.run_ok("apply", "--env", env, "--auto-approve", "--poll-interval", "100ms",
                        timeout=120)
        for env in ("staging", "prod"):
            r = self.run_ok("plan", "--env", env, "--detailed-exitcode")
            self.assertIn("No changes. Live ECS matches git.", r.stdout)
        # two clusters, each with its environment's counts, subnets, images
        doc = json.loads(self.run_ok("status", "--env", "prod", "--output", "json").stdout)
        counts = {s["name"]: s["desiredCount"] for s in doc["services"]}
        self.assertEqual(counts["shop-prod/web"], 4)
        self.assertEqual(counts["shop-prod/worker"], 2)
        doc = json.loads(self.run_ok("status", "--env", "staging", "--output", "json").stdout)
        counts = {s["name"]: s["desiredCount"] for s in doc["services"]}
        self.assertEqual((counts["shop-staging/web"], counts["shop-staging/worker"]), (1, 1))
        prod = json.loads(self.run_ok("render", "--env", "prod").stdout)
        staging = json.loads(self.run_ok("render", "--env", "staging").stdout)
        web = {t["family"]: t for t in prod["taskDefinitions"] + staging["taskDefinitions"]}
        self.assertEqual(web["web-prod"]["containerDefinitions"][0]["image"],
                         "public.ecr.aws/nginx/nginx:1.25.3")
        self.assertEqual(web["web-staging"]["containerDefinitions"][0]["image"],
                         "public.ecr.aws/nginx/nginx:1.27.0")
        # the overlay: prod's web is bigger and has one more variable
        self.assertEqual((web["web-prod"]["cpu"], web["web-staging"]["cpu"]), ("512", "256"))
        self.assertIn({"name": "CDN_URL", "value": "https://cdn.example.com"},
                      web["web-prod"]["containerDefinitions"][0]["environment"])
        subnets = {s["cluster"]: s["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
                   for s in prod["services"] + staging["services"] if s["serviceName"] == "web"}
        self.assertEqual((len(subnets["shop-prod"]), len(subnets["shop-staging"])), (3, 1))

        # --var wins over the variable file: a change to plan, in that environment only
        r = self.run_ok("plan", "--env", "prod", "--var", "WORKER_COUNT=3",
                        "--detailed-exitcode", expect=2)
        self.assertIn("desiredCount = 2 -> 3", r.stdout)
        self.run_ok("plan", "--env", "staging", "--var", "WORKER_COUNT=1", "--detailed-exitcode")

    def test_watch_and_drift_take_env(self):
        w = popen_ecsctl(self.server, self.repo, "watch", "--env", "prod", "--interval", "1h",
                         "--listen", "127.0.0.1:0", "--log-format", "json")
        try:
            done = None
            for line in w.stderr:
                d = json.loads(line)
                if d["msg"] == "reconcile done":
                    done = d
                    break
            self.assertEqual(done["result"], "applied", done)
        finally:
            w.send_signal(signal.SIGTERM)
            w.communicate(timeout=30)
        self.assertEqual(w.returncode, 0)
        self.run_ok("plan", "--env", "prod", "--detailed-exitcode")
        r = self.run_ok("drift", "--env", "prod", "--fail-on-drift", "--output", "json")
        names = {d["name"] for d in json.loads(r.stdout)["resources"]}
        self.assertIn("shop-prod/web", names)
        # staging was never applied: its drift is everything missing
        self.run_ok("drift", "--env", "staging", "--fail-on-drift", expect=2)

    def test_render_explain_names_the_layer(self):
        r = self.run_ok("render", "--env", "prod", "--explain", "--output", "json")
        doc = json.loads(r.stdout)
        values = {}
        for res in doc["resources"]:
            for v in res["values"]:
                values[(res["name"], v["path"])] = v
        count = values[("shop-prod/web", "desiredCount")]
        self.assertEqual(count["value"], "4")
        self.assertEqual(count["from"], "examples/services/storefront.yaml:8:15")
        self.assertEqual(count["via"], "WEB_COUNT (examples/vars/prod.yaml:3:1)")
        self.assertEqual(values[("web-prod", "cpu")]["from"], "examples/overlays/prod/web.yaml:6:6")
        self.assertEqual(values[("shop-prod/web",
                                 "networkConfiguration.awsvpcConfiguration.subnets[2]")]["from"],
                         "examples/vars/prod.yaml:11:5")
        text = self.run_ok("render", "--env", "prod", "--explain").stdout
        self.assertIn("  cpu = 512  # examples/overlays/prod/web.yaml:6:6\n", text)

    def test_unset_variable_is_one_error(self):
        # the case: ENV used eight times, never set
        api = ("kind: Service\ncluster: shop-${ENV}\nserviceName: api\n"
               "taskDefinition: api-${ENV}\n"
               "tags:\n" + "".join("  - {key: t%d, value: \"${ENV}\"}\n" % i for i in range(6)) +
               "---\nkind: TaskDefinition\nfamily: api-staging\n"
               "containerDefinitions: [{name: api, image: api, memory: 128}]\n")
        self.repo.write("only/api.yaml", api)
        self.repo.commit("api")
        r = ecsctl(self.server, self.repo, "validate", path="only")
        self.assertEqual(r.returncode, 1)
        uses = ", ".join(["only/api.yaml:4:21"] +
                         ["only/api.yaml:%d:22" % (6 + i) for i in range(6)])
        self.assertEqual(r.stderr, "error: only/api.yaml:2:15: variable 'ENV' is not set; also "
                                   "used at %s\nerror: 1 error in the desired state\n" % uses)
        # an unquoted ${ in a flow mapping gets the hint
        self.repo.write("only/api.yaml", "kind: Cluster\nclusterName: c\n"
                                         "tags: [{key: env, value: ${ENV}}]\n")
        self.repo.commit("flow")
        r = ecsctl(self.server, self.repo, "validate", path="only")
        self.assertEqual(r.returncode, 1)
        self.assertIn("(quote a value that starts with '${'", r.stderr)

    def test_account_guard(self):
        sts = Sts("k", "s", "t", account="111122223333").start()
        try:
            self.account_guard(sts)
        finally:
            sts.stop()

    def account_guard(self, sts):
        text = self.repo.read("examples/ecsctl.yaml")
        for env, account in (("staging", "111122223333"), ("prod", "999988887777")):
            line = "    variables: {ENV: %s}\n" % env
            self.assertIn(line, text)
            text = text.replace(line, line + "    accountId: \"%s\"\n" % account)
        self.repo.write("examples/ecsctl.yaml", text)
        self.repo.commit("pin accounts")
        sts_env = {"AWS_ENDPOINT_URL_STS": sts.url}
        refusal = ("error: account guard: the credentials are for account 111122223333, but "
                   "environment 'prod' pins accountId 999988887777; nothing was changed\n")
        before = self.server.stats()
        r = self.run_ok("plan", "--env", "prod", expect=1, **sts_env)
        self.assertTrue(r.stderr.endswith("\n" + refusal), r.stderr)
        self.assertEqual(r.stdout, "")
        r = self.run_ok("apply", "--env", "prod", "--auto-approve", expect=1, **sts_env)
        self.assertTrue(r.stderr.endswith("\n" + refusal), r.stderr)
        # refused before reading live state, let alone writing it
        self.assertEqual(delta(before, self.server.stats()), {})
        # the right account: one GetCallerIdentity for the whole run, signed
        sts.seen.clear()
        self.run_ok("apply", "--env", "staging", "--auto-approve", "--poll-interval", "100ms",
                    timeout=120, **sts_env)
        self.assertEqual(sts.ops(), ["GetCallerIdentity"])
        self.assertIsNone(sts.seen[0]["sigv4"])
        # a saved plan keeps the pin: applied later with other credentials, refused
        plan = os.path.join(self.repo.dir, "plan.json")
        self.run_ok("plan", "--env", "staging", "--var", "WORKER_COUNT=2", "-o", plan,
                    **sts_env)
        sts.account = "444455556666"
        before = self.server.stats()
        r = ecsctl(self.server, self.repo, "apply", plan, path=None, **sts_env)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("error: account guard: the credentials are for account 444455556666, "
                      "but the desired state pins accountId 111122223333", r.stderr)
        self.assertEqual(writes(delta(before, self.server.stats())), {})
        # watch refuses each reconcile and says why
        w = popen_ecsctl(self.server, self.repo, "watch", "--env", "staging", "--interval",
                         "1h", "--listen", "127.0.0.1:0", "--log-format", "json", **sts_env)
        try:
            lines = []
            for line in w.stderr:
                lines.append(json.loads(line))
                if lines[-1]["msg"] == "reconcile done":
                    break
        finally:
            w.send_signal(signal.SIGTERM)
            w.communicate(timeout=30)
        guard = [d for d in lines if d["msg"].startswith("account guard")]
        self.assertEqual((guard[0]["account"], guard[0]["accountId"]),
                         ("444455556666", "111122223333"), lines)
        self.assertEqual(lines[-1]["result"], "failed")
        self.assertEqual(writes(delta(before, self.server.stats())), {})

    def watch_until(self, *args, done=2, **extra):
        """Runs watch until `done` reconciles finished; its log lines and /metrics."""
        w = popen_ecsctl(self.server, self.repo, "watch", *args, "--interval", "1h",
                         "--listen", "127.0.0.1:0", "--log-format", "json", **extra)
        lines, metrics = [], ""
        try:
            for line in w.stderr:
                lines.append(json.loads(line))
                if lines[-1]["msg"] == "listening":
                    port = lines[-1]["port"]
                if sum(d["msg"] == "reconcile done" for d in lines) == done:
                    break
            with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port,
                                        timeout=10) as r:
                metrics = r.read().decode()
        finally:
            w.send_signal(signal.SIGTERM)
            w.communicate(timeout=30)
        self.assertEqual(w.returncode, 0)
        return [d for d in lines if d["msg"] == "reconcile done"], metrics

    def test_watch_two_environments(self):
        done, metrics = self.watch_until("--env", "staging", "--env", "prod")
        self.assertEqual({(d["env"], d["result"]) for d in done},
                         {("staging", "applied"), ("prod", "applied")})
        for env in ("staging", "prod"):
            self.assertIn('ecsctl_reconcile_total{env="%s",result="applied"} 1\n' % env,
                          metrics)
            self.assertIn('ecsctl_consecutive_failures{env="%s"} 0\n' % env, metrics)
            self.assertIn('ecsctl_drifted_resources{env="%s",kind="Service",status="in-sync"} '
                          '4\n' % env, metrics)
            self.run_ok("plan", "--env", env, "--detailed-exitcode")
        # one environment failing keeps its own failures and backoff: prod is
        # pinned to another account, staging goes on
        sts = Sts("k", "s", "t", account="111122223333").start()
        self.addCleanup(sts.stop)
        text = self.repo.read("examples/ecsctl.yaml").replace(
            "    variables: {ENV: prod}\n", "    variables: {ENV: prod}\n"
            "    accountId: \"999988887777\"\n")
        self.repo.write("examples/ecsctl.yaml", text)
        self.repo.commit("pin prod elsewhere")
        done, metrics = self.watch_until("--all-envs", AWS_ENDPOINT_URL_STS=sts.url)
        by_env = {d["env"]: d for d in done}
        # (staging's resources get the new commit's tag: "applied")
        self.assertEqual((by_env["staging"]["result"], by_env["prod"]["result"]),
                         ("applied", "failed"))
        self.assertEqual((by_env["staging"]["failures"], by_env["prod"]["failures"]),
                         ("0", "1"))
        # staging waits its interval, prod its backoff (at most 5 s after one failure)
        self.assertEqual(by_env["staging"]["next_ms"], str(3600 * 1000))
        self.assertLessEqual(int(by_env["prod"]["next_ms"]), 5000)
        self.assertIn('ecsctl_consecutive_failures{env="prod"} 1\n', metrics)
        self.assertIn('ecsctl_consecutive_failures{env="staging"} 0\n', metrics)
        r = ecsctl(self.server, self.repo, "watch", "--all-envs", "--env", "prod")
        self.assertEqual(r.returncode, 64)
        self.assertIn("--all-envs and --env exclude each other", r.stderr)


if __name__ == "__main__":
    unittest.main()
