// SPDX-License-Identifier: Apache-2.0
// The root filesystem the default profile builds: / read-only, private /tmp, empty $HOME,
// the cwd bound read-write, fresh /proc, minimal /dev; binds from flags.
#include "harness.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

using namespace sbx::test;

class Filesystem : public SandboxTest {};

namespace {
// "fstype,ro|rw,propagation" -> field i
std::string field(const std::string &mount_fact, size_t i) {
  auto parts = split(mount_fact, ',');
  return i < parts.size() ? parts[i] : "<none>";
}
} // namespace

TEST_F(Filesystem, RootIsReadOnly) {
  // /var/tmp is writable by everyone on the host; inside only through a writable mount.
  const std::string target = "/var/tmp/" + marker();
  RunResult r = probe({"facts", "+", "write", target});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(field(f["mount./"], 1), "ro") << "mount./=" << f["mount./"];
  EXPECT_EQ(r.result(), "errno=EROFS") << r;
  EXPECT_FALSE(std::filesystem::exists(target)) << target << " was created on the host";
  std::filesystem::remove(target);
  // Control: outside, the same write works (so EROFS above comes from the sandbox).
  RunResult c = run_as_user({probe_bin(), "write", target});
  EXPECT_EQ(c.result(), "ok") << c;
  std::filesystem::remove(target);
}

