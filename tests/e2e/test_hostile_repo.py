"""Hostile repositories: what a commit (or a checkout read with --worktree) can
do to the process reading it. Trees too deep or too wide, one big blob named
by many paths, content past the byte budget of a load, and symbolic links are
clean errors naming the path, never a crash or a read outside the repository.
The git objects are written straight into a pack (gitpack.py): 75,000 nested
folders take under a second that way."""
import os
import tempfile
import unittest

import gitpack
from ecslocal import FILES, ServerRepoCase, Watch, ecsctl

CLUSTER = b"kind: Cluster\nclusterName: shop\n"


def validate(repo, *args):
    r = ecsctl(None, repo, "validate", *args)
    return r.returncode, r.stdout, r.stderr


def padded(doc, size=4 << 20):
    """`doc` grown to `size` bytes with comment lines: the bytes count against
    the budgets as any others, but parse quickly (the slow-to-parse case is
    bench/hostile.py's)."""
    line = b"#" + b"x" * 99 + b"\n"
    return doc + line * ((size - len(doc)) // len(line))


TASKDEF = (b"kind: TaskDefinition\nfamily: %s\ncontainerDefinitions:\n"
           b"  - {name: app, image: nginx, memory: 512}\n")


class HostileRepo(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="ecsctl-hostile-")
        self.addCleanup(self.tmp.cleanup)

    def repo(self, build, name="repo"):
        return gitpack.make_repo(os.path.join(self.tmp.name, name), build)

    def test_deep_tree_is_an_error_not_a_crash(self):
        # libgit2's recursive tree walk overflowed the stack here (SIGSEGV)
        repo = self.repo(lambda p: gitpack.nested(p, 75000))
        # plan reads git before it calls ECS (nothing listens on port 9)
        for cmd in (["validate"], ["render"], ["plan", "--endpoint-url", "http://127.0.0.1:9"]):
            p = ecsctl(None, repo, *cmd, AWS_EC2_METADATA_DISABLED="true")
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertRegex(p.stderr, r"^error: %s@[0-9a-f]{7}: (d/){32}d: folders nested "
                             r"deeper than 32 levels" % repo)
        # 32 levels are read; the file at the bottom counts
        rc, out, err = validate(self.repo(lambda p: gitpack.nested(p, 32), "ok32"))
        self.assertEqual(rc, 0, err)
        self.assertIn("1 cluster", out)
        rc, out, err = validate(self.repo(lambda p: gitpack.nested(p, 33), "no33"))
        self.assertEqual(rc, 1, err)
        # on disk: the same limit, walked without recursion or links
        deep = os.path.join(self.tmp.name, "disk", *(["d"] * 40))
        os.makedirs(deep)
        rc, out, err = validate(os.path.join(self.tmp.name, "disk"), "--worktree")
        self.assertEqual(rc, 1, err)
        self.assertIn("disk/%sd: folders nested deeper than 32 levels" % ("d/" * 32), err)

    def test_wide_tree_is_an_error(self):
        def wide(p):
            blob = p.add(b"blob", b"# nothing\n")
            return p.tree([(b"100644", b"f%06d.txt" % i, blob) for i in range(100001)])
        rc, out, err = validate(self.repo(wide))
        self.assertEqual(rc, 1, err)
        self.assertIn("more than 100000 files and folders under the config root", err)

    def test_one_blob_under_many_names_is_parsed_once(self):
        # a hundred paths, one 4 MiB blob: each was parsed again (92 s for a
        # slow-to-parse blob, bench/hostile.py); now the duplicates come from
        # the first parse
        def repeat(p):
            blob = p.add(b"blob", padded(TASKDEF % b"big"))
            bad = p.add(b"blob", b"kind: Nope\n")
            return p.tree([(b"100644", b"f%03d.yaml" % i, blob) for i in range(100)] +
                          [(b"100644", b"bad%d.yaml" % i, bad) for i in range(2)])
        rc, out, err = validate(self.repo(repeat))
        self.assertEqual(rc, 1, err)
        lines = err.splitlines()
        for i in range(1, 100):
            self.assertIn("error: f%03d.yaml:1:1: duplicate TaskDefinition 'big' (first "
                          "defined at f000.yaml:1:1)" % i, lines)
        self.assertIn("error: bad0.yaml:1:7: unknown kind 'Nope' (Cluster, TaskDefinition or "
                      "Service)", lines)
        # errors in one content are reported once, where it was read first
        self.assertIn("error: bad1.yaml: same content as 'bad0.yaml', whose errors are "
                      "reported there", lines)
        self.assertEqual(sum("unknown kind" in line for line in lines), 1)

        # on disk, hard links are one content too
        disk = os.path.join(self.tmp.name, "disk")
        os.mkdir(disk)
        with open(os.path.join(disk, "a.yaml"), "wb") as f:
            f.write(b"kind: Nope\n")
        os.link(os.path.join(disk, "a.yaml"), os.path.join(disk, "b.yaml"))
        rc, out, err = validate(disk, "--worktree")
        self.assertEqual(rc, 1, err)
        self.assertIn("b.yaml: same content as '%s/a.yaml'" % disk, err)

    def test_a_load_has_a_byte_budget(self):
        def distinct(p):
            blobs = [p.add(b"blob", padded(TASKDEF % (b"t%d" % i))) for i in range(9)]
            return p.tree([(b"100644", b"f%d.yaml" % i, b) for i, b in enumerate(blobs)])
        rc, out, err = validate(self.repo(distinct))
        self.assertEqual(rc, 1, err)
        self.assertIn("error: f8.yaml: the files of the config root hold more than 32 MiB, "
                      "the limit of one load", err)
        # variable files too: one 4 MiB file listed nine times
        def var_files(p):
            settings = b"name: shop\nenvironments:\n  prod:\n    varFiles: [%s]\n" % (
                b", ".join([b"vars/big.yaml"] * 9))
            big = p.add(b"blob", padded(b"X: 1\n"))
            return p.tree([(b"100644", b"ecsctl.yaml", p.add(b"blob", settings)),
                           (b"40000", b"vars", p.tree([(b"100644", b"big.yaml", big)]))])
        rc, out, err = validate(self.repo(var_files, "vars"), "--env", "prod")
        self.assertEqual(rc, 1, err)
        self.assertIn("variable file 'vars/big.yaml': the variable files hold more than 32 MiB "
                      "together, the limit of one load", err)
        # a blob over the file limit is refused from its header, not inflated first
        rc, out, err = validate(self.repo(lambda p: p.tree(
            [(b"100644", b"huge.yaml", p.add(b"blob", b"#" * (5 << 20)))]), "huge"))
        self.assertEqual(rc, 1, err)
        self.assertIn("huge.yaml: file is larger than the limit of 4194304 bytes", err)

    def test_links_are_never_followed(self):
        outside = os.path.join(self.tmp.name, "outside")
        os.mkdir(outside)
        with open(os.path.join(outside, "secret.yaml"), "wb") as f:
            f.write(CLUSTER)
        disk = os.path.join(self.tmp.name, "disk")
        os.makedirs(os.path.join(disk, "deploy"))
        with open(os.path.join(disk, "deploy", "shop.yaml"), "wb") as f:
            f.write(CLUSTER)
        self.assertEqual(validate(disk, "--worktree", "--path", "deploy")[0], 0)

        # a file link, in a folder on disk
        link = os.path.join(disk, "deploy", "other.yaml")
        os.symlink(os.path.join(outside, "secret.yaml"), link)
        rc, out, err = validate(disk, "--worktree", "--path", "deploy")
        self.assertEqual(rc, 1, err)
        self.assertIn("error: %s/deploy/other.yaml: a symbolic link; ecsctl reads only "
                      "regular files and does not follow links" % disk, err)
        os.remove(link)
        # a folder link is not followed: its files are not read
        os.symlink(outside, os.path.join(disk, "deploy", "more"))
        rc, out, err = validate(disk, "--worktree", "--path", "deploy")
        self.assertEqual(rc, 0, err)
        self.assertIn("1 cluster", out)
        # --path through a link in the checkout
        os.symlink(outside, os.path.join(disk, "elsewhere"))
        rc, out, err = validate(disk, "--worktree", "--path", "elsewhere")
        self.assertEqual(rc, 1, err)
        self.assertIn("is reached through a symbolic link; --worktree does not follow links "
                      "inside the repository", err)

        # committed: a link named like a desired-state file is an error, not skipped
        def committed(p):
            return p.tree([(b"100644", b"shop.yaml", p.add(b"blob", CLUSTER)),
                           (b"120000", b"other.yaml",
                            p.add(b"blob", os.path.join(outside, "secret.yaml").encode()))])
        rc, out, err = validate(self.repo(committed))
        self.assertEqual(rc, 1, err)
        self.assertIn("other.yaml: a symbolic link; ecsctl reads only regular files", err)


class HostileCommitInWatch(ServerRepoCase):
    """One hostile commit must not stop the controller: the reconcile fails, the
    process stays up and answers health checks."""
    repo_source, repo_files = None, FILES

    def test_deep_commit_fails_the_reconcile_only(self):
        w = Watch(self.server, self.repo, "--interval", "200ms")
        self.addCleanup(w.stop)
        w.wait_for(lambda d: d["msg"] == "reconcile done")
        pack = gitpack.Pack()
        commit = pack.commit(gitpack.nested(pack, 75000))
        pack.write(os.path.join(self.repo.dir, ".git"))
        gitpack.set_branch(self.repo.dir, commit)
        w.wait_for(lambda d: d["msg"] == "reconcile done" and d["result"] == "failed")
        # the error names the commit, so the one to revert is known
        self.assertTrue(any("@%s: " % commit.hex()[:7] in v and
                            "folders nested deeper than 32 levels" in v
                            for line in w.log for v in line.values()), w.log[-3:])
        self.assertEqual(w.get("/healthz")[0], 200)
        self.assertIsNone(w.proc.poll())
        self.assertEqual(w.stop(), 0)


if __name__ == "__main__":
    unittest.main()
