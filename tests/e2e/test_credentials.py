"""The credentials people use, end to end: the real ecsctl plans against an
ecs-local that verifies SigV4 for one key (--require-sigv4), so a plan that
works proves ecsctl signed with the key the source gave. Secrets must never
appear in ecsctl's output, even at -vvv."""
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from awsstandins import Proxy, SsoPortal, Sts, self_signed_cert  # noqa: E402
from ecslocal import (EcsLocal, Repo, ecsctl, ecsctl_cmd, env, popen_ecsctl,  # noqa: E402
                      stderr_until)

KEY, SECRET, TOKEN = "ASIAE2EPROCESS", "e2e-secret/value+1", "e2e-session-token"


class CredentialsCase(unittest.TestCase):
    """One ecs-local that accepts only KEY/SECRET, a repo, a fresh HOME per test."""

    @classmethod
    def setUpClass(cls):
        cls.server = EcsLocal("--require-sigv4", "%s:%s" % (KEY, SECRET)).start()
        cls.repo = Repo()

    @classmethod
    def tearDownClass(cls):
        cls.repo.cleanup()
        cls.server.stop_cleanly()

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="ecsctl-creds-")
        os.makedirs(os.path.join(self.home, ".aws"))
        self.addCleanup(shutil.rmtree, self.home, True)

    def write(self, rel, text, mode=0o600):
        path = os.path.join(self.home, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def plan(self, profile, *args, **env):
        """ecsctl -vvv plan with no keys in the environment, HOME = self.home."""
        extra = dict(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, HOME=self.home,
                     AWS_PROFILE=profile)  # profile None: no AWS_PROFILE
        extra.update(env)
        return ecsctl(self.server, self.repo, "plan", "-vvv", *args, **extra)

    def assert_no_secret(self, r, *secrets):
        for s in (SECRET, TOKEN) + secrets:
            self.assertNotIn(s, r.stdout + r.stderr)


class CredentialProcess(CredentialsCase):

    def process_profile(self, key=KEY, secret=SECRET, exit_code=0):
        helper = self.write("helper.sh",
                            "echo 'helper: asking the vault' >&2\n"
                            "printf '%%s' '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                            "\"SecretAccessKey\": \"%s\", \"SessionToken\": \"%s\", "
                            "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\nexit %d\n"
                            % (key, secret, TOKEN, exit_code), mode=0o700)
        self.write(".aws/config", "[profile proc]\nregion = us-east-1\n"
                   "credential_process = %s --for 'ecsctl plan'\n" % helper)

    def test_credential_process_signs_with_its_keys(self):
        self.process_profile()
        r = self.plan("proc")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Plan: 5 to create, 4 to register.", r.stdout)
        # the helper's stderr reaches the user
        self.assertIn("helper: asking the vault", r.stderr)
        self.assert_no_secret(r)

    def test_credential_process_with_the_wrong_secret_is_refused_by_ecs(self):
        self.process_profile(secret="not-the-secret")
        r = self.plan("proc")
        self.assertEqual(r.returncode, 1)
        self.assertIn("InvalidSignatureException", r.stderr)
        self.assert_no_secret(r, "not-the-secret")

    def test_credential_process_can_prompt_on_the_terminal(self):
        """An MFA prompt reads the terminal: the helper runs in its own process
        group, which gets the terminal's foreground while it runs (else its
        read would stop it with SIGTTIN until the timeout)."""
        helper = self.write("mfa.sh", "printf 'MFA code: ' >&2\nread -r code\n"
                            "[ \"$code\" = 123456 ] || exit 5\n"
                            "printf '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                            "\"SecretAccessKey\": \"%s\"}'\n" % (KEY, SECRET), mode=0o700)
        self.write(".aws/config", "[profile mfa]\ncredential_process = sh %s\n" % helper)
        cmd = ecsctl_cmd(self.server, self.repo, "plan")
        # script(1) (util-linux) runs ecsctl on a pseudo-terminal fed from our input
        r = subprocess.run(["script", "-qec", shlex.join(cmd), "/dev/null"], input="123456\n",
                           capture_output=True, text=True, timeout=60,
                           env=env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                                   HOME=self.home, AWS_PROFILE="mfa",
                                   ECSCTL_CREDENTIAL_PROCESS_TIMEOUT="10"))
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("Plan: 5 to create, 4 to register.", r.stdout)

    def test_credential_process_failure_is_clear(self):
        self.process_profile(exit_code=2)
        r = self.plan("proc")
        self.assertEqual(r.returncode, 1)
        self.assertIn("profile 'proc': credential_process exited with status 2", r.stderr)
        self.assertIn("ecs DescribeClusters status=0 attempts=0 ms=0 error=credentials",
                      r.stderr)
        self.assertIn("helper: asking the vault", r.stderr)
        self.assert_no_secret(r)


