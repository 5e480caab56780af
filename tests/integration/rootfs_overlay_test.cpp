// SPDX-License-Identifier: Apache-2.0
// root.overlay: copy-on-write roots with both drivers, as the unprivileged test user. Each test
// checks the host side too: what the sandbox changed must not reach the lower layer, and
// nothing (mounts, daemons, temporary directories) may outlive the run.
#include "harness.hpp"

#include <sched.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>

using namespace sbx::test;
namespace fs = std::filesystem;

namespace {

// A tiny root filesystem: busybox-static and the applets the tests use, owned by the user.
std::string make_busybox_root(const std::string &dir, const User &user) {
  const std::string root = dir + "/lower";
  for (const char *sub : {"/bin", "/etc", "/usr", "/tmp", "/proc", "/dev", "/mnt", "/home"})
    fs::create_directories(root + sub);
  fs::copy_file("/bin/busybox", root + "/bin/busybox");
  for (const char *applet : {"sh", "cat", "ls", "rm", "echo", "test", "mkdir", "stat", "kill"})
    fs::create_symlink("busybox", root + "/bin/" + applet);
  write_file_as(root + "/etc/victim", "lower\n", user);
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it)
    if (lchown(it->path().c_str(), user.uid, user.gid) != 0) {
    }
  if (lchown(dir.c_str(), user.uid, user.gid) != 0) {
  }
  return root;
}

bool busybox_available() {
  return access("/bin/busybox", X_OK) == 0;
}

} // namespace

class Overlay : public SandboxTest, public ::testing::WithParamInterface<const char *> {
protected:
  std::vector<std::string> run_args(std::vector<std::string> opts, const std::string &script) {
    std::vector<std::string> args{"run", "--overlay-driver", GetParam()};
    args.insert(args.end(), opts.begin(), opts.end());
    args.insert(args.end(), {"--", "/bin/sh", "-c", script});
    return args;
  }
};

TEST_P(Overlay, EphemeralWriteToUsrStaysInside) {
  const std::string target = "/usr/" + marker();
  RunResult r = sandbox(
      run_args({"--overlay", "ephemeral"}, "echo inside > " + target + " && cat " + target));
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "inside\n") << r;
  EXPECT_FALSE(fs::exists(target)) << target << " reached the host";
  // And it is gone for the next run.
  RunResult again = sandbox(run_args({"--overlay", "ephemeral"}, "test -e " + target));
  EXPECT_EQ(again.exit_code, 1) << again;
}

TEST_P(Overlay, PersistentOverlayKeepsChangesForTheNextRun) {
  if (!busybox_available())
    GTEST_SKIP() << "busybox-static is not installed";
  const std::string lower = make_busybox_root(aux() + "/img", user());
  const std::string dir = aux() + "/state";
  RunResult first = sandbox(
      run_args({"--root", lower, "--overlay", dir}, "echo kept > /etc/new && rm /etc/victim"));
  ASSERT_EQ(first.exit_code, 0) << first;
  RunResult second =
      sandbox(run_args({"--root", lower, "--overlay", dir}, "cat /etc/new; test -e /etc/victim"));
  EXPECT_EQ(second.out, "kept\n") << second;
  EXPECT_EQ(second.exit_code, 1) << "the deleted file came back: " << second;
  // The lower layer is untouched; the upper one holds the file and a whiteout.
  EXPECT_EQ(read_file(lower + "/etc/victim"), "lower\n");
  EXPECT_FALSE(fs::exists(lower + "/etc/new"));
  EXPECT_EQ(read_file(dir + "/upper/etc/new"), "kept\n");
  struct stat st {};
  const bool char_whiteout = lstat((dir + "/upper/etc/victim").c_str(), &st) == 0 &&
                             S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
  const bool file_whiteout = fs::exists(dir + "/upper/etc/.wh.victim");
  EXPECT_TRUE(char_whiteout || file_whiteout) << "no whiteout for /etc/victim in " << dir;
}

TEST_P(Overlay, ImageRootRunsAndStaysReadOnlyBelow) {
  if (!busybox_available())
    GTEST_SKIP() << "busybox-static is not installed";
  const std::string lower = make_busybox_root(aux() + "/img", user());
  RunResult r = sandbox(run_args({"--root", lower, "--overlay", "ephemeral"},
                                 "echo changed > /etc/victim; cat /etc/victim; ls /bin/busybox"));
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "changed\n/bin/busybox\n") << r;
  EXPECT_EQ(read_file(lower + "/etc/victim"), "lower\n");
}

