"""The portable build (-DECSCTL_PORTABLE=ON, cmake/portable.cmake): ecsctl and
ecs-local load glibc only, carry Debian's library releases, and do the quick
start and an HTTPS call (statically linked libcurl + OpenSSL verifying a
certificate) like the normal build."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from awsstandins import Sts, self_signed_cert  # noqa: E402
from ecslocal import ECSCTL, EcsLocal, Repo, ecsctl  # noqa: E402

ECS_LOCAL = os.environ["ECS_LOCAL"]
GLIBC = {"libc.so.6", "libm.so.6"}


def out(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


class Portable(unittest.TestCase):
    def test_only_glibc_is_loaded(self):
        for binary in (ECSCTL, ECS_LOCAL):
            with self.subTest(binary=os.path.basename(binary)):
                needed = set(re.findall(r"NEEDED\s+(\S+)", out("objdump", "-p", binary)))
                self.assertLessEqual(needed, GLIBC)
                for line in out("ldd", binary).splitlines():
                    name = line.split()[0]
                    self.assertTrue(name in GLIBC or name.startswith(("linux-vdso",
                                    "/lib64/ld-linux")), line)

    def test_carries_debians_library_releases(self):
        libs = json.loads(out(ECSCTL, "version", "--output", "json"))["libraries"]
        self.assertEqual("libcurl " + libs["libcurl"], out("curl-config", "--version"))
        for name, module in (("libyaml", "yaml-0.1"), ("jansson", "jansson"),
                             ("libgit2", "libgit2"), ("openssl", "libcrypto"),
                             ("libmicrohttpd", "libmicrohttpd")):
            self.assertEqual(libs[name], out("pkg-config", "--modversion", module), name)

    def test_quick_start(self):
        repo = Repo(source="examples")
        self.addCleanup(repo.cleanup)
        with EcsLocal() as server:
            r = ecsctl(server, repo, "apply", "--auto-approve", "--env", "staging",
                       "--poll-interval", "100ms", timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = ecsctl(server, repo, "plan", "--detailed-exitcode", "--env", "staging")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("No changes.", r.stdout)

    def test_https_verifies_certificates(self):
        """STS over TLS: the stand-in's certificate is trusted through
        AWS_CA_BUNDLE, and refused without it."""
        certs = tempfile.mkdtemp(prefix="ecsctl-portable-")
        cert, key = self_signed_cert(certs)
        sts = Sts("AKIDSTS", "sts-secret", "sts-token", tls=(cert, key)).start()
        self.addCleanup(sts.stop)
        token = os.path.join(certs, "token")
        with open(token, "w") as f:
            f.write("oidc-jwt\n")
        repo = Repo(source="examples")
        self.addCleanup(repo.cleanup)
        web_identity = dict(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                            AWS_ROLE_ARN="arn:aws:iam::111122223333:role/ci",
                            AWS_WEB_IDENTITY_TOKEN_FILE=token, AWS_ENDPOINT_URL_STS=sts.url)
        with EcsLocal() as server:
            r = ecsctl(server, repo, "plan", "--env", "staging", AWS_CA_BUNDLE=cert,
                       **web_identity)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sts.ops(), ["AssumeRoleWithWebIdentity"])
            r = ecsctl(server, repo, "plan", "--env", "staging", **web_identity)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertRegex(r.stderr, r"(?i)certificate")


if __name__ == "__main__":
    unittest.main()