class KeysRevokedMidWait(CredentialsCase):
    """Keys that expire or are revoked while apply waits: the error says which
    changes were already made and that running apply again is safe."""

    def test_the_error_lists_what_was_already_done(self):
        revoked = os.path.join(self.home, "revoked")
        # an hour-long session that refreshes on every call (inside the 5-minute
        # margin); once revoked, the vault hands out keys ECS does not know
        helper = self.write("vault.sh",
                            "if [ -e %s ]; then key=ASIAREVOKED; else key=%s; fi\n"
                            "exp=$(date -u -d '+2 min' +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
                            "printf '{\"Version\": 1, \"AccessKeyId\": \"%%s\", "
                            "\"SecretAccessKey\": \"%s\", \"SessionToken\": \"%s\", "
                            "\"Expiration\": \"%%s\"}' \"$key\" \"$exp\"\n"
                            % (revoked, KEY, SECRET, TOKEN), mode=0o700)
        self.write(".aws/config", "[profile vault]\nregion = us-east-1\n"
                   "credential_process = %s\n" % helper)
        env = dict(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, HOME=self.home,
                   AWS_PROFILE="vault")
        r = ecsctl(self.server, self.repo, "apply", "--auto-approve", "--poll-interval",
                   "100ms", **env)
        self.assertEqual(r.returncode, 0, r.stderr)
        p = popen_ecsctl(self.server, self.repo, "apply", "--auto-approve", "--poll-interval",
                         "100ms", "--timeout", "30s", WORKER_TAG="crashloop", **env)
        seen = stderr_until(p, "update Service \"shop/worker\": done")
        with open(revoked, "w"):
            pass
        _, err = p.communicate(timeout=60)
        err = seen + err
        self.assertEqual(p.returncode, 1, err)
        self.assertIn("UnrecognizedClientException", err)
        self.assertIn("The credentials were refused (expired or revoked) after apply had "
                      "written. These changes were already made before the error:\n"
                      "  register TaskDefinition \"worker\"\n"
                      "  update Service \"shop/worker\"\n"
                      "Running 'ecsctl apply' again is safe: it plans from live ECS, so it "
                      "only does what is left (with valid credentials).", err)
        self.assertNotIn(SECRET, err)
        self.assertNotIn(TOKEN, err)


class StsAndContainer(CredentialsCase):
    """Web identity (CI's OIDC), AssumeRole from a source profile and the ECS
    container endpoint, against the STS / container stand-in."""

    def setUp(self):
        super().setUp()
        self.sts = Sts(KEY, SECRET, TOKEN).start()
        self.addCleanup(self.sts.stop)

    def test_web_identity_token_file(self):
        token_file = self.write("oidc-token", "oidc-jwt\n")
        r = self.plan(None, AWS_ROLE_ARN="arn:aws:iam::111122223333:role/ci",
                      AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ROLE_SESSION_NAME="gh-123",
                      AWS_ENDPOINT_URL_STS=self.sts.url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.sts.ops(), ["AssumeRoleWithWebIdentity"])
        form = self.sts.seen[0]["form"]
        self.assertEqual((form["RoleArn"], form["RoleSessionName"]),
                         ("arn:aws:iam::111122223333:role/ci", "gh-123"))
        self.assertEqual(self.sts.seen[0]["authorization"], "")  # unsigned
        self.assert_no_secret(r, "oidc-jwt")

    def test_assume_role_from_a_source_profile(self):
        self.write(".aws/credentials", "[base]\naws_access_key_id = AKIASOURCE\n"
                   "aws_secret_access_key = source-secret\n")
        self.write(".aws/config", "[profile deploy]\nrole_arn = arn:aws:iam::1:role/deploy\n"
                   "source_profile = base\nexternal_id = ext-1\n")
        r = self.plan("deploy", AWS_ENDPOINT_URL_STS=self.sts.url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.sts.ops(), ["AssumeRole"])
        self.assertEqual(self.sts.seen[0]["form"]["ExternalId"], "ext-1")
        self.assert_no_secret(r, "source-secret")

    def test_container_credentials(self):
        r = self.plan(None, AWS_CONTAINER_CREDENTIALS_FULL_URI=self.sts.url + "/creds",
                      AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer container-token")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.sts.ops(), ["container"])
        self.assert_no_secret(r, "container-token")


def iso(seconds_from_now):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds_from_now))


