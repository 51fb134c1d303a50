"""watch's status page in a real browser: Debian's chromium, headless, loads
the page of a watch driving ecs-local, and the DOM it built is checked: one
row per resource, a drifted row after an out-of-band change (secrets masked
in the member diff), a failed row with its reason after a crash-looping
commit; accessibility basics (lang, th scope, labels, badge contrast >= 4.5:1
computed from the page's own CSS). A screenshot is kept under build/ for CI.
Also: /api/v1/status, the UI token (bearer and basic auth; 401 without), and
that a non-loopback --listen needs --ui-token-file or --insecure-ui."""
import base64
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import FILES, SERVICE, TASKDEF, ServerRepoCase, Watch  # noqa: E402

CHROMIUM = shutil.which("chromium")
SHOTS = os.path.join(os.environ.get("ECSCTL_BIN_DIR", os.path.join("..", "..", "build", "bin")),
                     "..", "screenshots")
WEB_BREAKER = SERVICE + """deploymentConfiguration:
  deploymentCircuitBreaker: {enable: true, rollback: true}
"""


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], ""

    def all(self, tag=None, **attrs):
        for c in self.children:
            if (tag is None or c.tag == tag) and all(
                    v in (c.attrs.get(k.rstrip("_")) or "").split() if k.endswith("_")
                    else c.attrs.get(k) == v for k, v in attrs.items()):
                yield c
            yield from c.all(tag, **attrs)

    def one(self, tag=None, **attrs):
        found = list(self.all(tag, **attrs))
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]

    def content(self):
        return " ".join(self._text().split())

    def _text(self):
        return self.text + "".join(c._text() for c in self.children)


class Dom(html.parser.HTMLParser):
    """The serialized DOM chromium printed, back into a small tree."""
    VOID = {"meta", "link", "br", "input", "img", "hr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {}, None)
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in self.VOID:
            self.cur = n

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        # text after a child is kept on a text child so content() keeps order
        t = Node("#text", {}, self.cur)
        t.text = data
        self.cur.children.append(t)


def chromium(*args, timeout=60):
    with tempfile.TemporaryDirectory(prefix="ecsctl-chromium-") as profile:
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                            "--no-first-run", "--disable-extensions",
                            "--disable-dev-shm-usage",  # containers have a small /dev/shm
                            "--user-data-dir=" + profile, *args],
                           capture_output=True, text=True, timeout=timeout)
    if p.returncode:
        raise AssertionError("chromium failed: %s" % p.stderr[-2000:])
    return p.stdout


