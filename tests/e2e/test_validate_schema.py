"""The committed schema/ecs_schema_data.c is what scripts/gen-schema.py makes.

Needs the botocore model the file was generated from (../shared/ecs-api/ next to
the project, or ECSCTL_ECS_MODEL); skipped without it, since users do not have it.
"""
import os
import subprocess
import tempfile
import unittest

SOURCE = os.environ.get("ECSCTL_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.environ.get("ECSCTL_ECS_MODEL",
                       os.path.join(SOURCE, "..", "shared", "ecs-api", "service-2.json"))


@unittest.skipUnless(os.path.exists(MODEL), "no botocore ECS model at " + MODEL)
class GeneratedSchemaTest(unittest.TestCase):
    def test_committed_file_is_up_to_date(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "ecs_schema_data.c")
            subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "scripts", "gen-schema.py"),
                            MODEL, out], check=True, capture_output=True, timeout=60)
            with open(out, encoding="utf-8") as f:
                generated = f.read()
        with open(os.path.join(SOURCE, "schema", "ecs_schema_data.c"), encoding="utf-8") as f:
            committed = f.read()
        self.assertEqual(generated, committed,
                         "schema/ecs_schema_data.c is stale: run scripts/gen-schema.py")
        self.assertNotIn("<p>", committed)  # facts only, no documentation text

    def test_a_vanished_documented_limit_stops_the_generator(self):
        import json
        with open(MODEL, encoding="utf-8") as f:
            model = json.load(f)
        member = model["shapes"]["AwsVpcConfiguration"]["members"]["subnets"]
        member["documentation"] = member["documentation"].replace("limit of 16", "limit of 20")
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "service-2.json")
            with open(src, "w", encoding="utf-8") as f:
                json.dump(model, f)
            p = subprocess.run(["/usr/bin/python3",
                                os.path.join(SOURCE, "scripts", "gen-schema.py"),
                                src, os.path.join(tmp, "out.c")],
                               capture_output=True, text=True, timeout=60)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("AwsVpcConfiguration.subnets no longer says", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "out.c")))


if __name__ == "__main__":
    unittest.main()
