"""The .deb (cmake/install.cmake, docs/install.md): CPack builds it from this
build tree, dpkg unpacks it into an empty root, and the installed ecsctl and
ecs-local run the quick start (apply examples/ staging, then an empty plan).
Its Depends must name exactly the packages whose libraries the binaries load."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from ecslocal import SRC, EcsLocal, Repo, ecsctl

BUILD = os.path.dirname(os.environ.get("ECSCTL_BIN_DIR") or os.path.join(SRC, "build", "bin"))
LIBRARIES = ("libcurl", "libyaml", "jansson", "libgit2", "openssl", "libmicrohttpd")


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def needed_packages(binary):
    """The Debian packages holding the shared libraries `binary` loads directly."""
    needed = re.findall(r"NEEDED\s+(\S+)", run("objdump", "-p", binary))
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)", run("ldd", binary), re.M))
    packages = set()
    for soname in needed:
        path = os.path.realpath(paths[soname])
        owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if owner.returncode:  # /lib is a link to /usr/lib: dpkg knows one of both
            owner = subprocess.run(["dpkg", "-S", path.replace("/usr/lib/", "/lib/", 1)],
                                   capture_output=True, text=True, check=True)
        packages.add(owner.stdout.split(":")[0])
    return packages


class InstalledDeb(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ecsctl-deb-")
        run("cpack", "-G", "DEB", "-B", cls.tmp, "--config",
            os.path.join(BUILD, "CPackConfig.cmake"))
        debs = [f for f in os.listdir(cls.tmp) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(cls.tmp, debs[0])
        cls.root = os.path.join(cls.tmp, "root")
        run("dpkg-deb", "-x", cls.deb, cls.root)
        cls.bin = os.path.join(cls.root, "usr", "bin")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def installed(self, *rel):
        path = os.path.join(self.root, "usr", *rel)
        self.assertTrue(os.path.isfile(path), "%s is not in the .deb" % "/".join(rel))
        return path

    def read(self, *rel):
        with open(self.installed(*rel)) as f:
            return f.read()

    def test_version(self):
        out = run(os.path.join(self.bin, "ecsctl"), "--version")
        self.assertRegex(out, r"^ecsctl \d+\.\d+\.\d+\n$")
        doc = json.loads(run(os.path.join(self.bin, "ecsctl"), "version", "--output", "json"))
        self.assertEqual("ecsctl " + doc["version"] + "\n", out)
        self.assertEqual(sorted(doc["libraries"]), sorted(LIBRARIES))
        for name, version in doc["libraries"].items():
            self.assertRegex(version, r"^\d+\.\d+", name)
        self.assertRegex(run(os.path.join(self.bin, "ecs-local"), "--version"), r"^ecs-local ")

    def test_manual_pages_and_completions(self):
        help_text = run(os.path.join(self.bin, "ecsctl"), "--help")
        commands = re.findall(r"^  ([a-z]+) ", help_text, re.M)
        self.assertIn("apply", commands)
        self.assertTrue(self.read("share", "man", "man1", "ecsctl.1").startswith(".TH ECSCTL 1"))
        for c in commands:  # roff writes '-' as '\-'
            self.assertTrue(self.read("share", "man", "man1", "ecsctl-%s.1" % c).startswith(
                ".TH ECSCTL\\-%s 1" % c.upper()), c)
        bash = self.installed("share", "bash-completion", "completions", "ecsctl")
        out = run("bash", "-c", 'source "$1" && complete -p ecsctl', "bash", bash)
        self.assertIn("ecsctl", out)
        zsh = self.read("share", "zsh", "site-functions", "_ecsctl")
        self.assertTrue(zsh.startswith("#compdef ecsctl"), zsh[:40])
        self.assertIn("complete -c ecsctl",
                      self.read("share", "fish", "vendor_completions.d", "ecsctl.fish"))

    def test_depends_names_the_loaded_libraries(self):
        depends = run("dpkg-deb", "-f", self.deb, "Depends")
        declared = {d.strip().split(" ")[0] for d in depends.split(",")}
        needed = set()
        for b in ("ecsctl", "ecs-local"):
            needed |= needed_packages(os.path.join(self.bin, b))
        # an ASan build also loads the sanitizer runtimes: those come with the compiler
        needed = {p for p in needed if not re.match(r"lib(asan|ubsan|gcc-s)\d*$", p)}
        declared = {p for p in declared if not re.match(r"lib(asan|ubsan|gcc-s)\d*$", p)}
        self.assertEqual(declared, needed)
        for lib in ("libcurl4", "libgit2-1.5", "libmicrohttpd12", "libssl3", "libc6"):
            self.assertIn(lib, declared)

    def test_quick_start(self):
        repo = Repo(source="examples")
        self.addCleanup(repo.cleanup)
        ecsctl_bin = os.path.join(self.bin, "ecsctl")
        with EcsLocal(binary=os.path.join(self.bin, "ecs-local")) as server:
            r = ecsctl(server, repo, "apply", "--auto-approve", "--env", "staging",
                       "--poll-interval", "100ms", binary=ecsctl_bin, timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("shop-staging", r.stdout)
            r = ecsctl(server, repo, "plan", "--detailed-exitcode", "--env", "staging",
                       binary=ecsctl_bin)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("No changes.", r.stdout)


if __name__ == "__main__":
    unittest.main()
