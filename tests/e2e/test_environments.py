"""Environments end to end: examples/ (staging and prod from one set of files)
applied to one ecs-local as two clusters, each environment's second plan
empty; --var over the variable files; render --explain naming where a value
was written; an unset variable reported once with every use."""
import json
import signal
import unittest

from ecslocal import ServerRepoCase, ecsctl, popen_ecsctl


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


if __name__ == "__main__":
    unittest.main()
