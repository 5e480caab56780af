// SPDX-License-Identifier: Apache-2.0
// The command's process environment: pid namespace and init, session, hostname, environment,
// fds, umask, cwd, exit codes, signal forwarding, orphan reaping, death with the launcher.
#include "harness.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <tuple>

using namespace sbx::test;
using namespace std::chrono_literals;

class Process_ : public SandboxTest {};

namespace {
std::string host_ns(const std::string &ns) {
  // The test user outside a sandbox shares the test process's namespaces.
  char buf[128] = {};
  ssize_t n = readlink(("/proc/self/ns/" + ns).c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "<unreadable>";
}
} // namespace

TEST_F(Process_, NewNamespacesForEverything) {
  Facts f = facts();
  for (const char *ns : {"user", "mnt", "pid", "net", "ipc", "uts", "cgroup"})
    EXPECT_NE(f[std::string("ns.") + ns], host_ns(ns)) << ns << " namespace is the host's";
}

TEST_F(Process_, CommandRunsUnderInitInNewPidNamespace) {
  RunResult r = probe({"facts", "+", "pids"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(f["ppid"], "1") << "the command's parent should be the sandbox's pid 1";
  EXPECT_NE(f["pid"], "1") << "the command must not be pid 1 (it would not reap orphans)";
  // Only the sandbox's own processes are visible: init and the command.
  auto pids = f.list("pids");
  EXPECT_LE(pids.size(), 3U) << "pids=" << f["pids"];
  std::set<std::string> s(pids.begin(), pids.end());
  EXPECT_TRUE(s.count("1")) << "pids=" << f["pids"];
  EXPECT_TRUE(s.count(f["pid"])) << "pids=" << f["pids"];
}

TEST_F(Process_, HostProcessesAreInvisible) {
  // A process of the same user outside: it must be neither visible nor signalable.
  Process sleeper({probe_bin(), "sleep", "1000", marker()}, [] {
    RunOptions o;
    o.raw = true;
    return o;
  }());
  const std::string pid = std::to_string(sleeper.pid());
  ASSERT_TRUE(sleeper.wait_for_stdout("sleeping"));
  RunResult r = probe({"exists", "/proc/" + pid, "+", "kill", pid, "0", "+", "pids"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 3U) << r;
  EXPECT_EQ(res[0], "errno=ENOENT") << "/proc/" << pid << " is visible" << r;
  EXPECT_EQ(res[1], "errno=ESRCH") << "a host process can be signalled" << r;
  Facts f(r.out);
  for (auto &p : f.list("pids"))
    EXPECT_NE(p, pid);
  // Control: outside the sandbox the same probe sees and can signal it.
  RunResult c = run_as_user({probe_bin(), "exists", "/proc/" + pid, "+", "kill", pid, "0"});
  EXPECT_EQ(c.results(), (std::vector<std::string>{"ok", "ok"})) << c;
}

TEST_F(Process_, HostnameIsSandboxAndOverridable) {
  EXPECT_EQ(facts()["hostname"], "sandbox");
  EXPECT_EQ(facts({"--hostname", "probe-host"})["hostname"], "probe-host");
}

TEST_F(Process_, NewSession) {
  Facts f = facts();
  // A session whose leader is outside our pid namespace reads as 0: a new session reads as
  // a pid inside (the command itself, or the sandbox's init).
  EXPECT_NE(f["sid"], "0") << "the command is still in the caller's session";
  EXPECT_NE(f["sid"], "<missing sid>");
}

TEST_F(Process_, UmaskAndCwd) {
  Facts f = facts();
  EXPECT_EQ(f["umask"], "0022");
  EXPECT_EQ(f["cwd"], work());
  EXPECT_EQ(facts({"--chdir", "/tmp"})["cwd"], "/tmp");
}

TEST_F(Process_, EnvironmentIsClearedExceptTheKeepList) {
  RunOptions o;
  o.env = {"TERM=xterm-probe",
           "COLORTERM=truecolor",
           "LC_ALL=C",
           "LC_TIME=C",
           "TZ=UTC",
           "LANGUAGE=en",
           "SECRET_TOKEN=hunter2",
           "SSH_AUTH_SOCK=/tmp/agent.sock",
           "LD_PRELOAD=/tmp/evil.so",
           "DISPLAY=:0"};
  Facts f = facts({}, o);
  EXPECT_EQ(f["env.TERM"], "xterm-probe");
  EXPECT_EQ(f["env.COLORTERM"], "truecolor");
  EXPECT_EQ(f["env.LC_ALL"], "C");
  EXPECT_EQ(f["env.LC_TIME"], "C");
  EXPECT_EQ(f["env.TZ"], "UTC");
  EXPECT_EQ(f["env.LANG"], "C.UTF-8");
  EXPECT_EQ(f["env.LANGUAGE"], "en");
  EXPECT_EQ(f["env.USER"], user().name);
  EXPECT_EQ(f["env.LOGNAME"], user().name);
  EXPECT_EQ(f["env.HOME"], user().home);
  EXPECT_EQ(f["env.PATH"], "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin");
  for (const char *k : {"SECRET_TOKEN", "SSH_AUTH_SOCK", "LD_PRELOAD", "DISPLAY"})
    EXPECT_FALSE(f.has(std::string("env.") + k)) << k << " leaked into the sandbox";
  static const std::set<std::string> allowed = {"TERM", "COLORTERM", "LANG", "LANGUAGE", "TZ",
                                                "USER", "LOGNAME",   "HOME", "PATH"};
  for (auto &[k, v] : f.with_prefix("env.")) {
    std::string name = k.substr(4, k.find('=') - 4);
    EXPECT_TRUE(allowed.count(name) || name.rfind("LC_", 0) == 0)
        << "unexpected variable " << name << "=" << v;
  }
}

TEST_F(Process_, SetenvAndUnsetenvFlags) {
  RunOptions o;
  o.env = {"TERM=xterm-probe"};
  Facts f = facts({"--setenv", "FOO=bar baz", "--unsetenv", "TERM", "--setenv", "PATH=/bin"}, o);
  EXPECT_EQ(f["env.FOO"], "bar baz");
  EXPECT_FALSE(f.has("env.TERM"));
  EXPECT_EQ(f["env.PATH"], "/bin");
}

TEST_F(Process_, OnlyStdioFdsEvenWhenTheCallerLeaksSome) {
  std::string leaked_file = aux() + "/leaked.txt";
  write_file_as(leaked_file, "secret\n", user());
  RunOptions o;
  o.leak_paths = {user().home, leaked_file, "/"};
  // Control: the harness really leaks them (outside the sandbox the probe sees 6 fds).
  RunOptions oc = o;
  oc.cwd = work();
  RunResult c = run_as_user({probe_bin(), "facts"}, oc);
  ASSERT_EQ(Facts(c.out)["fds"], "0,1,2,3,4,5") << c;
  Facts f = facts({}, o);
  EXPECT_EQ(f["fds"], "0,1,2") << "fds leaked into the sandbox: " << f["fd.3"] << " " << f["fd.4"]
                               << " " << f["fd.5"];
}

TEST_F(Process_, ExitStatusIsPassedThrough) {
  EXPECT_EQ(probe({"exit", "0"}).exit_code, 0);
  EXPECT_EQ(probe({"exit", "3"}).exit_code, 3);
  EXPECT_EQ(probe({"exit", "124"}).exit_code, 124);
  EXPECT_EQ(probe({"exit", "255"}).exit_code, 255);
}

TEST_F(Process_, DeathBySignalIs128PlusN) {
  RunResult t = probe({"raise", "TERM"});
  EXPECT_EQ(t.exit_code, 128 + SIGTERM) << t;
  EXPECT_EQ(t.term_signal, 0) << "the launcher itself should exit, not die" << t;
  RunResult k = probe({"raise", "KILL"});
  EXPECT_EQ(k.exit_code, 128 + SIGKILL) << k;
  RunResult s = probe({"raise", "SEGV"});
  EXPECT_EQ(s.exit_code, 128 + SIGSEGV) << s;
}

TEST_F(Process_, CommandNotFoundIs127) {
  RunResult a = sandbox({"run", "--", "/nonexistent/sbx-no-such-command"});
  EXPECT_EQ(a.exit_code, 127) << a;
  RunResult b = sandbox({"run", "--", "sbx-no-such-command-on-path"});
  EXPECT_EQ(b.exit_code, 127) << b;
}

TEST_F(Process_, CommandNotExecutableIs126) {
  std::string path = work() + "/not-executable.sh";
  write_file_as(path, "#!/bin/sh\necho ran\n", user(), 0644);
  RunResult r = sandbox({"run", "--", path});
  EXPECT_EQ(r.exit_code, 126) << r;
  EXPECT_EQ(r.out.find("ran"), std::string::npos) << r;
}

TEST_F(Process_, BadProfileIs125) {
  std::string p = write_profile("bad.toml", "[user\nuid = \n");
  RunResult r = sandbox({"run", p, "--", probe_bin(), "echo", marker()});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_EQ(r.out.find(marker()), std::string::npos) << "the command ran" << r;
}

class SignalForwarding : public SandboxTest, public ::testing::WithParamInterface<int> {};

TEST_P(SignalForwarding, SignalToLauncherReachesCommand) {
  const int sig = GetParam();
  Process p(probe_argv({"waitsig", "20"}), opts_in_work({}));
  ASSERT_TRUE(p.wait_for_stdout("ready\n")) << "probe never became ready; stderr: " << p.err();
  std::this_thread::sleep_for(50ms);
  p.signal(sig);
  RunResult r = p.wait(20s);
  std::string name = std::string("SIG") + sigabbrev_np(sig);
  EXPECT_NE(r.out.find("signal=" + name + "\n"), std::string::npos)
      << name << " was not forwarded" << r;
  EXPECT_EQ(r.exit_code, 0) << "the command handled the signal and exited 0" << r;
}

INSTANTIATE_TEST_SUITE_P(Forwarded, SignalForwarding,
                         ::testing::Values(SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2),
                         [](const ::testing::TestParamInfo<int> &p) {
                           return std::string(sigabbrev_np(p.param));
                         });

TEST_F(Process_, OrphansAreReaped) {
  // The grandchild is orphaned at once and exits 0.2 s later; its new parent (the sandbox's
  // pid 1) must reap it. Two rounds, to catch a reaper that handles only one.
  RunResult r = probe({"orphan", "+", "orphan", "+", "sleep", "0.8", "+", "zombies"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  ASSERT_TRUE(f.has("orphan_pid")) << r;
  EXPECT_EQ(f["zombies"], "0") << "unreaped: " << f["zombie_pids"] << r;
}

TEST_F(Process_, OrphanDetectionControl) {
  // Control for the test above: a process that does not reap (the probe itself, via its own
  // un-waited child) shows up as a zombie, so "zombies=0" is not vacuous.
  // A shell starts a child, then execs the probe, which never waits for it.
  RunResult z =
      run_as_user({"/bin/sh", "-c", "/bin/true & exec " + probe_bin() + " sleep 0.5 + zombies"});
  Facts f(z.out);
  EXPECT_NE(f["zombies"], "0") << "the probe does not see a zombie it should see" << z;
}

TEST_F(Process_, SandboxDiesWithKilledLauncher) {
  Process p(probe_argv({"sleep", "1000", marker()}), opts_in_work({}));
  ASSERT_TRUE(p.wait_for_stdout("sleeping")) << p.err();
  // Control: the sleeping probe (and the launcher) are found by the scan.
  auto before = processes_of(user().uid, marker());
  ASSERT_GE(before.size(), 2U) << "expected the launcher and the probe to be visible";
  p.signal(SIGKILL);
  p.wait(10s);
  EXPECT_TRUE(wait_no_processes(user().uid, marker(), 3s))
      << "sandbox processes survived the launcher's SIGKILL: "
      << processes_of(user().uid, marker()).size() << " left";
  // Also nothing else of the test user running the probe or sleep.
  EXPECT_TRUE(processes_of(user().uid, probe_bin() + " sleep 1000 " + marker()).empty());
}

// Without a profile, the first process is started before the default profile is loaded, in
// every namespace but those --share names, and replaced when the profile that loads wants
// others (launch::start_early): a user's own default.toml is obeyed.
TEST_F(Process_, UserDefaultProfileThatSharesNamespacesIsObeyed) {
  const Facts host(run_as_user({probe_bin(), "facts"}).out);
  TempDir config(user().name);
  config.write_file("sandbox/profiles/default.toml", "[profile]\nextends = \"default\"\n"
                                                     "[network]\nmode = \"host\"\n"
                                                     "[namespaces]\nipc = false\n");
  RunOptions with_config;
  with_config.env = {"XDG_CONFIG_HOME=" + config.path()};
  const Facts shared = facts({}, with_config);
  EXPECT_EQ(shared["ns.net"], host["ns.net"]) << "network.mode = \"host\" was not obeyed";
  EXPECT_EQ(shared["ns.ipc"], host["ns.ipc"]) << "namespaces.ipc = false was not obeyed";
  EXPECT_NE(shared["ns.uts"], host["ns.uts"]);
  EXPECT_NE(shared["ns.pid"], host["ns.pid"]);
  // Control: the built-in default makes both.
  const Facts plain = facts();
  EXPECT_NE(plain["ns.net"], host["ns.net"]);
  EXPECT_NE(plain["ns.ipc"], host["ns.ipc"]);
  // And --share, known before the profile is loaded.
  const Facts flag = facts({"--share", "net"});
  EXPECT_EQ(flag["ns.net"], host["ns.net"]);
  EXPECT_NE(flag["ns.ipc"], host["ns.ipc"]);
}

// The launcher moves the first process to another CPU while it makes its namespaces (so that
// both run at once); the sandbox must still run on all the CPUs the launcher had, also when
// that first process is replaced (a user's default.toml that shares a namespace).
TEST_F(Process_, SandboxRunsOnTheLaunchersCpus) {
  cpu_set_t mine;
  ASSERT_EQ(sched_getaffinity(0, sizeof mine, &mine), 0);
  if (CPU_COUNT(&mine) < 2)
    GTEST_SKIP() << "needs two CPUs to tell a moved process from one left alone";
  auto allowed = [](const std::string &status) {
    const auto at = status.find("Cpus_allowed_list:");
    return at == std::string::npos ? std::string("<none>")
                                   : status.substr(at, status.find('\n', at) - at);
  };
  // The run inherits this process's CPUs, as the test user (the harness forks).
  const std::string expected = allowed(run_as_user({"/bin/cat", "/proc/self/status"}).out);
  EXPECT_NE(expected, "<none>");
  TempDir config(user().name);
  config.write_file("sandbox/profiles/default.toml",
                    "[profile]\nextends = \"default\"\n[namespaces]\nipc = false\n");
  RunOptions replaced;
  replaced.env = {"XDG_CONFIG_HOME=" + config.path()};
  for (const auto &[how, opts] :
       {std::pair{"built-in default", RunOptions{}}, std::pair{"user default.toml", replaced}}) {
    RunResult r = sandbox({"run", "--", "/bin/cat", "/proc/self/status"}, opts);
    ASSERT_EQ(r.exit_code, 0) << how << ": " << r;
    EXPECT_EQ(allowed(r.out), expected) << how << ": " << r;
  }
}

// process.die_with_parent = false: the sandbox outlives a launcher killed with SIGKILL, both
// when the profile is named and when it is a user's default.toml (the first process is then
// started before the profile loads, with the death signal set, and clears it).
TEST_F(Process_, SandboxOutlivesAKilledLauncherWhenDieWithParentIsFalse) {
  const std::string toml = "[profile]\nextends = \"default\"\n[process]\ndie_with_parent = false\n";
  TempDir config(user().name);
  config.write_file("sandbox/profiles/default.toml", toml);
  RunOptions as_default = opts_in_work({});
  as_default.env = {"XDG_CONFIG_HOME=" + config.path()};
  const std::string named = write_profile("survive.toml", toml);
  for (const auto &[how, args, opts] :
       {std::tuple{"named profile", probe_argv({"sleep", "1000", marker()}, {named}),
                   opts_in_work({})},
        std::tuple{"user default.toml", probe_argv({"sleep", "1000", marker()}), as_default}}) {
    Process p(args, opts);
    ASSERT_TRUE(p.wait_for_stdout("sleeping")) << how << ": " << p.err();
    p.signal(SIGKILL);
    std::this_thread::sleep_for(1s);
    EXPECT_FALSE(processes_of(user().uid, probe_bin() + " sleep 1000 " + marker()).empty())
        << how << ": the sandbox died with its launcher";
    kill_processes_of(user().uid, marker());
    EXPECT_TRUE(wait_no_processes(user().uid, marker(), 5s)) << how;
    p.wait(10s);
  }
}

// ^C while the profile loads ends sandbox, although the first process may already exist
// (launch::start_early): the launcher blocks the signals it forwards only once the sandbox is
// being set up. The profile here is a FIFO nobody writes, so loading it never ends by itself.
TEST_F(Process_, InterruptWhileTheProfileLoadsEndsSandbox) {
  TempDir config(user().name);
  const std::string dir = config.make_dir("sandbox/profiles");
  const std::string fifo = dir + "/default.toml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  ASSERT_EQ(lchown(fifo.c_str(), user().uid, user().gid), 0);
  RunOptions opts = opts_in_work({});
  opts.env = {"XDG_CONFIG_HOME=" + config.path()};
  opts.expect_timeout = true;
  Process p(probe_argv({"echo", marker()}), opts);
  std::this_thread::sleep_for(300ms);
  p.signal(SIGINT);
  RunResult r = p.wait(10s);
  EXPECT_FALSE(r.timed_out) << "SIGINT did not end sandbox while it loaded the profile" << r;
  EXPECT_EQ(r.exit_code, 128 + SIGINT) << r;
  EXPECT_TRUE(wait_no_processes(user().uid, marker(), 5s)) << "left behind";
}

TEST_F(Process_, StdinStdoutStderrArePassedThrough) {
  RunOptions o;
  o.stdin_data = "line one\nline two\n";
  RunResult r = sandbox({"run", "--", "/bin/sh", "-c", "cat; echo to-stderr >&2"}, o);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "line one\nline two\n") << r;
  EXPECT_EQ(r.err, "to-stderr\n") << r;
}

TEST_F(Process_, ArbitraryUidInside) {
  Facts f = facts({"--uid", "1234", "--gid", "4321"});
  EXPECT_EQ(f["uid"], "1234");
  EXPECT_EQ(f["gid"], "4321");
  EXPECT_EQ(f["uid_map"], "1234 " + std::to_string(user().uid) + " 1");
  EXPECT_EQ(f["gid_map"], "4321 " + std::to_string(user().gid) + " 1");
}

TEST_F(Process_, RlimitsFromProfile) {
  std::string p = write_profile("rlimits.toml", "[profile]\nextends = \"default\"\n"
                                                "[rlimits]\nnofile = 64\ncore = 0\n");
  Facts f = facts({p});
  EXPECT_EQ(f["rlimit.nofile"], "64:64");
  EXPECT_EQ(f["rlimit.core"], "0:0");
}

TEST_F(Process_, SuccessfulRunLeavesNothingBehind) {
  const std::string home = user().home;
  auto list_home = [&] {
    std::vector<std::string> v;
    for (auto &e : std::filesystem::directory_iterator(home))
      v.push_back(e.path().filename());
    std::sort(v.begin(), v.end());
    return v;
  };
  auto home_before = list_home();
  HostSnapshot before = HostSnapshot::take(user());
  RunResult r = probe({"write", "/tmp/x", "+", "write", home + "/y", "+", "echo", marker()});
  EXPECT_EQ(r.exit_code, 0) << r;
  expect_nothing_left_behind(before, user(), marker());
  EXPECT_EQ(list_home(), home_before) << "the run left something in the real home";
}

TEST_F(Process_, CommandExitEndsTheSandboxDespiteBackgroundProcesses) {
  // The command exits 7, leaving a daemonized child inside: `sandbox run` returns 7 at once
  // (it does not wait for the daemon) and the daemon dies with the pid namespace.
  RunOptions o;
  o.timeout = std::chrono::seconds(20);
  RunResult r = sandbox({"run", "--", "/bin/sh", "-c",
                         probe_bin() + " daemon 1000 " + marker() + " >/dev/null; exit 7"},
                        o);
  EXPECT_EQ(r.exit_code, 7) << r;
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(wait_no_processes(user().uid, marker(), std::chrono::seconds(3)))
      << "the daemon survived the sandbox";
}

TEST_F(Process_, ClosedStdinIsNotReusedByTheLauncher) {
  // A launcher started with fd 0 closed must not hand one of its own fds (the sync socket,
  // a pidfd) to the command as stdin.
  RunOptions o;
  o.close_stdin = true;
  Facts f = facts({}, o);
  EXPECT_EQ(f["fds"], "0,1,2") << "fd.0=" << f["fd.0"];
  const std::string fd0 = f["fd.0"];
  EXPECT_TRUE(fd0 == "/dev/null" || fd0 == "<missing fd.0>" || fd0.rfind("pipe:", 0) == 0)
      << "fd 0 inside is " << fd0;
  EXPECT_EQ(fd0.find("socket:"), std::string::npos) << fd0;
  EXPECT_EQ(fd0.find("anon_inode"), std::string::npos) << fd0;
}

TEST_F(Process_, StalePwdEnvironmentIsIgnored) {
  // The cwd bound in is the real working directory, not whatever $PWD claims (a program that
  // chdir()s without updating PWD must not get its $PWD, e.g. the home, bound read-write).
  RunOptions o;
  o.env = {"PWD=" + user().home};
  Facts f = facts({}, o);
  EXPECT_EQ(f["cwd"], work());
  EXPECT_FALSE(f.has("mount." + user().home) && f["mount." + user().home].rfind("tmpfs", 0) != 0)
      << "the home from $PWD was bound: " << f["mount." + user().home];
}

TEST_F(Process_, RunningFromHomeOrRootRefusesToBindItReadWrite) {
  // The default profile binds the cwd read-write: from $HOME, / or a parent of $HOME that
  // would expose everything. The launcher refuses (exit 125, one line, with a hint).
  std::vector<std::string> dirs = {user().home, "/"};
  const std::string parent = std::filesystem::path(user().home).parent_path();
  if (parent != "/")
    dirs.push_back(parent);
  for (const auto &dir : dirs) {
    RunOptions o;
    o.cwd = dir;
    RunResult r = run_sandbox(probe_argv({"write", dir + "/sbx-" + marker()}), o);
    EXPECT_EQ(r.exit_code, 125) << "cwd " << dir << r;
    EXPECT_EQ(r.err_lines().size(), 1U) << r;
    EXPECT_EQ(r.err.rfind("sandbox: ", 0), 0U) << r;
    EXPECT_FALSE(std::filesystem::exists(dir + "/sbx-" + marker()));
    std::filesystem::remove(dir + "/sbx-" + marker());
  }
}

TEST_F(Process_, EarlySignalNeitherHangsNorLeaks) {
  // SIGTERM to the launcher at various points of its setup (before the command may exist):
  // it must end promptly (forwarded, or the launcher dies and takes the sandbox with it).
  for (int delay_ms : {0, 2, 5, 10, 20, 50, 100}) {
    Process p(probe_argv({"sleep", "30", marker()}), opts_in_work({}));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    p.signal(SIGTERM);
    auto start = std::chrono::steady_clock::now();
    RunResult r = p.wait(std::chrono::seconds(10));
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(r.timed_out) << "delay " << delay_ms << " ms" << r;
    EXPECT_LT(took, std::chrono::seconds(5)) << "delay " << delay_ms << " ms";
    EXPECT_EQ(r.exit_code, 128 + SIGTERM) << "delay " << delay_ms << " ms" << r;
    EXPECT_TRUE(wait_no_processes(user().uid, marker(), std::chrono::seconds(3)))
        << "delay " << delay_ms << " ms: processes left behind";
  }
}

// sandbox inside a sandbox (a CI job or a build tool that sandboxes its own steps). The outer
// profile must allow what the inner one does: user namespaces, the mount syscalls, and a /proc
// without masks (the kernel mounts a fresh procfs only where /proc is fully visible). The
// default policy answers clone3 with ENOSYS: the inner launcher uses clone(2) (the sanitizer
// build tries clone3 first and falls back).
TEST_F(Process_, SandboxInsideASandbox) {
  const std::string outer = write_profile("outer.toml", R"([namespaces]
pid = true
ipc = true
uts = true
cgroup = true
[network]
mode = "none"
[root]
source = "host"
[[mount]]
type = "tmpfs"
dest = "/tmp"
[[mount]]
type = "tmpfs"
dest = "${HOME}"
[[mount]]
type = "bind"
source = "${PWD}"
dest = "${PWD}"
[process]
cwd = "${PWD}"
[seccomp]
allow_user_namespaces = true
[[seccomp.rule]]
syscalls = ["@mount", "pivot_root", "umount2", "sethostname"]
action = "allow"
)");
  // (LeakSanitizer, in the sanitizer build, needs ptrace, which the outer policy denies.)
  RunResult r = sandbox({"run", outer, "--setenv", "ASAN_OPTIONS=detect_leaks=0", "--",
                         sandbox_bin(), "run", "--hostname", "inner", "--", probe_bin(), "facts"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(f["hostname"], "inner") << r;
  EXPECT_EQ(f["pid"], "2") << r;
  EXPECT_EQ(f["uid"], std::to_string(user().uid)) << r;
  // Two filters: the outer sandbox's and the inner one's.
  EXPECT_EQ(f["Seccomp_filters"], "2") << r;
  EXPECT_EQ(f["CapEff"], "0000000000000000") << r;
}