SSO_CONFIG = """[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Deployer
region = us-east-1
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
[profile legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
sso_account_id = 111122223333
sso_role_name = Deployer
"""


class Sso(CredentialsCase):
    """SSO profiles: the token `aws sso login` cached, the portal's role
    credentials, SSO-OIDC refresh (stand-ins in awsstandins.py)."""

    def setUp(self):
        super().setUp()
        self.portal = SsoPortal(KEY, SECRET, TOKEN).start()
        self.addCleanup(self.portal.stop)
        self.write(".aws/config", SSO_CONFIG)

    def cache(self, key, expires_in, refresh=True):
        doc = {"startUrl": "https://corp.awsapps.com/start", "region": "eu-central-1",
               "accessToken": "cached-access-token", "expiresAt": iso(expires_in)}
        if refresh:
            doc.update(clientId="client-id-1", clientSecret="client-secret-1",
                       registrationExpiresAt=iso(86400 * 30), refreshToken="refresh-token-1")
        name = hashlib.sha1(key.encode()).hexdigest() + ".json"
        return self.write(os.path.join(".aws/sso/cache", name), json.dumps(doc))

    def sso_plan(self, profile):
        return self.plan(profile, AWS_ENDPOINT_URL_SSO=self.portal.url,
                         AWS_ENDPOINT_URL_SSO_OIDC=self.portal.url)

    def assert_planned(self, r):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Plan: 5 to create, 4 to register.", r.stdout)
        self.assert_no_secret(r, "cached-access-token", "refreshed-access-token",
                              "refresh-token-1", "refresh-token-2", "client-secret-1")

    def test_sso_session_profile_signs_with_the_role_credentials(self):
        self.cache("corp", 3600)
        r = self.sso_plan("dev")
        self.assert_planned(r)
        self.assertEqual(self.portal.ops(), ["GetRoleCredentials"])
        seen = self.portal.seen[0]
        self.assertEqual(seen["query"], {"account_id": "111122223333", "role_name": "Deployer"})
        self.assertEqual(seen["token"], "cached-access-token")

    def test_legacy_sso_profile(self):
        self.cache("https://corp.awsapps.com/start", 3600, refresh=False)
        self.assert_planned(self.sso_plan("legacy"))
        self.assertEqual(self.portal.ops(), ["GetRoleCredentials"])

    def test_expired_token_is_refreshed_through_sso_oidc(self):
        path = self.cache("corp", -300)
        self.assert_planned(self.sso_plan("dev"))
        self.assertEqual(self.portal.ops(), ["CreateToken", "GetRoleCredentials"])
        self.assertEqual(self.portal.seen[1]["token"], "refreshed-access-token")
        with open(path) as f:
            saved = json.load(f)
        self.assertEqual(saved["accessToken"], "refreshed-access-token")
        self.assertEqual(saved["refreshToken"], "refresh-token-2")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        # the next run uses the saved token without refreshing again
        self.assert_planned(self.sso_plan("dev"))
        self.assertEqual(self.portal.ops()[2:], ["GetRoleCredentials"])

    def test_expired_token_without_refresh_says_to_log_in(self):
        self.cache("corp", -300, refresh=False)
        r = self.sso_plan("dev")
        self.assertEqual(r.returncode, 1)
        self.assertIn("run `aws sso login --profile dev`", r.stderr)
        self.assertEqual(self.portal.ops(), [])
        os.remove(self.cache("corp", 3600))
        r = self.sso_plan("dev")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no SSO token for sso-session 'corp'", r.stderr)

    def botocore_key(self):
        """The access key botocore (Debian's) gets for profile dev from the same
        HOME; its sso clients are pointed at the stand-in (this botocore
        predates AWS_ENDPOINT_URL_SSO)."""
        code = ("import os, boto3, botocore.session\n"
                "orig = botocore.session.Session.create_client\n"
                "def create_client(self, name, *a, **kw):\n"
                "    if name in ('sso', 'sso-oidc'):\n"
                "        kw['endpoint_url'] = os.environ['STANDIN']\n"
                "    return orig(self, name, *a, **kw)\n"
                "botocore.session.Session.create_client = create_client\n"
                "s = boto3.Session(profile_name='dev')\n"
                "print(s.get_credentials().get_frozen_credentials().access_key)\n")
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=60, env=env(HOME=self.home, STANDIN=self.portal.url,
                                               AWS_ACCESS_KEY_ID=None,
                                               AWS_SECRET_ACCESS_KEY=None))
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_botocore_and_ecsctl_share_the_token_cache(self):
        """The stand-in and the cache file are what botocore speaks and writes:
        botocore refreshes an expired token through the stand-in, ecsctl uses the
        token botocore saved; ecsctl refreshes, botocore uses ecsctl's."""
        self.cache("corp", -300)
        self.assertEqual(self.botocore_key(), KEY)
        self.assertEqual(self.portal.ops(), ["CreateToken", "GetRoleCredentials"])
        self.assert_planned(self.sso_plan("dev"))
        self.assertEqual(self.portal.ops()[2:], ["GetRoleCredentials"])
        self.assertEqual(self.portal.seen[2]["token"], "refreshed-access-token")
        self.cache("corp", -300)
        self.assert_planned(self.sso_plan("dev"))
        self.assertEqual(self.portal.ops()[3:], ["CreateToken", "GetRoleCredentials"])
        self.assertEqual(self.botocore_key(), KEY)
        self.assertEqual(self.portal.ops()[5:], ["GetRoleCredentials"])
        self.assertEqual(self.portal.seen[5]["token"], "refreshed-access-token")


