// SPDX-License-Identifier: Apache-2.0
// Filters installed for real: each test forks a child that sets no_new_privs, installs a
// compiled policy (as the launcher does, last before execve) and makes syscalls; the exit status
// says what they returned.
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>

#include "support.hpp"

namespace sandbox::seccomp::test {
namespace {

constexpr int k_install_failed = 100;

// Forks; the child installs `filter` and exits with body()'s result. Returns the wait status.
int run_filtered(const Filter &filter, const std::function<int()> &body,
                 const std::function<void()> &before = {}) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (before)
      before();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      _exit(k_install_failed);
    try {
      install_filter(filter);
    } catch (...) {
      _exit(k_install_failed);
    }
    _exit(body());
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return status;
}

::testing::AssertionResult exited(int status, int code) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == code)
    return ::testing::AssertionSuccess();
  if (WIFEXITED(status))
    return ::testing::AssertionFailure() << "exited " << WEXITSTATUS(status) << ", not " << code;
  return ::testing::AssertionFailure() << "killed by signal " << WTERMSIG(status);
}

::testing::AssertionResult killed_by_sigsys(int status) {
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
    return ::testing::AssertionSuccess();
  if (WIFSIGNALED(status))
    return ::testing::AssertionFailure() << "killed by signal " << WTERMSIG(status);
  return ::testing::AssertionFailure() << "exited " << WEXITSTATUS(status);
}

// 0 when the syscall failed with `err`, 1 when it succeeded, 2 on another error.
int fails_with(long rc, int err) {
  if (rc == -1)
    return errno == err ? 0 : 2;
  return 1;
}

Filter compile_text(const std::string &text, Settings settings = {}) {
  return compile_filter(resolve(std::move(settings), text));
}

Filter compile_named(const std::string &name, Settings settings = {}) {
  settings.policy = name;
  return compile_filter(resolve(std::move(settings)));
}

std::string one_rule(const std::string &action) {
  return "default_action = \"allow\"\n[[rule]]\nsyscalls = [\"getppid\"]\naction = \"" + action +
         "\"\n";
}

// A 32-bit syscall from this 64-bit process: int $0x80 enters through the i386 ABI.
long int80(long nr, long a = 0, long b = 0, long c = 0) {
  long ret = 0;
  asm volatile("int $0x80"
               : "=a"(ret)
               : "a"(nr), "b"(a), "c"(b), "d"(c)
               : "memory", "r8", "r9", "r10", "r11");
  return ret;
}

bool int80_works() {
  // Without a filter: i386 getpid (20). Kernels with ia32 emulation off kill with SIGSEGV.
  const pid_t pid = fork();
  if (pid == 0)
    _exit(int80(20) == getpid() ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// --- every action ----------------------------------------------------------------------------

TEST(Kernel, ErrnoActionReturnsTheConfiguredErrno) {
  const auto status = run_filtered(compile_text(one_rule("errno:EHOSTDOWN")),
                                   [] { return fails_with(syscall(SYS_getppid), EHOSTDOWN); });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, ErrnoByNumber) {
  const auto status = run_filtered(compile_text(one_rule("errno:1234")),
                                   [] { return fails_with(syscall(SYS_getppid), 1234); });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, KillProcessKillsWithSigsys) {
  EXPECT_TRUE(killed_by_sigsys(run_filtered(compile_text(one_rule("kill-process")), [] {
    syscall(SYS_getppid);
    return 0;
  })));
}

TEST(Kernel, KillThreadKillsASingleThreadedProcessWithSigsys) {
  EXPECT_TRUE(killed_by_sigsys(run_filtered(compile_text(one_rule("kill-thread")), [] {
    syscall(SYS_getppid);
    return 0;
  })));
}

extern "C" void on_sigsys(int, siginfo_t *info, void *) {
  _exit(info->si_code == 1 /* SYS_SECCOMP */ && info->si_syscall == SYS_getppid ? 42 : 43);
}

TEST(Kernel, TrapDeliversSigsysToTheProcess) {
  const auto status = run_filtered(
      compile_text(one_rule("trap")),
      [] {
        syscall(SYS_getppid);
        return 0;
      },
      [] {
        struct sigaction sa {};
        sa.sa_sigaction = on_sigsys;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSYS, &sa, nullptr);
      });
  EXPECT_TRUE(exited(status, 42));
}

TEST(Kernel, LogLetsTheSyscallThrough) {
  const pid_t parent = getpid();
  const auto status = run_filtered(compile_text(one_rule("log")),
                                   [parent] { return syscall(SYS_getppid) == parent ? 0 : 1; });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, DefaultActionErrnoAndAllowedSyscalls) {
  const std::string text = R"(
default_action = "errno:EACCES"
[[rule]]
syscalls = ["getppid", "exit_group", "exit"]
action = "allow"
# What the sanitizer runtime may need in the child (its reports, its lazily mapped memory).
[[rule]]
syscalls = ["write", "mmap", "munmap", "mprotect", "madvise", "rt_sigprocmask", "sigaltstack"]
action = "allow"
)";
  const pid_t parent = getpid();
  const auto status = run_filtered(compile_text(text), [parent] {
    if (syscall(SYS_getppid) != parent)
      return 3;
    return fails_with(syscall(SYS_getuid), EACCES);
  });
  EXPECT_TRUE(exited(status, 0));
}

