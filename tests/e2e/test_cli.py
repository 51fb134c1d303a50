"""ecsctl --help, written from the flag table each command parses: every flag a
command parses is listed, every listed flag is parsed, examples use only listed
flags, and only the global flags the command reads are shown."""
import json
import os
import re
import shutil
import subprocess
import unittest

from ecslocal import ECSCTL, SRC, ecsctl, env

FLAG_ENTRY = re.compile(r'\{"([a-z][a-z0-9-]*)", (?:0|\'.\'), FLAG_')
# a placeholder's value the parser takes (durations, numbers; any string else)
VALUES = {"D": "1s", "N": "1"}


def run(*args):
    return ecsctl(None, None, *args)


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
                         {"validate", "render", "plan", "apply", "drift", "status", "run",
                          "tasks", "rollback", "promote", "abort", "watch", "import",
                          "policy", "unlock",
                          "completion", "man", "version"})

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
                    line = re.split(r" [|>] ", line)[0]  # what ecsctl itself reads
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


def bash_complete(*words):
    """COMPREPLY of the generated bash completion for the command line `words`
    (the last one being completed)."""
    script = ('source <("$ECSCTL_RUN" completion bash) || exit 9\n'
              'COMP_WORDS=(ecsctl "$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n'
              '_ecsctl; printf "%s\\n" "${COMPREPLY[@]}"\n')
    r = subprocess.run(["bash", "-c", script, "bash", *words], capture_output=True,
                       text=True, timeout=60, env=env(ECSCTL_RUN=ECSCTL))
    assert r.returncode == 0, r.stderr
    return {w for w in r.stdout.split("\n") if w}


def listed_flags(name):
    s = sections(run(name, "--help").stdout)
    return {f for f, _ in s.get("options", []) + s["global options"]}


class CompletionTest(unittest.TestCase):
    def test_bash_completes_the_flags_of_apply(self):
        got = bash_complete("apply", "--")
        self.assertEqual({w[2:] for w in got}, listed_flags("apply"))
        self.assertIn("--allow-replace", got)
        self.assertNotIn("--log-format", got)  # watch's, not apply's
        self.assertEqual(bash_complete("apply", "--po"), {"--poll-interval"})

    def test_bash_completes_every_command_from_its_table(self):
        for name in commands():
            with self.subTest(command=name):
                got = {w for w in bash_complete(name, "--") if w.startswith("--")}
                self.assertEqual({w[2:] for w in got}, listed_flags(name))

    def test_bash_commands_values_and_arguments(self):
        self.assertLessEqual({"apply", "plan", "watch", "completion", "man"},
                             bash_complete(""))
        self.assertEqual(bash_complete("plan", "--output", ""), {"text", "json"})
        self.assertEqual(bash_complete("apply", "--timeout", ""), set())
        self.assertEqual(bash_complete("completion", ""), {"bash", "zsh", "fish"})
        self.assertIn("import", bash_complete("man", ""))

    def test_zsh_and_fish_name_every_flag(self):
        zsh = run("completion", "zsh")
        fish = run("completion", "fish")
        self.assertEqual((zsh.returncode, fish.returncode), (0, 0))
        for name in commands():
            for flag in listed_flags(name):
                self.assertRegex(zsh.stdout, r"'\*?--%s=?'" % re.escape(flag))
                self.assertIn("__fish_seen_subcommand_from %s'" % name, fish.stdout)
            arm = zsh.stdout.split("\t%s)\n" % name)[1].split(";;")[0]
            self.assertEqual(set(re.findall(r"'\*?--([a-z0-9-]+)", arm)), listed_flags(name))
            lines = [l for l in fish.stdout.splitlines()
                     if "__fish_seen_subcommand_from %s'" % name in l]
            self.assertEqual({m for l in lines for m in re.findall(r" -l ([a-z0-9-]+)", l)},
                             listed_flags(name))
        for shell in ("zsh", "fish"):
            if shutil.which(shell):
                r = subprocess.run([shell, "-n"], input=run("completion", shell).stdout,
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)

    def test_unknown_shell(self):
        r = run("completion", "tcsh")
        self.assertEqual(r.returncode, 64)
        self.assertIn("unknown shell 'tcsh'", r.stderr)
        self.assertEqual(r.stdout, "")


class ManTest(unittest.TestCase):
    def render(self, *args):
        page = run("man", *args)
        self.assertEqual(page.returncode, 0, page.stderr)
        self.assertTrue(page.stdout.startswith(".TH "), page.stdout[:80])
        if not shutil.which("groff"):
            return page.stdout
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-P-cbou"], input=page.stdout,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        return r.stdout

    def test_command_pages_list_their_flags_examples_and_exit_codes(self):
        for name in commands():
            with self.subTest(command=name):
                text = self.render(name)
                for section in ("NAME", "SYNOPSIS", "GLOBAL OPTIONS", "EXIT STATUS"):
                    self.assertIn(section, text)
                for flag in listed_flags(name):
                    self.assertIn("--" + flag, text.replace("\\-", "-"))
        self.assertIn("--allow-replace", self.render("apply"))
        self.assertNotIn("--region", self.render("validate"))

    def test_ecsctl_page_names_every_command(self):
        text = self.render()
        for name in commands():
            self.assertIn("ecsctl-%s(1)" % name, text.replace("\\-", "-"))
        self.assertEqual(run("man", "nope").returncode, 64)


class VersionTest(unittest.TestCase):
    def test_text_and_json_say_the_same(self):
        r = run("version", "--output", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(run("--version").stdout, "ecsctl %s\n" % doc["version"])
        self.assertRegex(doc["commit"], r"^([0-9a-f]{12}(-dirty)?|unknown)$")
        self.assertRegex(doc.get("buildDate", ""), r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)?$")
        self.assertEqual(list(doc["libraries"]), ["libcurl", "libyaml", "jansson", "libgit2",
                                                  "openssl", "libmicrohttpd"])
        text = run("version").stdout.splitlines()
        self.assertEqual(text[:2], ["ecsctl " + doc["version"], "commit " + doc["commit"]])
        for name, version in doc["libraries"].items():
            self.assertRegex(version, r"^\d+\.\d+")
            self.assertIn("%s %s" % (name, version), text)

    def test_the_running_libraries(self):
        """The versions are the loaded libraries', not the headers' of the build."""
        doc = json.loads(run("version", "--output", "json").stdout)
        curl = subprocess.run(["curl-config", "--version"], capture_output=True, text=True)
        if curl.returncode == 0:
            self.assertEqual("libcurl " + doc["libraries"]["libcurl"], curl.stdout.strip())
        self.assertTrue(doc["libraries"]["openssl"].startswith("3."))

    def test_takes_no_arguments(self):
        self.assertEqual(run("version", "extra").returncode, 64)


if __name__ == "__main__":
    unittest.main()
