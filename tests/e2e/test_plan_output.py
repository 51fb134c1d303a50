"""What a reviewer reads: plan output (masking, saved plan files) and how apply
treats a reviewed plan, against a real ecs-local. Each test gets its own
server and repo."""
import json
import os
import pty
import stat
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase, delta, ecsctl_cmd, env, writes  # noqa: E402

FAST = ("--poll-interval", "100ms")

# A real task definition (found in a public repository) leaked DB_PASS in a plan.
LEAKY = """kind: TaskDefinition
family: web
requiresCompatibilities: [FARGATE]
networkMode: awsvpc
cpu: 256
memory: 512
executionRoleArn: arn:aws:iam::123456789012:role/shop-task-execution
containerDefinitions:
  - name: web
    image: public.ecr.aws/nginx/nginx:1.25.3
    essential: true
    environment:
      - {name: DB_USER, value: shop}
      - {name: DB_PASS, value: "%(pw)s"}
      - {name: LOG_LEVEL, value: info}
      - {name: ATM_PIN, value: "%(pin)s"}
    command: ["--api", "%(jwt)s"]
"""
JWT = ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")
OLD_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvbGQifQ.c2lnbmF0dXJlLW9mLXRoZS1vbGQtb25l"


CM = "{http://commonmark.org/xml/1.0}"


def gfm(md):
    """Parses Markdown with GitHub's own parser (cmark-gfm, the table
    extension on) into its XML syntax tree."""
    r = subprocess.run(["cmark-gfm", "-e", "table", "-e", "autolink", "--validate-utf8",
                        "--to", "xml"], input=md, capture_output=True, text=True, check=True)
    return ET.fromstring(r.stdout)


def text_of(node):
    return "".join(n.text or "" for n in node.iter() if n.tag in (CM + "text", CM + "code"))


