"""Signs requests with Debian's botocore SigV4Auth at a fixed time.

Reads a JSON list of cases from the file named by argv[1] and prints a JSON
list of {"canonical", "authorization", "amzDate"} in the same order. Used by
test_aws (sigv4 known answers): the C signer must agree byte for byte.
"""
import datetime
import json
import sys
import types

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(case):
    fixed = datetime.datetime.utcfromtimestamp(case["epoch"])

    class FixedDateTime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

    botocore.auth.datetime = types.SimpleNamespace(datetime=FixedDateTime)
    seen = {}

    class Recording(botocore.auth.SigV4Auth):
        def canonical_request(self, request):
            seen["canonical"] = super().canonical_request(request)
            return seen["canonical"]

    body = case.get("body", "").encode("utf-8")
    request = AWSRequest(method=case["method"], url=case["url"], data=body,
                         headers=dict(case.get("headers", {})))
    creds = Credentials(case["accessKey"], case["secretKey"], case.get("token"))
    Recording(creds, case["service"], case["region"]).add_auth(request)
    return {"canonical": seen["canonical"],
            "authorization": request.headers["Authorization"],
            "amzDate": request.headers["X-Amz-Date"]}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    json.dump([sign(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
