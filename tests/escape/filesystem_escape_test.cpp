// SPDX-License-Identifier: Apache-2.0
// Getting at host files: secrets in the real home (~/.ssh), writing through a read-only bind,
// remounting it read-write, unmounting the tmpfs over $HOME to reveal the real home (also
// from a nested user namespace, where the kernel's MNT_LOCKED is the last line), and mounts
// made inside leaking to the host.
#include "escape_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

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