// --- the default policy ------------------------------------------------------------------------

TEST(Kernel, DefaultPolicyDeniesWhatItDoesNotList) {
  const auto status = run_filtered(compile_named("default"), [] {
    int bad = 0;
    bad += fails_with(syscall(SYS_acct, nullptr), EPERM);
    bad += fails_with(syscall(SYS_bpf, 0, nullptr, 0), EPERM);
    bad += fails_with(syscall(SYS_userfaultfd, 0), EPERM);
    bad += fails_with(syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0), EPERM);
    bad += fails_with(syscall(SYS_keyctl, 0, 0), EPERM);
    bad += fails_with(syscall(SYS_fsopen, "tmpfs", 0), EPERM);
    bad += fails_with(syscall(SYS_open_by_handle_at, -1, nullptr, 0), EPERM);
    bad += fails_with(syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0), EPERM);
    return bad;
  });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, TiocstiDeniedByArgumentWhileOtherIoctlsWork) {
  static int slave = -1;
  const auto status = run_filtered(
      compile_named("default"),
      [] {
        if (slave < 0)
          return 10;
        char c = 'x';
        int bad = 0;
        bad += fails_with(ioctl(slave, TIOCSTI, &c), EPERM);
        bad += fails_with(ioctl(slave, TIOCLINUX, &c), EPERM);
        // The kernel takes cmd as an int: high bits must not get TIOCSTI past the filter.
        bad += fails_with(syscall(SYS_ioctl, slave, TIOCSTI | (1UL << 32), &c), EPERM);
        termios t{};
        if (ioctl(slave, TCGETS, &t) != 0)
          bad += 20;
        int pending = -1;
        if (ioctl(slave, FIONREAD, &pending) != 0)
          bad += 40;
        return bad;
      },
      [] {
        const int master = posix_openpt(O_RDWR | O_NOCTTY);
        if (master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0)
          slave = open(ptsname(master), O_RDWR | O_NOCTTY);
      });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, NewUserNamespaceDeniedWhileForkAndThreadsWork) {
  const auto status = run_filtered(compile_named("default"), [] {
    int bad = 0;
    bad += fails_with(unshare(CLONE_NEWUSER), EPERM);
    bad += fails_with(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM);
    clone_args args{};
    args.flags = CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    bad += fails_with(syscall(SYS_clone3, &args, sizeof args), ENOSYS);
    // Plain fork (clone without CLONE_NEWUSER) works.
    const pid_t child = fork();
    if (child == 0)
      _exit(7);
    int st = 0;
    if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
      bad += 10;
    // glibc tries clone3 for threads and falls back to clone on ENOSYS.
    pthread_t thread;
    if (pthread_create(
            &thread, nullptr, [](void *) -> void * { return nullptr; }, nullptr) != 0 ||
        pthread_join(thread, nullptr) != 0)
      bad += 20;
    return bad;
  });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, AllowUserNamespacesSwitch) {
  Settings s;
  s.allow_user_namespaces = true;
  const auto status =
      run_filtered(compile_named("default", s), [] { return unshare(CLONE_NEWUSER) == 0 ? 0 : 1; });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, AllowPtraceSwitch) {
  Settings s;
  s.allow_ptrace = true;
  const auto status = run_filtered(compile_named("default", s), [] {
    return ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == 0 ? 0 : 1;
  });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, PersonalityOnlySafeValues) {
  const auto status = run_filtered(compile_named("default"), [] {
    int bad = 0;
    const long current = syscall(SYS_personality, 0xffffffffUL);
    if (current < 0)
      bad += 10;
    if (syscall(SYS_personality, PER_LINUX) < 0)
      bad += 20;
    bad += fails_with(syscall(SYS_personality, ADDR_NO_RANDOMIZE), EPERM);
    bad += fails_with(syscall(SYS_personality, READ_IMPLIES_EXEC), EPERM);
    return bad;
  });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, InlineRuleOverridesNamedPolicy) {
  Settings s;
  RuleSettings r;
  r.syscalls = {"acct"};
  r.action = {ActionKind::errno_, ENOSYS};
  s.rules.push_back(r);
  const auto status = run_filtered(compile_named("default", s),
                                   [] { return fails_with(syscall(SYS_acct, nullptr), ENOSYS); });
  EXPECT_TRUE(exited(status, 0));
}

