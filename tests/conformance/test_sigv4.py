"""--require-sigv4 KEY:SECRET: botocore's own signatures pass; a wrong secret,
an unknown key, a missing signature, a tampered body and a clock skew over
5 minutes are rejected as ECS rejects them."""
import datetime
import json
import unittest
import urllib.error
import urllib.request
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ecslocal import REGION, ServerTest

KEY, SECRET = "AKIDSIM", "s3cr3t/key+value"
TARGET = "AmazonEC2ContainerServiceV20141113.ListClusters"


class SigV4(ServerTest):
    server_args = ("--require-sigv4", "%s:%s" % (KEY, SECRET))

    def send(self, body=b"{}", signed_body=None, shift=None, key=KEY, secret=SECRET,
             sign=True):
        """Signs with botocore's pure-Python SigV4Auth (optionally at a shifted
        time or over another body) and sends with urllib."""
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET}
        req = AWSRequest(method="POST", url=self.server.url + "/",
                         data=signed_body if signed_body is not None else body,
                         headers=headers)
        if sign:
            signer = botocore.auth.SigV4Auth(Credentials(key, secret), "ecs", REGION)
            if shift:
                fake = mock.Mock(wraps=datetime)
                fake.datetime.utcnow.return_value = datetime.datetime.utcnow() + shift
                with mock.patch.object(botocore.auth, "datetime", fake):
                    signer.add_auth(req)
            else:
                signer.add_auth(req)
        out = urllib.request.Request(self.server.url + "/", data=body, method="POST")
        for k, v in req.headers.items():
            out.add_header(k, v if isinstance(v, str) else v.decode())
        try:
            with urllib.request.urlopen(out, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            with e:
                return e.code, json.loads(e.read())

    def test_botocore_client_with_right_secret_works(self):
        ecs = self.server.client(key=KEY, secret=SECRET)
        ecs.create_cluster(clusterName="signed")
        self.assertIn(self.arn("cluster/signed"), ecs.list_clusters()["clusterArns"])
        # the pure-Python signer too (the client above may use awscrt's)
        self.assertEqual(self.send()[0], 200)

    def test_wrong_secret(self):
        ecs = self.server.client(key=KEY, secret="wrong")
        with self.assertRaises(ecs.exceptions.ClientError) as e:
            ecs.list_clusters()
        err = e.exception.response["Error"]
        self.assertEqual(err["Code"], "InvalidSignatureException")
        self.assertTrue(err["Message"].startswith(
            "The request signature we calculated does not match the signature you provided."))
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_unknown_key(self):
        ecs = self.server.client(key="AKIDOTHER", secret=SECRET)
        with self.assertRaises(ecs.exceptions.ClientError) as e:
            ecs.list_clusters()
        self.assertEqual(e.exception.response["Error"],
                         {"Code": "UnrecognizedClientException",
                          "Message": "The security token included in the request is invalid."})

    def test_missing_signature(self):
        status, body = self.send(sign=False)
        self.assertEqual((status, body["__type"]), (400, "MissingAuthenticationTokenException"))

    def test_tampered_body(self):
        status, body = self.send(body=b'{"maxResults": 5}', signed_body=b"{}")
        self.assertEqual((status, body["__type"]), (400, "InvalidSignatureException"))

    def test_clock_skew(self):
        status, body = self.send(shift=datetime.timedelta(minutes=-6))
        self.assertEqual((status, body["__type"]), (400, "InvalidSignatureException"))
        self.assertRegex(body["message"], r"^Signature expired: \d{8}T\d{6}Z is now earlier "
                                          r"than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$")
        status, body = self.send(shift=datetime.timedelta(minutes=7))
        self.assertEqual((status, body["__type"]), (400, "InvalidSignatureException"))
        self.assertTrue(body["message"].startswith("Signature not yet current:"))
        self.assertEqual(self.send(shift=datetime.timedelta(minutes=-4))[0], 200)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
