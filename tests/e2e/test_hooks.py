"""Pre-deploy hooks (ecsctl.yaml `hooks: {beforeServices: [...]}`) against a
real ecs-local: a plan that deploys shows them as their own steps (text,
JSON, Markdown) between the registers and the services; apply runs them
after the registers; a hook that fails (or runs past its timeout) stops the
apply before any service changes, exit 1, saying why; a plan with nothing to
deploy runs none."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase, Watch  # noqa: E402
from test_run import MIGRATE  # noqa: E402

FAST = ("--poll-interval", "100ms")
EMPTY = "No changes. Live ECS matches git."
HOOKS = """
hooks:
  beforeServices:
    - run: migrate
      command: [sh, -c, "sleep ${MIGRATE_SLEEP:-2}; bin/migrate && exit ${MIGRATE_EXIT:-0}"]
      environment: {DATABASE_URL: "postgres://db/shop"}
      timeout: ${MIGRATE_TIMEOUT:-10m}
"""
SERVICE_WRITES = ("CreateService", "UpdateService", "DeleteService")


class Hooks(ServerRepoCase):
    def setUp(self):
        super().setUp()
        self.ecs = self.server.client()
        self.repo.write("examples/task-definitions/migrate.yaml", MIGRATE)
        self.repo.write("examples/ecsctl.yaml", self.repo.read("examples/ecsctl.yaml") + HOOKS)
        self.repo.commit("hooks")

    def hook_tasks(self):
        arns = self.ecs.list_tasks(cluster="shop", family="migrate",
                                   desiredStatus="STOPPED")["taskArns"]
        return self.ecs.describe_tasks(cluster="shop", tasks=arns)["tasks"] if arns else []

    def service_writes(self, before):
        after = self.server.stats()
        return {k: after.get(k, 0) - before.get(k, 0) for k in SERVICE_WRITES
                if after.get(k, 0) != before.get(k, 0)}

    def test_failing_hook_stops_before_any_service_change(self):
        text = self.run_ok("plan").stdout
        hook = text.index('> Hook "migrate" will run before the services change')
        self.assertLess(text.index('TaskDefinition "web" will be registered'), hook)
        self.assertLess(hook, text.index('Service "shop/web" will be created'))
        self.assertIn('command         = ["sh","-c","sleep 2; bin/migrate && exit 0"]', text)
        self.assertIn('environment     = ["DATABASE_URL"] (values not shown)', text)
        self.assertNotIn("postgres://", text)
        self.assertIn("1 hook to run.", text)
        doc = json.loads(self.run_ok("plan", "--output", "json").stdout)
        [h] = doc["hooks"]
        self.assertEqual((h["name"], h["when"], h["taskDefinition"], h["cluster"],
                          h["environment"], h["timeoutMs"]),
                         ("migrate", "beforeServices", "(new revision of migrate)", "shop",
                          ["DATABASE_URL"], 600000))
        md = self.run_ok("plan", "--output", "markdown").stdout
        self.assertIn("| Hook `migrate` | run before the services change | "
                      '`["sh","-c","sleep 2; bin/migrate && exit 0"]` |', md)

        before = self.server.stats()
        r = self.run_ok("apply", "--auto-approve", "--output", "json", *FAST, expect=1,
                        MIGRATE_EXIT="3")
        res = json.loads(r.stdout.splitlines()[-1])
        [h] = res["hooks"]
        self.assertEqual((h["name"], h["outcome"], h["exitCode"]), ("migrate", "failed", 3))
        self.assertGreater(h["durationMs"], 0)  # RunTask to STOPPED, on our clock
        self.assertIn("error: hook 'migrate' failed (exit 3); no service was changed:", r.stderr)
        self.assertIn("migrate exit 3", r.stderr)
        self.assertIn("hook migrate: task", r.stderr)
        self.assertEqual(self.service_writes(before), {})
        self.assertEqual(self.ecs.list_services(cluster="shop")["serviceArns"], [])
        [task] = self.hook_tasks()
        self.assertEqual((task["startedBy"], task["group"]), ("ecsctl-hook", "family:migrate"))
        # the registered revision ran, with the hook's overrides
        self.assertTrue(task["taskDefinitionArn"].endswith(":task-definition/migrate:1"))
        o = task["overrides"]["containerOverrides"][0]
        self.assertEqual(o["environment"], [{"name": "DATABASE_URL",
                                             "value": "postgres://db/shop"}])

        # a hook that hangs: stopped at its timeout, the services untouched
        r = self.run_ok("apply", "--auto-approve", "--output", "json", *FAST, expect=1,
                        MIGRATE_SLEEP="100000", MIGRATE_TIMEOUT="1s")
        self.assertIn("hook 'migrate': the task did not stop within 1s (stopped it)", r.stderr)
        [h] = json.loads(r.stdout.splitlines()[-1])["hooks"]
        self.assertEqual((h["outcome"], h["exitCode"]), ("unfinished", None))
        self.assertEqual(self.service_writes(before), {})

    def test_passing_hook_runs_between_registers_and_services(self):
        self.run_ok("apply", "--auto-approve", *FAST)
        [first] = self.hook_tasks()
        self.assertEqual(first["containers"][0]["exitCode"], 0)
        svc = self.ecs.describe_services(cluster="shop", services=["web"])["services"][0]
        self.assertLessEqual(first["stoppedAt"], svc["createdAt"])
        self.assertIn(EMPTY, self.run_ok("plan").stdout)

        # a new image: saved plan, the hook again before web's update
        saved = os.path.join(self.repo.dir, "plan.json")
        out = self.run_ok("plan", "-o", saved, IMAGE_TAG="1.27.0").stdout
        self.assertIn('> Hook "migrate" will run', out)
        self.assertIn('task definition = "arn:aws:ecs:us-east-1:123456789012:'
                      'task-definition/migrate:1"', out)
        self.assertEqual(os.stat(saved).st_mode & 0o777, 0o600)
        r = self.run_ok("apply", saved, "--output", "json", *FAST)
        self.assertIn("hook migrate: exit 0", r.stderr)
        [h] = json.loads(r.stdout.splitlines()[-1])["hooks"]
        self.assertEqual((h["name"], h["outcome"], h["exitCode"]), ("migrate", "succeeded", 0))
        tasks = self.hook_tasks()
        self.assertEqual(len(tasks), 2)
        web = self.ecs.describe_services(cluster="shop", services=["web"])["services"][0]
        self.assertTrue(web["taskDefinition"].endswith("web:2"))
        self.assertLessEqual(max(t["stoppedAt"] for t in tasks), web["deployments"][0]["createdAt"])

        # nothing to deploy: no hook runs
        r = self.run_ok("apply", "--auto-approve", *FAST, IMAGE_TAG="1.27.0")
        self.assertEqual(len(self.hook_tasks()), 2)

    def test_watch_runs_the_hooks_and_logs_them(self):
        w = Watch(self.server, self.repo.dir, "--path", "examples", "--interval", "1h")
        self.addCleanup(w.stop)
        done = w.wait_for(lambda d: d["msg"] == "reconcile done")
        self.assertEqual(done["result"], "applied", w.log)
        hook = [d for d in w.log if d["msg"] == "hook"]
        self.assertEqual((hook[0]["hook"], hook[0]["status"]), ("migrate", "starting"))
        self.assertEqual(hook[-1]["status"], "exit 0")
        self.assertTrue(all(d["commit"] == done["commit"] for d in hook), hook)
        self.assertEqual(len(self.hook_tasks()), 1)

    def test_bad_hook_configuration_is_refused_with_its_position(self):
        self.repo.write("examples/ecsctl.yaml", self.repo.read("examples/ecsctl.yaml") +
                        "    - {run: nosuch, timeout: soon}\n"
                        "    - {run: web, service: shop/nope, container: sidecar}\n")
        self.repo.commit("bad hooks")
        r = self.run_ok("validate", expect=1)
        self.assertIn("examples/ecsctl.yaml:17:13: hook 'nosuch': 'nosuch' is not a task "
                      "definition family of the repository", r.stderr)
        self.assertIn("examples/ecsctl.yaml:17:30: 'hooks.beforeServices[1].timeout' must be a "
                      "duration", r.stderr)
        self.assertIn("examples/ecsctl.yaml:18:27: hook 'web': no service 'shop/nope' in the "
                      "repository", r.stderr)
        self.assertIn("examples/ecsctl.yaml:18:49: hook 'web': its task definition has no "
                      "container 'sidecar'", r.stderr)
        # refused before the first request
        before = self.server.stats()
        self.run_ok("apply", "--auto-approve", expect=1)
        self.assertEqual(self.server.stats(), before)


if __name__ == "__main__":
    unittest.main()
