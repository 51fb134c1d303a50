"""ecsctl's OCI image (Containerfile, scripts/image.sh): built offline with
buildah from the portable binary, its config and layer contents read from the
OCI archive, then run with podman against ecs-local on the host loopback (the
quick start) where this machine can run containers; where it cannot, the
running part is skipped with the reason, never the build or the inspection."""
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from ecslocal import ECSCTL, REGION, SRC, EcsLocal, Repo  # noqa: E402

USER = "10001:10001"
# What each podman attempt adds: as is, then for a machine whose root lacks
# CAP_SYS_RESOURCE (podman's default limits are above its hard limits) and
# whose cgroups are hybrid v1/v2 (crun refuses them; runc with cgroupfs runs).
PODMAN_WAYS = (
    ([], []),
    (["--runtime", "runc", "--cgroup-manager", "cgroupfs"],
     ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]),
)


def blob(tar, digest):
    return tar.extractfile("blobs/" + digest.replace(":", "/")).read()


class Image(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ecsctl-image-")
        cls.archive = os.path.join(cls.tmp, "ecsctl-image.tar")
        subprocess.run(["sh", os.path.join(SRC, "scripts", "image.sh"), ECSCTL, cls.archive],
                       check=True, capture_output=True, text=True)
        cls.version = subprocess.run([ECSCTL, "--version"], capture_output=True, text=True,
                                     check=True).stdout.split()[1]
        with tarfile.open(cls.archive) as tar:
            index = json.loads(tar.extractfile("index.json").read())
            manifest = json.loads(blob(tar, index["manifests"][0]["digest"]))
            cls.config = json.loads(blob(tar, manifest["config"]["digest"]))
            cls.files = {}
            for layer in manifest["layers"]:
                data = blob(tar, layer["digest"])
                if layer["mediaType"].endswith("gzip"):
                    data = gzip.decompress(data)
                with tarfile.open(fileobj=io.BytesIO(data)) as lt:
                    for m in lt.getmembers():
                        f = lt.extractfile(m) if m.isfile() else None
                        cls.files[m.name.lstrip("./").rstrip("/")] = (m, f.read() if f else None)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_config(self):
        c = self.config["config"]
        self.assertEqual(c["User"], USER)
        self.assertEqual(c["Entrypoint"], ["ecsctl"])
        self.assertNotIn("Cmd", c)
        self.assertIn("PATH=/usr/bin", c["Env"])
        self.assertIn("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", c["Env"])
        self.assertEqual(c["Labels"]["org.opencontainers.image.version"], self.version)
        self.assertEqual(self.config["os"], "linux")

    def test_layer_holds_the_binary_glibc_certificates_and_the_user(self):
        files = {n: m for n, (m, _) in self.files.items() if not m.isdir()}
        libs = {n for n in files if n.startswith(("lib/", "lib64/", "usr/lib"))}
        self.assertEqual(set(files) - libs, {"usr/bin/ecsctl", "etc/passwd", "etc/group",
                                             "etc/ssl/certs/ca-certificates.crt"})
        self.assertEqual({os.path.basename(n).split(".so")[0] for n in libs},
                         {"libc", "libm", "ld-linux-x86-64"})
        binary = files["usr/bin/ecsctl"]
        self.assertEqual((binary.mode & 0o7777, binary.uid), (0o755, 0))
        passwd = self.files["etc/passwd"][1].decode()
        self.assertIn("ecsctl:x:10001:10001:", passwd)
        with open("/etc/ssl/certs/ca-certificates.crt", "rb") as f:
            self.assertEqual(self.files["etc/ssl/certs/ca-certificates.crt"][1], f.read())
        home = self.files["home/ecsctl"][0]
        self.assertEqual((home.uid, home.gid), (10001, 10001))
        self.assertEqual(self.files["tmp"][0].mode & 0o7777, 0o1777)

    def podman(self):
        """A podman command list that runs the image here, or skip with why not."""
        if not shutil.which("podman"):
            self.skipTest("podman is not installed: the image was built and inspected only")
        storage = os.path.join(self.tmp, "podman")
        base = ["podman", "--root", storage + "/root", "--runroot", storage + "/run",
                "--storage-driver", "vfs"]
        if not os.path.isdir(storage):
            subprocess.run(base + ["load", "-q", "-i", self.archive], check=True,
                           capture_output=True)
            self.addClassCleanup(subprocess.run, base + ["rmi", "-a", "-f"],
                                 capture_output=True)
        reasons = []
        for global_args, run_args in PODMAN_WAYS:
            cmd = base + global_args + ["run", "--rm", "--network", "host"] + run_args
            r = subprocess.run(cmd + ["localhost/ecsctl:" + self.version, "--version"],
                               capture_output=True, text=True, timeout=120)
            if r.returncode == 0:
                self.assertEqual(r.stdout, "ecsctl %s\n" % self.version)
                print("image: podman runs it with %s" % (" ".join(global_args + run_args) or
                                                         "its defaults"), file=sys.stderr)
                return cmd
            reasons.append(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else
                           "exit %d" % r.returncode)
        print("image: not run, podman cannot run containers here: " + "; ".join(reasons),
              file=sys.stderr)
        self.skipTest("podman cannot run containers here: " + "; ".join(reasons))

    def test_runs_the_quick_start_against_the_host(self):
        cmd = self.podman()
        repo = Repo(source="examples")
        self.addCleanup(repo.cleanup)
        # the image's user reads the repository (libgit2 also checks its owner)
        subprocess.run(["chown", "-R", USER, repo.dir], check=True)
        with EcsLocal() as server:
            run = cmd + ["-v", repo.dir + ":/repo:ro", "-e", "AWS_ACCESS_KEY_ID=AKIDTEST",
                         "-e", "AWS_SECRET_ACCESS_KEY=secret", "-e", "AWS_REGION=" + REGION,
                         "-e", "NO_COLOR=1", "localhost/ecsctl:" + self.version]
            where = ["--repo", "/repo", "--path", "examples", "--env", "staging",
                     "--endpoint-url", server.url]
            r = subprocess.run(run + ["apply", "--auto-approve", "--poll-interval", "100ms"] +
                               where, capture_output=True, text=True, timeout=180)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("shop-staging", r.stdout)
            r = subprocess.run(run + ["plan", "--detailed-exitcode"] + where,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("No changes.", r.stdout)


if __name__ == "__main__":
    unittest.main()