TEST_P(Overlay, PlantedSymlinkDoesNotRedirectABindMount) {
  if (!busybox_available())
    GTEST_SKIP() << "busybox-static is not installed";
  const std::string lower = make_busybox_root(aux() + "/img", user());
  const std::string dir = aux() + "/state";
  // Run 1 plants /mnt/evil -> /etc in the upper layer; run 2 binds a volume through it.
  RunResult plant =
      sandbox(run_args({"--root", lower, "--overlay", dir}, "ln -s /etc /mnt/evil || "
                                                            "busybox ln -s /etc /mnt/evil"));
  ASSERT_EQ(plant.exit_code, 0) << plant;
  const std::string src = aux() + "/vol";
  fs::create_directories(src);
  write_file_as(src + "/payload", "payload\n", user());
  const std::string host_target = "/etc/sbx-" + marker();
  RunResult r = sandbox(run_args(
      {"--root", lower, "--overlay", dir, "--volume", src + ":/mnt/evil/sbx-" + marker() + ":ro"},
      "cat /etc/sbx-" + marker() + "/payload"));
  // Either the mount lands inside the sandbox's own /etc, or it is refused: never the host's.
  EXPECT_FALSE(fs::exists(host_target)) << host_target << " was created on the host";
  if (r.exit_code == 0) {
    EXPECT_EQ(r.out, "payload\n") << r;
  }
}

TEST_P(Overlay, NothingLeftBehindWhenTheCommandIsKilled) {
  HostSnapshot before = HostSnapshot::take(user());
  RunResult r =
      sandbox(run_args({"--overlay", "ephemeral"}, "echo x > /usr/" + marker() + "; kill -9 $$"));
  EXPECT_EQ(r.exit_code, 128 + 9) << r;
  EXPECT_TRUE(wait_no_processes(user().uid, "fuse-overlayfs", std::chrono::seconds(5)))
      << "a fuse-overlayfs daemon outlived the sandbox";
  expect_nothing_left_behind(before, user(), marker());
  for (const auto &dir : {std::string("/tmp")}) {
    for (const auto &e : fs::directory_iterator(dir))
      EXPECT_EQ(e.path().filename().string().rfind("sandbox-overlay-", 0), std::string::npos)
          << e.path() << " left behind";
  }
}

INSTANTIATE_TEST_SUITE_P(Drivers, Overlay, ::testing::Values("kernel", "fuse-overlayfs"),
                         [](const ::testing::TestParamInfo<const char *> &p) {
                           return std::string(p.param) == "kernel" ? "kernel" : "fuse";
                         });

class OverlayChoice : public SandboxTest {};

// Without a profile the first process makes its own mount namespace while the profile loads
// (launch::start_early); the fuse-overlayfs daemon joins that namespace once the id maps are
// written, and must never find the host's instead. On one CPU the child runs only when the
// launcher waits for it: before the launcher waited for the namespaces, 9 of 30 such runs
// failed ("setns mnt: Operation not permitted").
TEST_F(OverlayChoice, FuseDriverWithTheDefaultProfileFindsTheSandboxsMountNamespace) {
  cpu_set_t all;
  ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &all)) {
      CPU_SET(cpu, &one);
      break;
    }
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0); // the runs inherit it
  int failed = 0;
  RunResult last;
  for (int i = 0; i < 20; ++i) {
    RunResult r = sandbox(
        {"run", "--overlay", "ephemeral", "--overlay-driver", "fuse-overlayfs", "--", "/bin/true"});
    if (r.exit_code != 0) {
      ++failed;
      last = r;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof all, &all), 0);
  EXPECT_EQ(failed, 0) << "of 20 runs; the last failure: " << last;
}

TEST_F(OverlayChoice, AutoSaysWhichDriverAndWhy) {
  RunResult r = sandbox({"run", "-v", "--overlay", "ephemeral", "--", "/bin/true"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("root.overlay_driver = \"auto\" chose"), std::string::npos) << r;
}

TEST_F(OverlayChoice, PersistentWithoutDirectoryIsAProfileError) {
  auto profile = write_profile("p.toml", "[root]\noverlay = \"persistent\"\n");
  RunResult r = sandbox({"run", profile, "--", "/bin/true"});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("root.overlay_dir"), std::string::npos) << r;
}
