// SPDX-License-Identifier: Apache-2.0
#include "launch/init.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstring>

#include "caps/caps.hpp"
#include "launch/child.hpp"
#include "limits/rlimits.hpp"
#include "sys/syscalls.hpp"
#include "util/stage_clock.hpp"

namespace sandbox::launch {

namespace {

void ignore_signal(int) {}

sigset_t init_signal_set() {
  sigset_t set = forwarded_signal_set();
  sigaddset(&set, SIGCHLD);
  return set;
}

// Exec with our own PATH search: glibc's execvpe looks at the launcher's PATH, not the
// command's, and we need to tell "not found" (127) from "not executable" (126).
[[noreturn]] void exec_command(const plan::SandboxPlan &plan, Channel &channel) {
  std::vector<char *> argv;
  for (const auto &a : plan.argv)
    argv.push_back(const_cast<char *>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char *> envp;
  for (const auto &e : plan.env)
    envp.push_back(const_cast<char *>(e.c_str()));
  envp.push_back(nullptr);

  const std::string &name = plan.argv.front();
  if (name.find('/') != std::string::npos) {
    execve(name.c_str(), argv.data(), envp.data());
    const int err = errno;
    channel.send_failure(Error::from_errno(err, "execve", name), err == ENOENT ? 127 : 126);
    _exit(err == ENOENT ? 127 : 126);
  }
  bool denied = false;
  std::string_view path = plan.exec_path;
  while (true) {
    auto colon = path.find(':');
    std::string dir(path.substr(0, colon));
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    execve(candidate.c_str(), argv.data(), envp.data());
    if (errno == EACCES)
      denied = true;
    else if (errno != ENOENT && errno != ENOTDIR) {
      const int err = errno;
      channel.send_failure(Error::from_errno(err, "execve", candidate), 126);
      _exit(126);
    }
    if (colon == std::string_view::npos)
      break;
    path.remove_prefix(colon + 1);
  }
  const int code = denied ? 126 : 127;
  channel.send_failure(Error::from_errno(denied ? EACCES : ENOENT, "execve", name)
                           .with_hint(std::string(denied ? "not executable" : "not found") +
                                      " in the sandbox's PATH=" + plan.exec_path),
                       code);
  _exit(code);
}

// The command's process: the per-process settings, then capabilities, no_new_privs and the
// seccomp filter, last, right before execve.
[[noreturn]] void run_command(const plan::SandboxPlan &plan, Channel &channel,
                              const seccomp::Filter *filter) noexcept {
  SANDBOX_STAGE("command-start");
  try {
    if (plan.die_with_parent && prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
      sys::throw_errno("prctl PR_SET_PDEATHSIG");
    sigset_t none;
    sigemptyset(&none);
    for (int sig : k_forwarded_signals)
      std::signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (plan.new_session && setsid() < 0)
      sys::throw_errno("setsid");
    umask(static_cast<mode_t>(plan.umask));
    limits::apply_rlimits(plan.rlimits);
    if (chdir(plan.cwd.c_str()) != 0)
      sys::throw_errno("chdir", plan.cwd);
    SANDBOX_STAGE("command-settings");
    caps::drop_capabilities(plan.keep_caps);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      sys::throw_errno("prctl PR_SET_NO_NEW_PRIVS");
    SANDBOX_STAGE("command-caps-dropped");
    if (filter != nullptr)
      seccomp::install_filter(*filter);
    SANDBOX_STAGE("command-exec");
    exec_command(plan, channel);
  } catch (const Error &e) {
    channel.send_failure(e, 125);
  } catch (const std::exception &e) {
    channel.send_failure(Error::message(e.what()), 125);
  }
  _exit(125);
}

// The command's process, until it execs, shares pid 1's memory (CLONE_VM) while pid 1 waits
// (CLONE_VFORK): nothing of pid 1's address space is copied, and neither process takes
// copy-on-write faults, which are costly (on a paravirtualised VM each is a hypercall). What
// it writes (errno, the heap when it fails and reports) is consistent for pid 1 when it
// resumes, as after vfork(2). That memory is also the launcher's, which allocates nothing
// meanwhile (launcher.cpp). The sanitizer build forks: its runtime does not know the stack.
//
// Like vfork(2)'s child it runs on its parent's stack, below pid 1's frames, which stay
// untouched while pid 1 is suspended: those pages were already faulted in by pid 1's deeper
// calls while it built the root, where a stack of its own would cost an mmap, an munmap (a TLB
// shootdown) and a fault on every page it touches. Pid 1's stack is 1 MiB above a guard.
#if !defined(SANDBOX_FORK_CHILDREN)
constexpr std::uintptr_t k_command_stack_margin = 4096;

struct CommandArgs {
  const plan::SandboxPlan *plan;
  Channel *channel;
  const seccomp::Filter *filter;
};

int command_entry(void *arg) {
  const auto *a = static_cast<const CommandArgs *>(arg);
  run_command(*a->plan, *a->channel, a->filter);
}
#endif

pid_t spawn_command(const plan::SandboxPlan &plan, Channel &channel,
                    const seccomp::Filter *filter) {
#if defined(SANDBOX_FORK_CHILDREN)
  const pid_t pid = fork();
  if (pid == 0)
    run_command(plan, channel, filter);
#else
  CommandArgs args{&plan, &channel, filter};
  // Below this frame, with room for clone()'s own (a few words), 16-byte aligned.
  const auto below_here =
      (reinterpret_cast<std::uintptr_t>(&args) - k_command_stack_margin) & ~std::uintptr_t{15};
  const pid_t pid = clone(command_entry, reinterpret_cast<void *>(below_here),
                          CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
#endif
  if (pid < 0)
    sys::throw_errno("fork", plan.argv.front());
  return pid;
}

int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 125;
}

} // namespace

void run_init(const plan::SandboxPlan &plan, Channel &channel, const seccomp::Filter *filter) {
  // pid 1 of a pid namespace only receives signals it has a handler for (pid_namespaces(7)),
  // even from the launcher; the handler never runs, since the signals stay blocked and are
  // taken with sigwaitinfo().
  struct sigaction sa {};
  sa.sa_handler = ignore_signal;
  for (int sig : k_forwarded_signals)
    sigaction(sig, &sa, nullptr);
  const sigset_t waited = init_signal_set();
  sigprocmask(SIG_BLOCK, &waited, nullptr);
  if (!plan.new_pid && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
    sys::throw_errno("prctl PR_SET_CHILD_SUBREAPER");

  SANDBOX_STAGE("init-start");
  // Not dumpable before the command exists, so that nothing inside can ptrace pid 1 or open
  // /proc/1/mem or /proc/1/fd: pid 1 shares the launcher's memory (launcher.cpp). The
  // command, which shares pid 1's until it execs, becomes dumpable again with its exec.
  if (prctl(PR_SET_DUMPABLE, 0) != 0)
    sys::throw_errno("prctl PR_SET_DUMPABLE");
  const pid_t command = spawn_command(plan, channel, filter);
  SANDBOX_STAGE("init-spawned");
  channel.close();

  // Pid 1 keeps nothing else either: no capabilities, no_new_privs; a failure must not leave
  // it privileged. From here on pid 1 allocates nothing: the command, which may be hostile,
  // can kill it at any instruction (SIGKILL under --share pid; a zero RLIMIT_CPU through
  // prlimit otherwise), and a malloc cut short would leave the heap it shares with the
  // launcher half-updated for the launcher to use.
  if (!caps::drop_all_capabilities() || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    kill(command, SIGKILL);
    _exit(125);
  }

  for (;;) {
    siginfo_t info{};
    if (sigwaitinfo(&waited, &info) < 0)
      continue;
    if (info.si_signo != SIGCHLD) {
      // Pid 1 shares the launcher's process group, so a terminal's ^C (SI_KERNEL) reaches it
      // directly as well as through the launcher: only the launcher's copy is passed on.
      if (info.si_code != SI_KERNEL)
        kill(command, info.si_signo);
      continue;
    }
    int status = 0;
    pid_t pid = 0;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == command) {
        SANDBOX_STAGE("init-reaped");
        _exit(exit_code_of(status)); // the kernel kills what is left in the pid namespace
      }
  }
}

} // namespace sandbox::launch
