"""docs/ecsctl-yaml.md: it names every key ecsctl.yaml and an environment take
(the shapes scripts/gen-schema.py generates the checks from), and its example
is a valid ecsctl.yaml in both of its environments."""
import importlib.util
import os
import re
import sys
import unittest

from ecslocal import SRC, Repo, ecsctl

sys.path.insert(0, os.path.join(SRC, "scripts"))  # gen-schema.py imports its neighbours
spec = importlib.util.spec_from_file_location(
    "gen_schema", os.path.join(SRC, "scripts", "gen-schema.py"))
gen_schema = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen_schema)

with open(os.path.join(SRC, "docs", "ecsctl-yaml.md")) as f:
    DOC = f.read()


def documented_keys():
    """The first cell of every table row: `wait.timeout` counts for wait and timeout."""
    keys = set()
    for cell in re.findall(r"^\| `([A-Za-z.]+)` \|", DOC, re.M):
        keys.update(cell.split("."))
    return keys


def members(shape):
    return set(gen_schema.ECSCTL_SHAPES[shape]["members"])


class SettingsDoc(unittest.TestCase):
    def test_every_key_is_documented(self):
        keys = members("EcsctlSettings") | members("EcsctlEnvironment") | \
            members("EcsctlWait") | members("EcsctlIgnoreRule") | members("EcsctlHooks") | \
            members("EcsctlHook") | members("EcsctlLock") | {"variables", "environments"}
        self.assertEqual(keys - documented_keys(), set())
        self.assertEqual(documented_keys() - keys, set(), "documented keys ecsctl does not take")

    def test_example_validates(self):
        example = re.search(r"## Example.*?```yaml\n(.*?)```", DOC, re.S).group(1)
        repo = Repo(source="examples")
        self.addCleanup(repo.cleanup)
        repo.write("examples/ecsctl.yaml", example)
        repo.commit("the documented ecsctl.yaml")
        for e in ("staging", "prod"):
            r = ecsctl(None, repo, "validate", "--env", e)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("ok:", r.stdout)


if __name__ == "__main__":
    unittest.main()