def luminance(hexcolor):
    rgb = [int(hexcolor[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a, b):
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def need_chromium(test):
    if CHROMIUM:
        return
    if os.environ.get("CI"):
        test.fail("chromium is not installed (scripts/setup.sh installs it); CI must run this")
    test.skipTest("chromium is not installed: run scripts/setup.sh for the browser test")


class WatchPageInBrowser(ServerRepoCase):
    repo_source = None
    repo_files = dict(FILES, **{
        "ecsctl.yaml": "name: shop\nregion: us-east-1\nwait: {timeout: 20s}\n",
        "services/web.yaml": WEB_BREAKER})

    def setUp(self):
        need_chromium(self)
        super().setUp()
        self.w = Watch(self.server, self.repo, "--interval", "300ms")
        self.addCleanup(self.w.stop)
        self.url = "http://127.0.0.1:%s" % self.w.port

    def dom(self, path="/"):
        """The page as chromium built it (about 3 s a launch: the index only)."""
        return Dom(chromium("--dump-dom", self.url + path)).root

    def served(self, path):
        """A page as served, parsed here: the detail pages."""
        status, text = self.w.get(path)
        self.assertEqual(status, 200, path)
        return Dom(text).root

    def rows(self, doc):
        return {(r.attrs["data-kind"], r.attrs["data-name"]): r
                for r in doc.one("table", id="resources").all("tr", class_="resource")}

    @staticmethod
    def diff(doc):
        return {tr.one("th").content(): [td.content() for td in tr.all("td")]
                for tr in doc.one("table", id="diff").one("tbody").all("tr")}

    def check_accessibility(self, doc):
        self.assertEqual(doc.one("html").attrs.get("lang"), "en")
        self.assertTrue(doc.one("title").content())
        for table in doc.all("table"):
            self.assertTrue(table.one("caption").content())
            heads = list(table.one("thead").all("th"))
            self.assertTrue(heads)
            self.assertTrue(all(th.attrs.get("scope") == "col" for th in heads))
            for th in table.one("tbody").all("th"):
                self.assertEqual(th.attrs.get("scope"), "row")
        for inp in doc.all("input"):
            labels = [lb for lb in doc.all("label") if lb.attrs.get("for") == inp.attrs.get("id")]
            self.assertEqual(len(labels), 1, inp.attrs)
            self.assertTrue(labels[0].content())
        # every badge's colours, from the page's own CSS, reach WCAG AA (4.5:1)
        css = doc.one("style").content()
        pairs = {}
        for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
            fg = re.search(r"(?:^|;)color:(#[0-9a-f]{6})", body)
            bg = re.search(r"background:(#[0-9a-f]{6})", body)
            if fg and bg:
                for s in sel.split(","):
                    pairs[s.strip()] = (fg.group(1), bg.group(1))
        used = {c for b in doc.all("span", class_="badge") for c in b.attrs["class"].split()
                if c != "badge"}
        self.assertTrue(used)
        for c in used:
            self.assertIn(".badge." + c, pairs, "badge class without colours")
        for sel, (fg, bg) in pairs.items():
            self.assertGreaterEqual(contrast(fg, bg), 4.5, sel)

    def test_rows_drift_and_failed_apply_in_chromium(self):
        w, ecs = self.w, self.ecs
        self.assertEqual(w.wait_for(lambda d: d["msg"] == "reconcile done")["result"], "applied")
        t0 = time.time()
        doc = self.dom()
        browser_s = time.time() - t0
        rows = self.rows(doc)
        self.assertEqual(sorted(rows), [("Cluster", "shop"), ("Service", "shop/web"),
                                        ("TaskDefinition", "web")])
        self.assertTrue(all(r.attrs["data-sync"] == "in-sync" for r in rows.values()))
        web = rows[("Service", "shop/web")]
        self.assertEqual(web.attrs["data-health"], "healthy")
        self.assertIn("2/2 running", web.content())
        self.assertIn(self.repo.sha[:12], web.content())  # the deployed commit
        self.assertEqual(doc.one("dd", id="ref").content(), "main")
        self.assertIn("initial", doc.one("dd", id="synced").content())
        self.check_accessibility(doc)

        # out of band: a task definition with another password, and one more task
        td = ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]
        cd = td["containerDefinitions"]
        for e in cd[0]["environment"]:
            if e["name"] == "DB_PASSWORD":
                e["value"] = "swordfish"
        arn = ecs.register_task_definition(
            family="web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512", containerDefinitions=cd)["taskDefinition"][
                "taskDefinitionArn"]
        ecs.update_service(cluster="shop", service="web", taskDefinition=arn, desiredCount=3)
        w.wait_for(lambda d: d.get("result") == "skipped", timeout=30)
        # the tick after the skip has seen the same drift: no race with a rollout
        w.wait_for(lambda d: d.get("result") == "skipped", timeout=30)
        rows = self.rows(self.dom())
        self.assertEqual(rows[("Service", "shop/web")].attrs["data-sync"], "drifted")
        self.assertEqual(rows[("Cluster", "shop")].attrs["data-sync"], "in-sync")
        detail = self.served("/resources/Service/shop/web")
        self.assertEqual(self.diff(detail)["desiredCount"], ["2", "3"])
        self.assertEqual(self.diff(detail)["taskDefinition"], ["web", "web:2"])
        self.assertTrue(list(detail.one("table", id="events").one("tbody").all("tr")))
        self.check_accessibility(detail)
        td_diff = self.diff(self.served("/resources/TaskDefinition/web"))
        self.assertTrue(any("(sensitive)" in " ".join(v) for v in td_diff.values()), td_diff)
        for path in ("/", "/resources/Service/shop/web", "/resources/TaskDefinition/web",
                     "/api/v1/status"):
            status, text = w.get(path)
            self.assertEqual(status, 200, path)
            self.assertNotIn("swordfish", text, path)
            self.assertNotIn("hunter2", text, path)

        # a crash-looping commit: the breaker rolls back, the row says why
        bad = self.repo.commit("web: crashloop <b>image</b>", files={
            "task-definitions/web.yaml": TASKDEF.replace("nginx:1.25", "nginx:crashloop")})
        why = w.wait_for(lambda d: d["msg"] == "service not stable", timeout=60)
        w.wait_for(lambda d: d["msg"] == "reconcile done" and d.get("commit") == bad
                   and d["result"] == "failed", timeout=60)
        os.makedirs(SHOTS, exist_ok=True)
        shot = os.path.join(SHOTS, "watch-status.png")
        if os.path.exists(shot):
            os.unlink(shot)
        doc = self.dom()
        chromium("--window-size=1280,900", "--screenshot=" + os.path.abspath(shot), self.url)
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        rows = self.rows(doc)
        web = rows[("Service", "shop/web")]
        self.assertIn("failed", web.attrs["class"].split())
        reason = doc.one("tr", class_="failure-detail")
        self.assertEqual(reason.attrs["data-name"], "shop/web")
        self.assertIn("Apply failed (commit %s): %s" % (bad[:12], why["reason"]),
                      reason.content())
        attempt = doc.one("dd", id="attempt")
        # failed, then held on the next ticks (not applied again by itself)
        self.assertIn([b.content() for b in attempt.all("span", class_="badge")],
                      [["failed"], ["held"]])
        self.assertIn(bad[:12], doc.one("dd", id="failed-commit").content())
        # the subject is text, not markup
        self.assertIn("web: crashloop <b>image</b>", attempt.content())
        self.assertEqual(list(attempt.all("b")), [])
        self.check_accessibility(doc)
        detail = self.served("/resources/Service/shop/web")
        self.assertIn("EssentialContainerExited",
                      detail.one("section", id="failure").content())
        self.assertLess(browser_s, 20)

    def test_auto_refresh_is_opt_in(self):
        self.w.wait_for(lambda d: d["msg"] == "reconcile done")
        _, page = self.w.get("/")
        self.assertNotIn('http-equiv="refresh"', page)
        _, page = self.w.get("/?refresh=5")
        self.assertIn('<meta http-equiv="refresh" content="5">', page)
        _, page = self.w.get("/?refresh=0")
        self.assertNotIn('http-equiv="refresh"', page)
        self.assertNotIn("<script", page)


class StatusApiAndToken(ServerRepoCase):
    repo_source, repo_files = None, FILES

    def token_file(self, text):
        d = tempfile.TemporaryDirectory(prefix="ecsctl-ui-")
        self.addCleanup(d.cleanup)
        path = os.path.join(d.name, "token")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_api_document(self):
        w = Watch(self.server, self.repo, "--interval", "1h")
        self.addCleanup(w.stop)
        w.wait_for(lambda d: d["msg"] == "reconcile done")
        status, text = w.get("/api/v1/status")
        self.assertEqual(status, 200)
        doc = json.loads(text)
        self.assertEqual(doc["formatVersion"], 1)
        self.assertEqual(doc["ref"], "main")
        self.assertEqual(doc["synced"]["commit"], self.repo.sha)
        self.assertEqual(doc["synced"]["subject"], "initial")
        self.assertEqual(doc["attempt"]["result"], "applied")
        self.assertIsNone(doc["attempt"]["error"])
        self.assertRegex(doc["nextTick"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(doc["counts"]["in-sync"], 3)
        web = [r for r in doc["resources"] if r["kind"] == "Service"][0]
        self.assertEqual((web["name"], web["sync"]), ("shop/web", "in-sync"))
        self.assertEqual({k: web["health"][k] for k in ("state", "running", "desired",
                                                         "rollout")},
                         {"state": "healthy", "running": 2, "desired": 2,
                          "rollout": "COMPLETED"})
        self.assertEqual(web["deployedCommit"], self.repo.sha)
        self.assertIsNone(web["failure"])
        self.assertTrue(web["events"])
        self.assertEqual(w.get("/resources/Service/nope")[0], 404)

    def test_token_from_the_environment(self):
        w = Watch(self.server, self.repo, "--interval", "1h", ECSCTL_UI_TOKEN="env-token")
        self.addCleanup(w.stop)
        import urllib.request
        req = urllib.request.Request(self.url(w) + "/api/v1/status",
                                     headers={"Authorization": "Bearer env-token"})
        self.assertEqual(w.log[0]["ui"], "token")  # the "listening" line
        self.assertEqual(w.get("/api/v1/status")[0], 401)
        with urllib.request.urlopen(req, timeout=5) as r:
            self.assertEqual(r.status, 200)

    def test_token_guards_page_and_api_only(self):
        path = self.token_file("t0ken-for-the-page\n")
        w = Watch(self.server, self.repo, "--interval", "1h", "--ui-token-file", path)
        self.addCleanup(w.stop)
        w.wait_for(lambda d: d["msg"] == "reconcile done")
        import urllib.request
        import urllib.error

        def get(p, auth=None):
            req = urllib.request.Request(self.url(w) + p)
            if auth:
                req.add_header("Authorization", auth)
            try:
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.status, dict(r.headers)
            except urllib.error.HTTPError as e:
                return e.code, dict(e.headers)

        for p in ("/", "/api/v1/status", "/resources/Service/shop/web"):
            status, headers = get(p)
            self.assertEqual(status, 401, p)
            self.assertTrue(headers["WWW-Authenticate"].startswith("Basic realm="))
            self.assertEqual(get(p, "Bearer wrong")[0], 401)
            self.assertEqual(get(p, "Bearer t0ken-for-the-page-")[0], 401)
            self.assertEqual(get(p, "Bearer t0ken-for-the-page")[0], 200)
            basic = base64.b64encode(b"anyone:t0ken-for-the-page").decode()
            self.assertEqual(get(p, "Basic " + basic)[0], 200)
            self.assertEqual(get(p, "Basic " + base64.b64encode(b"anyone:nope").decode())[0], 401)
            self.assertEqual(get(p, "Basic !!!")[0], 401)
        for p in ("/healthz", "/readyz", "/metrics"):
            self.assertEqual(get(p)[0], 200, p)
        _, headers = get("/", "Bearer t0ken-for-the-page")
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
        self.assertNotIn("t0ken", "".join(json.dumps(d) for d in w.log))

    @staticmethod
    def url(w):
        return "http://127.0.0.1:%s" % w.port

    def test_non_loopback_listen_needs_a_token(self):
        r = self.ecsctl("watch", "--listen", "0.0.0.0:0")
        self.assertEqual(r.returncode, 64)
        self.assertIn("error: --listen '0.0.0.0:0' is not a loopback address", r.stderr)
        self.assertIn("--ui-token-file", r.stderr)
        for extra, env in ((["--insecure-ui"], {}),
                           (["--ui-token-file", self.token_file("x")], {}),
                           ([], {"ECSCTL_UI_TOKEN": "from-the-environment"})):
            w = Watch(self.server, self.repo, "--interval", "1h", "--listen", "0.0.0.0:0",
                      *extra, **env)
            self.addCleanup(w.stop)
            self.assertEqual(w.get("/healthz")[0], 200)
            self.assertEqual(w.get("/")[0], 200 if extra == ["--insecure-ui"] else 401)
            self.assertEqual(w.stop(), 0)
            self.assertNotIn("from-the-environment", json.dumps(w.log))


if __name__ == "__main__":
    unittest.main()