class NetworkSettings(CredentialsCase):
    """HTTPS_PROXY / HTTP_PROXY / NO_PROXY and AWS_CA_BUNDLE through a loopback
    proxy that records what it carried, and an SSO portal on TLS."""

    def setUp(self):
        super().setUp()
        self.proxy = Proxy().start()
        self.addCleanup(self.proxy.stop)
        self.cert, key = self_signed_cert(self.home)
        self.portal = SsoPortal(KEY, SECRET, TOKEN, tls=(self.cert, key)).start()
        self.addCleanup(self.portal.stop)
        self.write(".aws/config", SSO_CONFIG)
        self.write(".aws/sso/cache/%s.json" % hashlib.sha1(b"corp").hexdigest(),
                   json.dumps({"accessToken": "cached-access-token", "expiresAt": iso(3600)}))

    def sso_plan(self, **env):
        return self.plan("dev", AWS_ENDPOINT_URL_SSO=self.portal.url, **env)

    def test_https_goes_through_the_proxy_and_trusts_the_ca_bundle(self):
        r = self.sso_plan(AWS_CA_BUNDLE=self.cert, HTTPS_PROXY=self.proxy.url)
        self.assertEqual(r.returncode, 0, r.stderr)
        port = self.portal.url.rsplit(":", 1)[1]
        self.assertEqual(self.proxy.targets(), ["127.0.0.1:" + port])  # CONNECT
        self.assertEqual(self.portal.ops(), ["GetRoleCredentials"])
        self.assert_no_secret(r, "cached-access-token")

    def test_no_proxy_bypasses_it(self):
        r = self.sso_plan(AWS_CA_BUNDLE=self.cert, HTTPS_PROXY=self.proxy.url,
                          NO_PROXY="localhost,127.0.0.1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.proxy.targets(), [])
        self.assertEqual(self.portal.ops(), ["GetRoleCredentials"])

    def test_without_the_ca_bundle_the_certificate_is_refused(self):
        r = self.sso_plan()
        self.assertEqual(r.returncode, 1)
        self.assertIn("certificate", r.stderr)
        self.assertEqual(self.portal.ops(), [])
        r = self.sso_plan(AWS_CA_BUNDLE=os.path.join(self.home, "missing.pem"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("AWS_CA_BUNDLE '%s' cannot be read" % os.path.join(self.home,
                                                                         "missing.pem"),
                      r.stderr)

    def test_plain_http_to_ecs_goes_through_http_proxy(self):
        r = self.sso_plan(AWS_CA_BUNDLE=self.cert, HTTP_PROXY=self.proxy.url)
        self.assertEqual(r.returncode, 0, r.stderr)
        seen = self.proxy.seen
        self.assertTrue(seen and all(s["method"] == "POST" for s in seen), seen)
        self.assertTrue(all(s["target"] == self.server.url + "/" for s in seen), seen)
        # signed with the SSO role's key and its session token, on the way through
        self.assertIn("Credential=%s/" % KEY, seen[0]["headers"]["authorization"])
        self.assertEqual(seen[0]["headers"]["x-amz-security-token"], TOKEN)
        # the https portal did not use the http proxy
        self.assertNotIn("CONNECT", [s["method"] for s in seen])


if __name__ == "__main__":
    unittest.main()
