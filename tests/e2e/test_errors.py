"""AWS errors as the CLI prints them: the error name, the HTTP status and the
x-amzn-RequestId ecs-local answered with, for plan (reads) and apply (writes)
alike, so a failed run in CI can be matched to AWS's side."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ecslocal import ServerRepoCase  # noqa: E402

# one attempt: the first refusal is the answer, no retry hides it
ONE_TRY = {"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
REQUEST_ID = r"request id [0-9a-f-]{8,}\)"


class PlanErrors(ServerRepoCase):
    # one token and no refill to speak of: plan's reads after the first are refused
    server_args = ("--throttle", "0.001:1")

    def test_plan_error_names_code_status_and_request_id(self):
        r = self.run_ok("plan", expect=1, **ONE_TRY)
        self.assertRegex(r.stderr, r"error: reading live ECS state: \w+: ThrottlingException: "
                         r".*\(HTTP 400, " + REQUEST_ID)
        self.assertEqual(r.stdout, "")


class ApplyErrors(ServerRepoCase):
    # the examples put two services in cluster shop: the second CreateService is refused
    server_args = ("--quota-services-per-cluster", "1")

    def test_apply_error_names_the_change_and_request_id(self):
        r = self.run_ok("apply", "--auto-approve", "--poll-interval", "100ms", expect=1,
                        **ONE_TRY)
        m = re.search(r"^error: create '[^']+': CreateService: InvalidParameterException: "
                      r".*\(HTTP 400, " + REQUEST_ID + "$", r.stderr, re.M)
        self.assertIsNotNone(m, r.stderr)


if __name__ == "__main__":
    unittest.main()