// --- compat architectures ---------------------------------------------------------------------

TEST(Kernel, I386SyscallsFilteredWithTheSameRules) {
  if (!int80_works())
    GTEST_SKIP() << "int $0x80 does not work here (ia32 emulation off)";
  const auto status = run_filtered(compile_named("default"), [] {
    int bad = 0;
    if (int80(20) != getpid()) // getpid: allowed
      bad += 1;
    if (int80(51) != -EPERM) // acct: not in the allowlist
      bad += 2;
    if (int80(54, 0, TIOCSTI) != -EPERM) // ioctl(0, TIOCSTI): denied by argument
      bad += 4;
    if (int80(54, 12345, TCGETS) != -EBADF) // ioctl(12345, TCGETS): reaches the kernel
      bad += 8;
    if (int80(310, CLONE_NEWUSER) != -EPERM) // unshare(CLONE_NEWUSER)
      bad += 16;
    return bad;
  });
  EXPECT_TRUE(exited(status, 0));
}

TEST(Kernel, I386SyscallsKillWhenCompatIsDenied) {
  if (!int80_works())
    GTEST_SKIP() << "int $0x80 does not work here (ia32 emulation off)";
  EXPECT_TRUE(killed_by_sigsys(run_filtered(compile_named("strict"), [] {
    int80(20); // getpid, allowed natively by strict
    return 0;
  })));
}

TEST(Kernel, X32SyscallsKillInTheDefaultPolicy) {
  EXPECT_TRUE(killed_by_sigsys(run_filtered(compile_named("default"), [] {
    syscall(0x40000000L | SYS_getpid);
    return 0;
  })));
}

// --- strict ----------------------------------------------------------------------------------

TEST(Kernel, StrictAllowsSimpleIoAndKillsTheRest) {
  const Filter filter = compile_named("strict");
  EXPECT_TRUE(exited(run_filtered(filter,
                                  [] {
                                    if (write(STDOUT_FILENO, "", 0) != 0)
                                      return 1;
                                    termios t{};
                                    // Not a tty (or one): either way an answer, not a kill.
                                    (void)ioctl(STDIN_FILENO, TCGETS, &t);
                                    return fails_with(ioctl(STDIN_FILENO, FIONREAD, &t), ENOTTY);
                                  }),
                     0));
  EXPECT_TRUE(killed_by_sigsys(run_filtered(filter, [] {
    syscall(SYS_getpriority, 0, 0);
    return 0;
  })));
}

} // namespace
} // namespace sandbox::seccomp::test
