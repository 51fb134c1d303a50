"""templates/ (docs/ci.md), each template's steps run as its CI would run
them: the workflow YAML is parsed, the `run:` steps (GitHub Actions) or the
before_script + script (GitLab CI) executed by bash in a checkout of
examples/, with the variables the runner provides. Around them: ecs-local for
ECS, the STS stand-in for web identity (AssumeRoleWithWebIdentity from the
OIDC token the CI hands out), and a stand-in for the CI platform (the OIDC
token endpoint, the PR comment / MR note APIs, and the download of ecsctl).
Then templates/ecs-watch, watch as an ECS service, is applied to ecs-local
and its container command run here (/healthz, /metrics)."""
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import yaml

from awsstandins import Sts, _Base
from ecslocal import ECSCTL, REGION, SRC, EcsLocal, Repo, ecsctl, env, popen_ecsctl

CI = os.path.join(SRC, "templates")
PLAN_ROLE = "arn:aws:iam::111122223333:role/ecsctl-plan"
DEPLOY_ROLE = "arn:aws:iam::111122223333:role/ecsctl-deploy"
OIDC_TOKEN = "oidc-jwt"        # what the STS stand-in accepts
RUNTIME_TOKEN = "runner-token"  # what the runner gives a job to ask for it


class _PlatformHandler(http.server.BaseHTTPRequestHandler):
    """GET /ecsctl (the download), GET /token (GitHub's OIDC token endpoint),
    POST .../issues/N/comments (GitHub), POST .../merge_requests/N/notes (GitLab)."""
    protocol_version = "HTTP/1.1"

    def reply(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        s = self.server_obj
        url = urllib.parse.urlsplit(self.path)
        s.record(method="GET", path=url.path, query=dict(urllib.parse.parse_qsl(url.query)))
        if url.path == "/ecsctl":
            with open(ECSCTL, "rb") as f:
                return self.reply(200, f.read(), "application/octet-stream")
        if url.path == "/token" and self.headers.get("Authorization") == "bearer " + RUNTIME_TOKEN:
            return self.reply(200, json.dumps({"value": OIDC_TOKEN}).encode())
        self.reply(404, b"{}")

    def do_POST(self):
        s = self.server_obj
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        if re.fullmatch(r"/repos/acme/shop/issues/\d+/comments", self.path):
            ok = self.headers.get("Authorization") == "Bearer gh-token"
            s.record(method="POST", path=self.path, body=json.loads(raw)["body"])
        elif re.fullmatch(r"/api/v4/projects/7/merge_requests/\d+/notes", self.path):
            ok = self.headers.get("PRIVATE-TOKEN") == "gl-token"
            s.record(method="POST", path=self.path,
                     body=dict(urllib.parse.parse_qsl(raw))["body"])
        else:
            ok = False
        self.reply(201 if ok else 401, b"{}")


class Platform(_Base):
    handler = _PlatformHandler

    def posts(self):
        return [s for s in self.seen if s["method"] == "POST"]


def load(rel):
    with open(os.path.join(CI, rel)) as f:
        return yaml.safe_load(f)


class Runner:
    """Runs jobs in one workspace (a checkout of examples/), as the runner of
    GitHub Actions or GitLab CI would, and keeps what they wrote."""

    def __init__(self, test, server, sts, platform, repo):
        self.test, self.repo = test, repo
        self.tmp = tempfile.mkdtemp(prefix="ecsctl-ci-")
        test.addCleanup(shutil.rmtree, self.tmp, True)
        # the machine's environment; AWS's endpoints are the stand-ins here
        self.base = env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_REGION=None,
                        AWS_ENDPOINT_URL_ECS=server.url, AWS_ENDPOINT_URL_STS=sts.url, CI="true")
        self.platform = platform

    def bash(self, script, environ):
        path = os.path.join(self.tmp, "step.sh")
        with open(path, "w") as f:
            f.write(script)
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", path],
                              cwd=self.repo.dir, env=environ, capture_output=True, text=True,
                              timeout=300)

    # GitHub Actions

    def github_job(self, workflow, job, event, context):
        """Runs `job` of `workflow`; returns (exit code of the first failing
        step or 0, the job summary)."""
        wf = load(os.path.join("github-actions", workflow))
        j = wf["jobs"][job]
        files = {k: os.path.join(self.tmp, k.lower()) for k in
                 ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
        for f in files.values():
            open(f, "w").close()
        runner_temp = tempfile.mkdtemp(dir=self.tmp)
        e = dict(self.base, GITHUB_ACTIONS="true", GITHUB_WORKSPACE=self.repo.dir,
                 RUNNER_TEMP=runner_temp, GITHUB_REPOSITORY="acme/shop", GITHUB_RUN_ID="4242",
                 GITHUB_EVENT_NAME=event, GITHUB_API_URL=self.platform.url, **files)
        permissions = dict(wf.get("permissions", {}), **j.get("permissions", {}))
        if permissions.get("id-token") == "write":
            e.update(ACTIONS_ID_TOKEN_REQUEST_URL=self.platform.url + "/token?api-version=2.0",
                     ACTIONS_ID_TOKEN_REQUEST_TOKEN=RUNTIME_TOKEN)
        for block in (wf.get("env", {}), j.get("env", {})):
            e.update({k: self.expand(str(v), context) for k, v in block.items()})
        for step in j["steps"]:
            if "uses" in step:
                # checkout: the workspace is the checkout; artifacts: one workspace
                self.test.assertRegex(step["uses"], r"^actions/(checkout|upload-artifact|"
                                      r"download-artifact)@v\d+$")
                continue
            r = self.bash(step["run"], dict(e, **{k: self.expand(str(v), context)
                                                  for k, v in step.get("env", {}).items()}))
            self.test.last = r
            if r.returncode:
                return r.returncode, self.read(files["GITHUB_STEP_SUMMARY"])
            for line in self.read(files["GITHUB_ENV"]).splitlines():
                name, _, value = line.partition("=")
                e[name] = value
            for line in self.read(files["GITHUB_PATH"]).splitlines():
                e["PATH"] = line + ":" + e["PATH"]
            open(files["GITHUB_ENV"], "w").close()
            open(files["GITHUB_PATH"], "w").close()
        return 0, self.read(files["GITHUB_STEP_SUMMARY"])

    def expand(self, text, context):
        def value(m):
            self.test.assertIn(m.group(1), context, "an expression the test does not provide")
            return context[m.group(1)]
        return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", value, text)

    @staticmethod
    def read(path):
        with open(path) as f:
            return f.read()

    # GitLab CI

    def gitlab_job(self, name, predefined, cicd):
        """Runs job `name` of gitlab-ci.yml if its rules let it run for the
        pipeline `predefined` describes; returns its exit code or None."""
        ci = load(os.path.join("gitlab-ci", "gitlab-ci.yml"))
        job, default = ci[name], ci.get("default", {})
        e = dict(self.base, GITLAB_CI="true", CI_PROJECT_DIR=self.repo.dir, CI_PROJECT_ID="7",
                 CI_API_V4_URL=self.platform.url + "/api/v4", CI_JOB_ID="99", **cicd,
                 **predefined)
        e.update({k: self.gitlab_expand(str(v), e) for k, v in ci.get("variables", {}).items()})
        rule = next((r for r in job["rules"] if self.gitlab_if(r["if"], e)), None)
        if rule is None:
            return None
        for block in (job.get("variables", {}), rule.get("variables", {})):
            e.update({k: self.gitlab_expand(str(v), e) for k, v in block.items()})
        self.test.assertEqual(list(job.get("id_tokens", default.get("id_tokens"))),
                              ["AWS_OIDC_TOKEN"])
        e["AWS_OIDC_TOKEN"] = OIDC_TOKEN
        lines = job.get("before_script", default.get("before_script", [])) + job["script"]
        r = self.bash("\n".join(lines) + "\n", e)
        self.test.last = r
        return r.returncode

    @staticmethod
    def gitlab_expand(text, e):
        return re.sub(r"\$(\w+)", lambda m: e.get(m.group(1), ""), text)

    @staticmethod
    def gitlab_if(expr, e):
        """`$A == "x" && $B == $C`: what these templates use of GitLab's rules."""
        def term(t):
            t = t.strip()
            return e.get(t[1:], "") if t.startswith("$") else t.strip('"')
        return all(term(a) == term(b) for a, b in
                   (c.split("==") for c in expr.split("&&")))


class Templates(unittest.TestCase):
    def setUp(self):
        self.server = EcsLocal().start()
        self.addCleanup(self.server.stop)
        self.sts = Sts("ASIACI", "ci-secret", "ci-token", web_token=OIDC_TOKEN).start()
        self.addCleanup(self.sts.stop)
        self.platform = Platform().start()
        self.addCleanup(self.platform.stop)
        self.repo = Repo(source="examples")
        self.addCleanup(self.repo.cleanup)
        self.runner = Runner(self, self.server, self.sts, self.platform, self.repo)
        self.ecs = self.server.client()

    def ok(self, rc):
        self.assertEqual(rc, 0, "%s\n%s" % (self.last.stdout, self.last.stderr))

    def roles(self):
        return [s["form"]["RoleArn"] for s in self.sts.seen]

    def scale_worker_out_of_band(self):
        # (web's count is autoscaling's: ignoreDifferences in examples/ecsctl.yaml)
        self.ecs.update_service(cluster="shop-staging", service="worker", desiredCount=5)

    def test_github_actions(self):
        ctx = {"vars.ECSCTL_URL": self.platform.url + "/ecsctl",
               "vars.ECSCTL_PLAN_ROLE_ARN": PLAN_ROLE, "vars.ECSCTL_DEPLOY_ROLE_ARN": DEPLOY_ROLE,
               "github.event.pull_request.number": "12", "secrets.GITHUB_TOKEN": "gh-token"}
        rc, summary = self.runner.github_job("ecsctl-plan.yml", "plan", "pull_request", ctx)
        self.ok(rc)
        self.assertIn("### ecsctl plan for commit", summary)
        self.assertIn("to create", summary)
        [comment] = self.platform.posts()
        self.assertEqual(comment["path"], "/repos/acme/shop/issues/12/comments")
        self.assertEqual(comment["body"].strip(), summary.strip())
        self.assertEqual(self.roles(), [PLAN_ROLE])
        self.assertEqual(self.sts.seen[0]["form"]["RoleSessionName"], "gh-4242")
        self.assertEqual(self.ecs.list_clusters()["clusterArns"], [])

        for job in ("plan", "apply"):
            rc, summary = self.runner.github_job("ecsctl-apply.yml", job, "push", ctx)
            self.ok(rc)
            if job == "plan":
                self.assertIn("### ecsctl plan", summary)
        self.assertEqual(len(self.ecs.list_services(cluster="shop-staging")["serviceArns"]), 4)
        self.assertEqual(set(self.roles()[1:]), {DEPLOY_ROLE})
        r = ecsctl(self.server, self.repo, "plan", "--detailed-exitcode", "--env", "staging")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        rc, summary = self.runner.github_job("ecsctl-drift.yml", "drift", "schedule", ctx)
        self.ok(rc)
        self.scale_worker_out_of_band()
        rc, summary = self.runner.github_job("ecsctl-drift.yml", "drift", "schedule", ctx)
        self.assertEqual(rc, 2, summary)
        self.assertIn("worker", summary)
        self.assertIn("desiredCount", summary)

    def test_saved_plan_is_refused_when_live_moved(self):
        ctx = {"vars.ECSCTL_URL": self.platform.url + "/ecsctl",
               "vars.ECSCTL_DEPLOY_ROLE_ARN": DEPLOY_ROLE}
        self.ok(self.runner.github_job("ecsctl-apply.yml", "plan", "push", ctx)[0])
        self.ecs.create_cluster(clusterName="shop-staging")
        rc, _ = self.runner.github_job("ecsctl-apply.yml", "apply", "push", ctx)
        self.assertEqual(rc, 4, self.last.stderr)
        self.assertIn("stale", self.last.stderr)

    def test_gitlab_ci(self):
        cicd = {"ECSCTL_URL": self.platform.url + "/ecsctl", "ECSCTL_PLAN_ROLE_ARN": PLAN_ROLE,
                "ECSCTL_DEPLOY_ROLE_ARN": DEPLOY_ROLE, "ECSCTL_GITLAB_TOKEN": "gl-token"}
        mr = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "5",
              "CI_DEFAULT_BRANCH": "main"}
        push = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main",
                "CI_DEFAULT_BRANCH": "main"}
        schedule = {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main",
                    "CI_DEFAULT_BRANCH": "main"}
        self.ok(self.runner.gitlab_job("plan", mr, cicd))
        self.assertIsNone(self.runner.gitlab_job("apply", mr, cicd))
        self.assertIsNone(self.runner.gitlab_job("drift", mr, cicd))
        [note] = self.platform.posts()
        self.assertEqual(note["path"], "/api/v4/projects/7/merge_requests/5/notes")
        self.assertIn("### ecsctl plan for commit", note["body"])
        self.assertEqual(self.roles(), [PLAN_ROLE, PLAN_ROLE])

        self.ok(self.runner.gitlab_job("plan", push, cicd))
        self.ok(self.runner.gitlab_job("apply", push, cicd))
        self.assertEqual(len(self.platform.posts()), 1)  # no note outside an MR
        self.assertEqual(len(self.ecs.list_services(cluster="shop-staging")["serviceArns"]), 4)
        self.assertEqual(set(self.roles()[2:]), {DEPLOY_ROLE})

        self.assertIsNone(self.runner.gitlab_job("plan", schedule, cicd))
        self.ok(self.runner.gitlab_job("drift", schedule, cicd))
        self.scale_worker_out_of_band()
        self.assertEqual(self.runner.gitlab_job("drift", schedule, cicd), 2)
        junit = self.repo.read("drift.xml")
        self.assertIn("<testsuite", junit)
        self.assertIn("desiredCount", junit)


