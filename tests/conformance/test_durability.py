"""--state FILE is durable: every acknowledged write survives kill -9 (the
journal is synced before the answer), revision numbers are never given out
twice, a second server on the same state is refused, a malformed state file
is refused naming what is wrong, the files are private (0600), and SIGTERM
exits 1 when the final save fails."""
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import threading
import unittest

from ecslocal import BIN, EcsLocal, temp_dir

WRITERS = 4
PER_WRITER = 15


def register(ecs, family, image):
    return ecs.register_task_definition(family=family, containerDefinitions=[
        {"name": "app", "image": image, "memory": 64}])["taskDefinition"]


def run_alone(state):
    """ecs-local on `state` expected to refuse to start: its exit and stderr."""
    p = subprocess.run([BIN, "--listen", "127.0.0.1:0", "--state", state],
                       capture_output=True, text=True, timeout=10)
    return p.returncode, p.stderr


class Durability(unittest.TestCase):
    def start(self, state, *args):
        srv = EcsLocal("--state", state, *args).start()
        self.addCleanup(srv.stop, signal.SIGKILL)
        return srv

    def burst(self, srv, acked):
        """WRITERS threads register revisions of `burst` at once; `acked` maps
        each acknowledged revision to its image."""
        lock = threading.Lock()
        errors = []

        def writer(i):
            ecs = srv.client()
            try:
                for n in range(PER_WRITER):
                    td = register(ecs, "burst", "img:%d-%d-%d" % (len(acked), i, n))
                    with lock:
                        self.assertNotIn(td["revision"], acked)
                        acked[td["revision"]] = td["containerDefinitions"][0]["image"]
            except Exception as e:  # reported below, on the test's thread
                errors.append(repr(e))

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_kill9_keeps_every_acknowledged_write(self):
        with temp_dir() as d:
            state = os.path.join(d, "state.json")
            acked = {}
            srv = self.start(state)
            ecs = srv.client()
            ecs.create_cluster(clusterName="c")
            register(ecs, "svc", "nginx:1")
            ecs.create_service(cluster="c", serviceName="web", taskDefinition="svc",
                               desiredCount=3)
            for trial in range(3):
                # a deployment runs on the clock while the writers write
                register(ecs, "svc", "nginx:%d" % (trial + 2))
                ecs.update_service(cluster="c", service="web", taskDefinition="svc")
                self.burst(srv, acked)
                svc = ecs.describe_services(cluster="c", services=["web"])["services"][0]
                srv.proc.kill()  # right after the last acknowledgement
                srv.stop()
                self.assertNotIn("another answer", srv.stderr)

                srv = self.start(state)
                ecs = srv.client()
                for rev, image in sorted(acked.items()):
                    td = ecs.describe_task_definition(
                        taskDefinition="burst:%d" % rev)["taskDefinition"]
                    self.assertEqual(td["containerDefinitions"][0]["image"], image,
                                     "revision %d after kill -9 #%d" % (rev, trial + 1))
                again = ecs.describe_services(cluster="c", services=["web"])["services"][0]
                self.assertEqual(again["taskDefinition"], svc["taskDefinition"])
                self.assertEqual([x["id"] for x in again["deployments"]],
                                 [x["id"] for x in svc["deployments"]])
                # numbering goes on: no acknowledged number is given out again
                nxt = register(ecs, "burst", "after-%d" % trial)["revision"]
                self.assertGreater(nxt, max(acked))
                acked[nxt] = "after-%d" % trial
            self.assertEqual(len(acked), 3 * (WRITERS * PER_WRITER + 1))
            self.assertEqual(srv.stop(), 0)
            self.assertNotIn("another answer", srv.stderr)

    def test_torn_last_record_is_dropped(self):
        with temp_dir() as d:
            state = os.path.join(d, "state.json")
            srv = self.start(state)
            register(srv.client(), "torn", "nginx:1")
            srv.proc.kill()
            srv.stop()
            with open(state + ".journal", "ab") as f:
                f.write(b"2 400 0123456789abcdef\n{\"op\":\"Regis")
            srv = self.start(state)
            td = srv.client().describe_task_definition(taskDefinition="torn")["taskDefinition"]
            self.assertEqual(td["revision"], 1)
            self.assertEqual(srv.stop(), 0)
            self.assertIn("dropped an incomplete last record", srv.stderr)

    def test_second_server_is_refused(self):
        with temp_dir() as d:
            state = os.path.join(d, "state.json")
            first = self.start(state)
            rc, stderr = run_alone(state)
            self.assertEqual(rc, 1)
            self.assertIn("in use by another ecs-local (pid %d)" % first.proc.pid, stderr)
            self.assertEqual(first.stop(), 0)
            self.start(state).stop()

    def write_state(self, d):
        state = os.path.join(d, "state.json")
        srv = self.start(state)
        ecs = srv.client()
        ecs.create_cluster(clusterName="c")
        register(ecs, "f", "nginx:1")
        ecs.create_service(cluster="c", serviceName="web", taskDefinition="f", desiredCount=1)
        self.assertEqual(srv.stop(), 0)
        with open(state) as f:
            return state, json.load(f)

    def test_malformed_state_file_is_refused(self):
        with temp_dir() as d:
            state, good = self.write_state(d)
            cases = [
                (lambda doc: doc["clusters"]["c"]["_services"]["web"].pop("status"),
                 'clusters["c"]._services["web"]: "status" is missing (a string)'),
                (lambda doc: doc["clusters"]["c"]["_services"]["web"].update(desiredCount="2"),
                 'clusters["c"]._services["web"]: "desiredCount" must be an integer'),
                (lambda doc: doc["families"]["f"]["revs"]["1"].update(status="GONE"),
                 'families["f"].revs["1"]: "status" is "GONE", not a known status'),
                (lambda doc: doc["clusters"]["c"].update(_services=[]),
                 'clusters["c"]: "_services" must be an object'),
            ]
            for spoil, message in cases:
                doc = json.loads(json.dumps(good))
                spoil(doc)
                with open(state, "w") as f:
                    json.dump(doc, f)
                rc, stderr = run_alone(state)
                self.assertEqual(rc, 1, stderr)
                self.assertEqual(stderr.count("\n"), 1, stderr)
                self.assertIn(message, stderr)
                self.assertIn("state.json", stderr)

    def test_files_are_private(self):
        with temp_dir() as d:
            state = os.path.join(d, "state.json")
            with open(state, "w") as f:  # an older, world-readable state file
                json.dump({"formatVersion": 1, "clusters": {}, "families": {}}, f)
            os.chmod(state, 0o644)
            srv = self.start(state)
            register(srv.client(), "p", "nginx:1")
            for path in (state, state + ".journal", state + ".lock"):
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, path)
            self.assertEqual(srv.stop(), 0)
            self.assertEqual(stat.S_IMODE(os.stat(state).st_mode), 0o600)

    def test_a_journal_that_cannot_grow_refuses_writes(self):
        def small_files():  # in the server only: writes past 32 KiB fail with EFBIG
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (32768, 32768))

        with temp_dir() as d:
            state = os.path.join(d, "state.json")
            srv = EcsLocal("--state", state, preexec_fn=small_files).start()
            self.addCleanup(srv.stop, signal.SIGKILL)
            ecs = srv.client()
            acked = {}
            for n in range(400):
                try:
                    td = register(ecs, "full", "img:%d" % n)
                except ecs.exceptions.ServerException as e:
                    self.assertIn("cannot write its journal", str(e))
                    break
                acked[td["revision"]] = "img:%d" % n
            else:
                self.fail("400 registrations fitted in 32 KiB")
            # once failed, no write is acknowledged (a later record would follow a torn one)
            with self.assertRaises(ecs.exceptions.ServerException):
                register(ecs, "full", "img:again")
            self.assertEqual(ecs.describe_task_definition(
                taskDefinition="full:1")["taskDefinition"]["revision"], 1)
            # the final save does not fit either: not a clean exit
            self.assertEqual(srv.stop(signal.SIGTERM), 1)
            self.assertIn("error: state not saved", srv.stderr)

            srv = self.start(state)
            ecs = srv.client()
            for rev, image in acked.items():
                got = ecs.describe_task_definition(taskDefinition="full:%d" % rev)
                self.assertEqual(got["taskDefinition"]["containerDefinitions"][0]["image"],
                                 image)
            self.assertEqual(srv.stop(), 0)

    def test_sigterm_exits_1_when_the_final_save_fails(self):
        with temp_dir() as d:
            sub = os.path.join(d, "gone")
            os.mkdir(sub)
            srv = self.start(os.path.join(sub, "state.json"))
            srv.client().create_cluster(clusterName="lost")
            shutil.rmtree(sub)
            self.assertEqual(srv.stop(signal.SIGTERM), 1)
            self.assertIn("error: state not saved", srv.stderr)


if __name__ == "__main__":
    unittest.main()
