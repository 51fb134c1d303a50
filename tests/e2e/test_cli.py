"""ecsctl --help, written from the flag table each command parses: every flag a
command parses is listed, every listed flag is parsed, examples use only listed
flags, and only the global flags the command reads are shown."""
import os
import re
import subprocess
import unittest

from ecslocal import ECSCTL, SRC, WRAPPER, env

FLAG_ENTRY = re.compile(r'\{"([a-z][a-z0-9-]*)", (?:0|\'.\'), FLAG_')
# a placeholder's value the parser takes (durations, numbers; any string else)
VALUES = {"D": "1s", "N": "1"}


def run(*args):
    return subprocess.run([*WRAPPER, ECSCTL, *args], capture_output=True, text=True,
                          timeout=60, env=env())


def table_flags(source):
    with open(os.path.join(SRC, "cmd", source), encoding="utf-8") as f:
        return set(FLAG_ENTRY.findall(f.read()))


def sections(text):
    """{"options": [(name, arg)], "global options": [...], "examples": [lines], ...}"""
    out, current = {}, None
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
            out[current] = []
        elif current and line.strip():
            out[current].append(line)
    for key in ("options", "global options"):
        out[key] = [m.groups() for m in
                    (re.search(r"--([a-z0-9-]+)(?: (\S+))?", l) for l in out.get(key, []))]
    return out


def commands():
    r = run("--help")
    return re.findall(r"^  ([a-z]+) ", r.stdout.split("commands:")[1], re.M)


class HelpTest(unittest.TestCase):
    def help(self, name):
        r = run(name, "--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout, sections(r.stdout)

    def test_every_command_is_listed(self):
        self.assertEqual(set(commands()),
                         {"validate", "render", "plan", "apply", "drift", "status", "watch",
                          "import"})

    def test_help_lists_exactly_the_flags_the_command_parses(self):
        for name in commands():
            with self.subTest(command=name):
                _, s = self.help(name)
                listed = {flag for flag, _ in s.get("options", [])}
                self.assertEqual(listed, table_flags("cmd_%s.c" % name))
                self.assertLessEqual({f for f, _ in s["global options"]},
                                     table_flags("cli.c"))

    def test_every_listed_flag_is_parsed(self):
        """The parser takes each flag with a value of its placeholder's kind;
        --help after it then prints help (an unknown flag exits 64 first)."""
        for name in commands():
            _, s = self.help(name)
            for flag, arg in s.get("options", []) + s["global options"]:
                with self.subTest(command=name, flag=flag):
                    value = [VALUES.get(arg, "x")] if arg else []
                    r = run(name, "--" + flag, *value, "--help")
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertTrue(r.stdout.startswith("usage: ecsctl %s " % name))

    def test_flags_the_old_usage_lines_missed(self):
        for name, flags in {"apply": {"allow-replace", "target", "poll-interval"},
                            "watch": {"log-format", "max-backoff"},
                            "import": {"adopt"}}.items():
            _, s = self.help(name)
            self.assertLessEqual(flags, {f for f, _ in s["options"]}, name)

    def test_only_the_global_flags_a_command_reads(self):
        _, s = self.help("validate")
        shown = {f for f, _ in s["global options"]}
        self.assertIn("repo", shown)
        self.assertIn("var-file", shown)
        self.assertFalse(shown & {"region", "profile", "endpoint-url", "output"}, shown)
        _, s = self.help("import")
        shown = {f for f, _ in s["global options"]}
        self.assertIn("endpoint-url", shown)
        self.assertFalse(shown & {"repo", "ref", "path", "env", "var"}, shown)
        _, s = self.help("plan")
        self.assertLessEqual({"repo", "region", "output", "verbose", "help"},
                             {f for f, _ in s["global options"]})
        # still accepted where not read: behaviour is unchanged
        self.assertEqual(run("validate", "--region", "eu-west-1", "--help").returncode, 0)

    def test_examples_use_only_listed_flags(self):
        for name in commands():
            with self.subTest(command=name):
                text, s = self.help(name)
                listed = {f for f, _ in s.get("options", []) + s["global options"]}
                lines = [l.strip() for l in s["examples"] if l.startswith("  ecsctl ")]
                self.assertGreaterEqual(len(lines), 1)
                for line in lines:
                    self.assertTrue(line.startswith("ecsctl %s" % name), line)
                    used = set(re.findall(r"(?:^| )--([a-z0-9-]+)", line))
                    self.assertLessEqual(used, listed, line)
                    for short in re.findall(r" -([a-z])\b", line):
                        self.assertIn("-%s, --" % short, text, line)

    def test_exit_codes(self):
        codes = {}
        for name in commands():
            _, s = self.help(name)
            codes[name] = {int(l.split()[0]) for l in s["exit codes"]}
        for name in codes:
            self.assertLessEqual({0, 1, 64}, codes[name], name)
        self.assertIn(2, codes["plan"])
        self.assertIn(2, codes["drift"])
        self.assertEqual(codes["apply"] - {0, 1, 64}, {3, 4})
        self.assertNotIn(2, codes["validate"])

    def test_help_command_and_flag_agree(self):
        self.assertEqual(run("help", "apply").stdout, run("apply", "--help").stdout)
        self.assertEqual(run("apply", "-h").stdout, run("apply", "--help").stdout)


if __name__ == "__main__":
    unittest.main()