class PlanOutput(ServerRepoCase):
    def leaky(self, pw, pin="1234", jwt=JWT, sensitive=False):
        self.repo.write("examples/task-definitions/web.yaml",
                        LEAKY % {"pw": pw, "pin": pin, "jwt": jwt})
        if sensitive:
            self.repo.write("examples/ecsctl.yaml", self.repo.read("examples/ecsctl.yaml") +
                            "sensitive: ['*_pin']\n")
        self.repo.commit("web with a password")

    def in_pty(self, *args, answer=b"no\n", timeout=60):
        """Runs ecsctl with a terminal as standard input (stdout/stderr piped),
        types `answer` into it, returns (rc, stdout, stderr)."""
        master, slave = pty.openpty()
        cmd = ecsctl_cmd(self.server, self.repo, *args, path=None)
        p = subprocess.Popen(cmd, stdin=slave, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env())
        os.close(slave)
        try:
            os.write(master, answer)
            out, err = p.communicate(timeout=timeout)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            os.close(master)
        return p.returncode, out.decode(), err.decode()

    def test_db_pass_jwt_and_sensitive_globs_are_masked_in_text_and_json(self):
        self.leaky("old-db-pw", pin="0000", jwt=OLD_JWT)
        self.run_ok("apply", "--auto-approve", *FAST)
        self.leaky("hunter2-db", pin="4711", sensitive=True)
        for out in (self.run_ok("plan").stdout,
                    self.run_ok("plan", "--output", "json").stdout):
            self.assertIn("DB_PASS", out)
            for secret in ("hunter2-db", "old-db-pw", "4711", "0000", JWT.split(".")[2], OLD_JWT.split(".")[2]):
                self.assertNotIn(secret, out)
            self.assertIn("(sensitive)", out)
        d = json.loads(self.run_ok("plan", "--output", "json").stdout)
        web = [c for c in d["changes"] if c["name"] == "web"][0]
        paths = {x["path"]: x for x in web["diff"]}
        self.assertEqual(paths["containerDefinitions[web].environment[DB_PASS].value"]["after"],
                         "(sensitive)")
        self.assertEqual(paths["containerDefinitions[web].environment[ATM_PIN].value"]["after"],
                         "(sensitive)")
        self.assertEqual(paths["containerDefinitions[web].command"]["after"],
                         ["--api", "(sensitive)"])

    def test_db_pass_masked_in_a_whole_new_task_definition(self):
        self.leaky("hunter2-db")
        out = self.run_ok("plan").stdout
        self.assertIn('+ name  = "DB_PASS"', out)
        self.assertNotIn("hunter2-db", out)
        self.assertNotIn(JWT.split(".")[2], out)
        self.assertIn("+ value = (sensitive)", out)

    def test_first_line_names_the_commit_ref_and_source(self):
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.repo.dir, check=True,
                             capture_output=True, text=True).stdout.strip()
        out = self.run_ok("plan").stdout
        self.assertEqual(out.splitlines()[0], "Plan for commit %s (main) of %s:examples"
                         % (sha[:7], os.path.realpath(self.repo.dir)))
        self.repo.git("tag", "v1")
        out = self.run_ok("plan", "--ref", "v1").stdout
        self.assertTrue(out.startswith("Plan for commit %s (v1) of " % sha[:7]), out[:200])
        out = self.run_ok("plan", "--ref", sha).stdout
        self.assertTrue(out.startswith("Plan for commit %s of " % sha[:7]), out[:200])
        out = self.run_ok("plan", "--worktree").stdout
        self.assertTrue(out.startswith("Plan for the work tree of "), out[:200])
        # also when there is nothing to do, and when a saved plan is applied
        self.run_ok("apply", "--auto-approve", *FAST)
        out = self.run_ok("plan").stdout
        self.assertEqual(out.splitlines()[0:3], [
            "Plan for commit %s (main) of %s:examples" % (sha[:7], os.path.realpath(self.repo.dir)),
            "", "No changes. Live ECS matches git."])
        plan = os.path.join(self.repo.dir, "p.json")
        self.run_ok("plan", "-o", plan, WORKER_TAG="1.5.0")
        out = self.run_ok("apply", *FAST, plan, path=None).stdout
        self.assertTrue(out.startswith("Plan for commit %s (main) of " % sha[:7]), out[:200])

    def test_nested_by_default_and_compact_on_request(self):
        self.run_ok("apply", "--auto-approve", *FAST)
        long_tag = "1.5.0-" + "x" * 150
        nested = self.run_ok("plan", WORKER_TAG=long_tag).stdout
        self.assertIn("      ~ containerDefinitions[worker] {\n"
                      "          ~ image = \"123456789012.dkr.ecr.us-east-1.amazonaws.com/"
                      "shop/worker:1.4.2\" -> \"123456789012.dkr.ecr.us-east-1.amazonaws.com/"
                      "shop/worker:%s\"\n" % long_tag, nested)
        self.assertIn("unchanged attributes hidden)", nested)
        self.assertNotIn(" ... ", nested)
        compact = self.run_ok("plan", "--compact", WORKER_TAG=long_tag).stdout
        self.assertIn("      ~ containerDefinitions[worker].image: \"123456789012.dkr.ecr."
                      "us-east-1.amazonaws.com/shop/worker:1.4.2\" -> \"123456789012.dkr.ecr."
                      "us-east-1.amazonaws.com/shop/worker:%s\"\n" % long_tag, compact)
        self.assertNotIn("{\n", compact)
        self.assertNotIn("hidden", compact)
        r = self.run_ok("apply", "--auto-approve", "--compact", *FAST, WORKER_TAG=long_tag)
        self.assertIn("containerDefinitions[worker].image: ", r.stdout)

    def markdown(self, *args, **kw):
        md = self.run_ok("plan", "--output", "markdown", *args, **kw).stdout
        return md, gfm(md)

    def test_markdown_plan_is_valid_gfm_with_table_and_details(self):
        self.run_ok("apply", "--auto-approve", *FAST)
        self.leaky("hunter2-db")
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.repo.dir, check=True,
                             capture_output=True, text=True).stdout.strip()
        d = json.loads(self.run_ok("plan", "--output", "json", WORKER_TAG="1.5.0").stdout)
        md, doc = self.markdown(WORKER_TAG="1.5.0")
        self.assertNotIn("hunter2-db", md)
        # the heading names commit, branch and repo
        heads = doc.findall(CM + "heading")
        self.assertEqual(heads[0].get("level"), "3")
        self.assertEqual(text_of(heads[0]), "ecsctl plan for commit %s (main) of %s:examples"
                         % (sha[:7], os.path.realpath(self.repo.dir)))
        # one table: a header row and one row per change, three cells each
        tables = doc.findall(CM + "table")
        self.assertEqual(len(tables), 1)
        rows = tables[0].findall(CM + "table_row") + tables[0].findall(
            CM + "table_header")
        self.assertEqual(len(rows), 1 + len(d["changes"]))
        body = [[text_of(c) for c in r.findall(CM + "table_cell")]
                for r in tables[0].findall(CM + "table_row")]
        self.assertEqual([(r[0], r[1]) for r in body],
                         [("%s %s" % (c["kind"], c["name"]), c["action"]) for c in d["changes"]])
        self.assertIn("containerDefinitions[web].environment", body[0][2])
        self.assertTrue(all(len(r) == 3 for r in body))
        # one collapsed section per change, its diff in a ```diff block
        html = [h.text for h in doc.iter(CM + "html_block")]
        self.assertEqual(sum(h.startswith("<details><summary>") for h in html),
                         len(d["changes"]))
        self.assertEqual(sum(h.strip() == "</details>" for h in html), len(d["changes"]))
        blocks = [b for b in doc.iter(CM + "code_block") if b.get("info") == "diff"]
        self.assertEqual(len(blocks), len(d["changes"]))
        self.assertIn("(sensitive)", blocks[0].text)
        self.assertTrue(blocks[0].text.startswith('+ + TaskDefinition "web" will be registered'))
        self.assertIn('\n+             + value = (sensitive)\n', blocks[0].text)
        # and GitHub's HTML keeps them (raw HTML allowed, as in comments)
        html = subprocess.run(["cmark-gfm", "-e", "table", "--unsafe"], input=md,
                              capture_output=True, text=True, check=True).stdout
        self.assertEqual(html.count("<details><summary>"), len(d["changes"]))
        self.assertIn('<pre><code class="language-diff">', html)
        self.assertIn("<table>", html)
        # nothing to do
        self.run_ok("apply", "--auto-approve", *FAST)
        md, doc = self.markdown()
        self.assertIn("**No changes.** Live ECS matches git.", md)
        self.assertEqual(doc.findall(CM + "table"), [])

    def test_markdown_of_a_huge_plan_stays_under_65000_with_a_tail(self):
        env = "\n".join("      - {name: VAR_%03d, value: \"%s\"}" % (i, "v" * 150)
                        for i in range(500))
        big = LEAKY.replace("      - {name: DB_USER, value: shop}", env)
        self.repo.write("examples/task-definitions/web.yaml",
                        big % {"pw": "p", "pin": "1", "jwt": JWT})
        self.repo.commit("huge web")
        text = self.run_ok("plan").stdout
        self.assertGreater(len(text), 65000)
        md, doc = self.markdown()
        self.assertLess(len(md), 65000)
        self.assertRegex(md, r"\*\*\d+ more resources not shown in full\*\*: "
                             r"TaskDefinition `web`, ")
        # the table still lists every change; the sections that fit are whole
        d = json.loads(self.run_ok("plan", "--output", "json").stdout)
        rows = doc.find(CM + "table").findall(CM + "table_row")
        self.assertEqual(len(rows), len(d["changes"]))
        html = [h.text for h in doc.iter(CM + "html_block")]
        opened = sum(h.startswith("<details><summary>") for h in html)
        self.assertEqual(opened, sum(h.strip() == "</details>" for h in html))
        self.assertEqual(opened, len([b for b in doc.iter(CM + "code_block")
                                      if b.get("info") == "diff"]))
        self.assertGreater(opened, 0)

    def test_markdown_only_for_plan(self):
        r = self.run_ok("apply", "--output", "markdown", expect=64)
        self.assertIn("'text' or 'json'", r.stderr)
        r = self.run_ok("plan", "--output", "html", expect=64)
        self.assertIn("or 'markdown'", r.stderr)

    def test_saved_plan_is_0600_even_over_an_existing_file_and_holds_values(self):
        self.leaky("hunter2-db")
        plan = os.path.join(self.repo.dir, "p.json")
        with open(plan, "w") as f:
            f.write("{}")
        os.chmod(plan, 0o644)
        # a stale temporary file with loose permissions does not leak them either
        with open(plan + ".tmp", "w") as f:
            f.write("old")
        os.chmod(plan + ".tmp", 0o666)
        self.run_ok("plan", "-o", plan)
        self.assertEqual(stat.S_IMODE(os.stat(plan).st_mode), 0o600)
        self.assertFalse(os.path.exists(plan + ".tmp"))
        with open(plan) as f:
            saved = f.read()
        # the exact requests: the value apply will send is in the file, not in the diff
        self.assertIn("hunter2-db", saved)
        doc = json.loads(saved)
        self.assertNotIn("hunter2-db", json.dumps([c["diff"] for c in doc["changes"]]))
        # a symlink planted at the temporary name is not followed
        target = os.path.join(self.repo.dir, "elsewhere")
        os.symlink(target, plan + ".tmp")
        r = self.run_ok("plan", "-o", plan, expect=1)
        self.assertIn("could not write the plan", r.stderr)
        self.assertFalse(os.path.exists(target))

    def test_apply_file_does_not_ask_but_plain_apply_does_on_a_terminal(self):
        plan = os.path.join(self.repo.dir, "p.json")
        self.run_ok("plan", "-o", plan)
        # plain apply on a terminal asks; "no" cancels before any write
        before = self.server.stats()
        rc, out, err = self.in_pty("apply", "--path", "examples")
        self.assertEqual(rc, 1, err)
        self.assertIn("Do you want to apply these changes?", err)
        self.assertIn("apply cancelled", err)
        self.assertEqual(writes(delta(before, self.server.stats())), {})
        # apply FILE on the same terminal: the plan was the review, no question
        # (had it asked, the typed "no" would have cancelled it)
        rc, out, err = self.in_pty("apply", *FAST, plan)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("Do you want to apply", err)
        self.assertEqual(writes(delta(before, self.server.stats())),
                         {"CreateCluster": 1, "RegisterTaskDefinition": 4, "CreateService": 4})
        # and without a terminal too (CI)
        self.run_ok("plan", "-o", plan, WORKER_TAG="1.5.0")
        self.run_ok("apply", *FAST, plan, path=None)
        self.run_ok("plan", "--detailed-exitcode", WORKER_TAG="1.5.0")


if __name__ == "__main__":
    unittest.main()
