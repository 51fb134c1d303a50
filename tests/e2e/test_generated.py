"""The committed generated files are what scripts/regen.sh makes from the
vendored botocore model (schema/botocore/), and the generators refuse a model
that drifted from what they were written against."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

SOURCE = os.environ.get("ECSCTL_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
VENDOR = os.path.join(SOURCE, "schema", "botocore")
GENERATED = {"ecs_schema_data.c": os.path.join(SOURCE, "schema", "ecs_schema_data.c"),
             "partitions_gen.c": os.path.join(SOURCE, "aws", "partitions_gen.c")}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class GeneratedFilesTest(unittest.TestCase):
    def test_committed_files_are_up_to_date(self):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["sh", os.path.join(SOURCE, "scripts", "regen.sh"), tmp],
                           check=True, capture_output=True, timeout=120)
            for name, committed in GENERATED.items():
                self.assertEqual(read(os.path.join(tmp, name)), read(committed),
                                 "%s is stale: run sh scripts/regen.sh" % committed)
        self.assertNotIn("<p>", read(GENERATED["ecs_schema_data.c"]))  # facts only

    def test_headers_name_the_pinned_model(self):
        pins = {}
        for line in read(os.path.join(VENDOR, "PINS")).splitlines():
            if line.strip() and not line.startswith("#"):
                name, version, sha = line.split()
                pins[name] = (version, sha)
        for name, committed in (("service-2.json", GENERATED["ecs_schema_data.c"]),
                                ("partitions.json", GENERATED["partitions_gen.c"])):
            version, sha = pins[name]
            self.assertIn("botocore %s %s sha256 %s" % (version, name, sha),
                          read(committed)[:600])

    def test_a_vendored_file_changed_without_its_pin_stops_the_generator(self):
        with tempfile.TemporaryDirectory() as tmp:
            # a copy of the project's scripts and vendored model, one byte changed
            shutil.copytree(os.path.join(SOURCE, "scripts"), os.path.join(tmp, "scripts"))
            shutil.copytree(VENDOR, os.path.join(tmp, "schema", "botocore"))
            path = os.path.join(tmp, "schema", "botocore", "partitions.json")
            with open(path, "a", encoding="utf-8") as f:
                f.write(" ")
            p = subprocess.run(["/usr/bin/python3",
                                os.path.join(tmp, "scripts", "gen-partitions.py")],
                               capture_output=True, text=True, timeout=60)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("is not the pinned", p.stderr)

    def test_a_vanished_documented_limit_stops_the_generator(self):
        model = json.loads(read(os.path.join(VENDOR, "service-2.json")))
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