TEST_F(Filesystem, TmpIsAPrivateWritableTmpfs) {
  // A file in the host's /tmp (our aux dir) is not visible inside.
  std::string host_file = aux() + "/host-tmp-file";
  write_file_as(host_file, "x", user());
  RunResult r = probe({"facts", "+", "write", "/tmp/inside-" + marker(), "+", "exists", host_file,
                       "+", "ls", "/tmp"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(field(f["mount./tmp"], 0), "tmpfs") << f["mount./tmp"];
  EXPECT_EQ(field(f["mount./tmp"], 1), "rw") << f["mount./tmp"];
  auto res = r.results();
  ASSERT_EQ(res.size(), 3U) << r;
  EXPECT_EQ(res[0], "ok") << "/tmp is not writable" << r;
  EXPECT_EQ(res[1], "errno=ENOENT") << "the host's /tmp is visible" << r;
  EXPECT_FALSE(std::filesystem::exists("/tmp/inside-" + marker())) << "/tmp write reached the host";
}

TEST_F(Filesystem, HomeIsAnEmptyTmpfsHidingTheRealHome) {
  const std::string home = user().home;
  const std::string secret = home + "/sbx-secret-" + marker();
  write_file_as(secret, "secret\n", user(), 0600);
  RunResult r = probe({"facts", "+", "exists", secret, "+", "ls", home, "+", "write",
                       home + "/written-inside-" + marker()});
  std::filesystem::remove(secret);
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(field(f["mount." + home], 0), "tmpfs") << f["mount." + home];
  auto res = r.results();
  ASSERT_EQ(res.size(), 3U) << r;
  EXPECT_EQ(res[0], "errno=ENOENT") << secret << " is visible inside" << r;
  EXPECT_EQ(f["entries"], "") << "$HOME is not empty";
  EXPECT_EQ(res[2], "ok") << "$HOME is not writable" << r;
  const std::string leaked = home + "/written-inside-" + marker();
  EXPECT_FALSE(std::filesystem::exists(leaked)) << "a write to $HOME reached the host";
  std::filesystem::remove(leaked);
}

TEST_F(Filesystem, CwdIsBoundReadWrite) {
  write_file_as(work() + "/from-host.txt", "hello\n", user());
  RunResult r = probe({"facts", "+", "cat", work() + "/from-host.txt", "+", "write",
                       work() + "/from-inside.txt", "written inside\n"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(f["cwd"], work());
  EXPECT_EQ(field(f["mount." + work()], 1), "rw") << f["mount." + work()];
  EXPECT_EQ(f["data"], "hello\\n") << r;
  EXPECT_EQ(r.results(), (std::vector<std::string>{"ok", "ok"})) << r;
  EXPECT_EQ(read_file(work() + "/from-inside.txt"), "written inside\n");
}

TEST_F(Filesystem, ProcIsAFreshProc) {
  Facts f = facts();
  EXPECT_EQ(field(f["mount./proc"], 0), "proc") << f["mount./proc"];
  // It is the sandbox pid namespace's proc: the test process (a host pid) is not in it.
  const std::string self = "/proc/" + std::to_string(getpid());
  RunResult r =
      probe({"exists", self, "+", "exists", "/proc/1", "+", "exists", "/proc/self/status"});
  EXPECT_EQ(r.results(), (std::vector<std::string>{"errno=ENOENT", "ok", "ok"})) << r;
}

TEST_F(Filesystem, MinimalDev) {
  RunResult pts = probe({"ls", "/dev/pts"});
  // A new devpts instance: none of the host's ptys, only ptmx.
  EXPECT_EQ(Facts(pts.out)["entries"], "ptmx") << pts;
  RunResult r = probe({"ls", "/dev", "+", "stat", "/dev/null", "+", "write", "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  auto entries = f.list("entries");
  std::set<std::string> have(entries.begin(), entries.end());
  for (const char *need : {"null", "zero", "full", "random", "urandom", "tty", "pts", "ptmx", "shm",
                           "fd", "stdin", "stdout", "stderr"})
    EXPECT_TRUE(have.count(need)) << "/dev/" << need << " missing; /dev has " << f["entries"];
  for (const char *host_only : {"vda", "sda", "fuse", "kmsg", "mem", "kvm", "loop0", "tty0"})
    EXPECT_FALSE(have.count(host_only)) << "/dev/" << host_only << " should not be there";
  EXPECT_EQ(f["type"], "char");
  EXPECT_EQ(f["rdev"], "1:3");
  EXPECT_EQ(r.result(), "ok") << "/dev/null not writable" << r;
}

TEST_F(Filesystem, RoBindIsReadOnlyBindIsWritable) {
  std::string ro = aux() + "/ro", rw = aux() + "/rw";
  std::filesystem::create_directories(ro);
  std::filesystem::create_directories(rw);
  if (running_as_root()) {
    (void)!chown(ro.c_str(), user().uid, user().gid);
    (void)!chown(rw.c_str(), user().uid, user().gid);
  }
  write_file_as(ro + "/file", "ro data\n", user());
  RunResult r = probe({"cat", ro + "/file", "+", "write", ro + "/file", "+", "write", ro + "/new",
                       "+", "write", rw + "/new", "+", "facts"},
                      {"--ro-bind", ro, "--bind", rw + ":/tmp/rw-inside", "--bind", rw});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 4U) << r;
  EXPECT_EQ(res[0], "ok") << r;
  EXPECT_EQ(res[1], "errno=EROFS") << r;
  EXPECT_EQ(res[2], "errno=EROFS") << r;
  EXPECT_EQ(res[3], "ok") << r;
  EXPECT_EQ(read_file(ro + "/file"), "ro data\n");
  EXPECT_EQ(read_file(rw + "/new"), "probe\n");
  Facts f(r.out);
  EXPECT_EQ(field(f["mount." + ro], 1), "ro") << f["mount." + ro];
  EXPECT_EQ(field(f["mount./tmp/rw-inside"], 1), "rw") << f["mount./tmp/rw-inside"];
}

TEST_F(Filesystem, TmpfsFlag) {
  Facts f = facts({"--tmpfs", "/opt"});
  EXPECT_EQ(field(f["mount./opt"], 0), "tmpfs") << f["mount./opt"];
  EXPECT_EQ(field(f["mount./opt"], 1), "rw") << f["mount./opt"];
}

TEST_F(Filesystem, NetworkIsLoopbackOnlyAndUp) {
  Facts f = facts();
  EXPECT_EQ(f["netifs"], "lo:up");
}

// Each way a launch may take brings the loopback up before the command runs. Above, the first
// process starts before the profile loads and the launcher brings it up, through a socket the
// process sends, while the process builds the root. With --uid 0 the launcher writes the id
// maps first; with a profile file the process starts after the plan and brings it up itself.
TEST_F(Filesystem, NetworkIsLoopbackOnlyAndUpInEveryLaunchPath) {
  EXPECT_EQ(facts({"--uid", "0"})["netifs"], "lo:up");
  const std::string profile = write_profile("plain.toml", "[profile]\nextends = \"default\"\n");
  EXPECT_EQ(facts({profile})["netifs"], "lo:up");
}

TEST_F(Filesystem, BusyboxRootDirectory) {
  // --root DIR: a minimal rootfs (busybox + the static probe); nothing of the host's / shows.
  const std::string root = aux() + "/rootfs";
  // The default profile mounts tmpfs on /tmp, /run and $HOME, and the root stays read-only:
  // the rootfs must have those mount points.
  for (const char *d : {"bin", "proc", "dev", "tmp", "etc", "run"})
    std::filesystem::create_directories(root + "/" + d);
  std::filesystem::create_directories(root + user().home);
  std::filesystem::copy_file("/bin/busybox", root + "/bin/busybox");
  std::filesystem::create_symlink("busybox", root + "/bin/sh");
  std::filesystem::copy_file(probe_bin(), root + "/probe");
  write_file_as(root + "/etc/marker", "rootfs\n", user());
  RunResult p =
      sandbox({"run", "--root", root, "--", "/probe", "ls", "/", "+", "cat", "/etc/marker", "+",
               "exists", "/etc/passwd", "+", "exists", probe_bin(), "+", "facts"});
  ASSERT_EQ(p.exit_code, 0) << p;
  Facts f(p.out);
  auto res = p.results();
  ASSERT_GE(res.size(), 4U) << p;
  EXPECT_EQ(f["data"], "rootfs\\n") << p;
  EXPECT_EQ(res[2], "errno=ENOENT") << "the host's /etc/passwd is visible" << p;
  EXPECT_EQ(res[3], "errno=ENOENT") << "the host's build tree is visible" << p;
  for (auto &e : f.list("entries"))
    EXPECT_TRUE(e == "bin" || e == "proc" || e == "dev" || e == "tmp" || e == "etc" ||
                e == "home" || e == "run" || e == "probe")
        << "unexpected /" << e;
  EXPECT_EQ(f["cwd"], work());
  EXPECT_EQ(f["uid"], std::to_string(user().uid));
  RunResult sh = sandbox({"run", "--root", root, "--", "/bin/sh", "-c", "echo hi from busybox"});
  EXPECT_EQ(sh.exit_code, 0) << sh;
  EXPECT_EQ(sh.out, "hi from busybox\n") << sh;
}

TEST_F(Filesystem, RunIsHidden) {
  // The host's /run (session sockets, D-Bus, systemd state) is replaced by an empty tmpfs.
  RunResult host = run_as_user({probe_bin(), "ls", "/run"}, opts_in_work({}));
  ASSERT_NE(Facts(host.out)["entries"], "") << "precondition: the host's /run is not empty";
  RunResult r = probe({"ls", "/run", "+", "facts"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(f["entries"], "") << "host /run entries are visible";
  EXPECT_EQ(field(f["mount./run"], 0), "tmpfs") << f["mount./run"];
}

TEST_F(Filesystem, KernelStateIsMaskedAndReadOnly) {
  // [filesystem] mask hides host kernel state; [filesystem] readonly makes /proc/sys & co
  // read-only. Only paths that exist on this host are checked (kcore, sysrq-trigger may not).
  RunResult r = probe({"cat", "/proc/keys", "+", "ls", "/sys/firmware", "+", "facts"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 2U) << r;
  Facts f(r.out);
  if (access("/proc/keys", F_OK) == 0) {
    EXPECT_TRUE(res[0] != "ok" || f["data"].empty()) << "/proc/keys is not masked" << r;
    EXPECT_TRUE(f.has("mount./proc/keys")) << "nothing is mounted over /proc/keys";
  }
  if (!std::filesystem::is_empty("/sys/firmware")) {
    EXPECT_TRUE(res[1] != "ok" || f["entries"].empty()) << "/sys/firmware is not masked" << r;
    EXPECT_TRUE(f.has("mount./sys/firmware")) << "nothing is mounted over /sys/firmware";
  }
  for (const char *ro :
       {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"}) {
    if (access(ro, F_OK) != 0)
      continue;
    std::string key = std::string("mount.") + ro;
    EXPECT_EQ(field(f[key], 1), "ro") << key << "=" << f[key];
  }
}