class WatchService(unittest.TestCase):
    """templates/ecs-watch: applied with ecsctl to ecs-local, then the
    container's command run here with the image's entrypoint (ecsctl)."""

    def test_applies_and_its_command_serves_health_and_metrics(self):
        watch_repo = Repo(source=os.path.join("templates", "ecs-watch"))
        self.addCleanup(watch_repo.cleanup)
        deploy_repo = Repo(source="examples")
        self.addCleanup(deploy_repo.cleanup)
        with EcsLocal() as server:
            r = ecsctl(server, watch_repo, "apply", "--auto-approve", "--poll-interval", "100ms",
                       timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = ecsctl(server, watch_repo, "plan", "--detailed-exitcode")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            ecs = server.client()
            svc = ecs.describe_services(cluster="ops", services=["ecsctl-watch"])["services"][0]
            td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])
            container = td["taskDefinition"]["containerDefinitions"][0]
            port = container["portMappings"][0]["containerPort"]
            self.assertEqual(svc["loadBalancers"][0]["containerPort"], port)
            self.assertEqual(svc["desiredCount"], 1)
            self.assertEqual(svc["deploymentConfiguration"]["maximumPercent"], 100)
            command = container["command"]
            self.assertEqual(command[command.index("--listen") + 1], "0.0.0.0:%d" % port)

            # the container's command, on loopback and against the test's repo
            command[command.index("--listen") + 1] = "127.0.0.1:0"
            command[command.index("--repo") + 1] = deploy_repo.dir
            proc = popen_ecsctl(None, None, *command, AWS_ENDPOINT_URL_ECS=server.url)
            try:
                url = self.listening(proc)
                with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
                    self.assertEqual(r.status, 200)
                self.wait_ready(url)
                with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
                    self.assertIn("ecsctl_reconcile_total", r.read().decode())
            finally:
                proc.send_signal(signal.SIGTERM)
                _, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, err[-2000:])
            self.assertEqual(len(ecs.list_services(cluster="shop-staging")["serviceArns"]), 4)

    def listening(self, proc):
        deadline = time.time() + 30
        while time.time() < deadline:
            line = proc.stderr.readline()
            try:
                entry = json.loads(line)  # --log-format json, as in the task definition
            except ValueError:
                continue
            if entry.get("msg") == "listening":
                return "http://127.0.0.1:%s" % entry["port"]
        self.fail("watch did not say where it listens")

    def wait_ready(self, url):
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=10) as r:
                    if r.status == 200:
                        return
            except urllib.error.HTTPError:
                pass
            time.sleep(0.2)
        self.fail("watch never became ready (a reconcile did not finish)")

    def test_deploy_policy_is_current(self):
        r = ecsctl(None, SRC, "policy", "--worktree", "--path", "examples", "--env", "staging",
                   "--account", "123456789012")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(CI, "deploy-policy.json")) as f:
            self.assertEqual(json.loads(f.read()), json.loads(r.stdout),
                             "regenerate: ecsctl policy --worktree --path examples --env staging "
                             "--account 123456789012 > templates/deploy-policy.json")


if __name__ == "__main__":
    unittest.main()
