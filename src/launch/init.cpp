// SPDX-License-Identifier: Apache-2.0
#include "launch/init.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdint>
#include <cstring>

#include "caps/caps.hpp"
#include "launch/child.hpp"
#include "limits/rlimits.hpp"
#include "sys/raw_syscall.hpp"
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

// A system call's result as an errno (0 for success), through syscall_returning_error: the
// command's process shares errno with pid 1 until it has the word, and pid 1 may set it
// meanwhile.
int errno_of(long ret) noexcept {
  return ret < 0 ? static_cast<int>(-ret) : 0;
}

constexpr char k_word = 'g';

// The command's process before the word: its new session, default signals, the bounding set.
// 0 or the errno of the operation named in `failed`; nothing that allocates or sets errno.
int prepare_before_word(const PendingCommand::Start &start, const char *&failed) noexcept {
  const plan::SandboxPlan &plan = *start.plan;
  // Until the word, the process dies with pid 1 whatever the plan says: it runs on memory the
  // launcher frees once pid 1 is gone (with a shared pid namespace nothing else would end it).
  failed = "prctl PR_SET_PDEATHSIG";
  if (const int err = errno_of(sys::syscall_returning_error(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL));
      err != 0)
    return err;
  // Out of the launcher's process group before the signals are unblocked: a ^C from the
  // terminal reaches the command only through pid 1's forwarding, once it has exec'd.
  failed = "setsid";
  if (plan.new_session)
    if (const int err = errno_of(sys::syscall_returning_error(SYS_setsid)); err != 0)
      return err;
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig : k_forwarded_signals)
    sigaction(sig, &default_action, nullptr); // fails only for a bad signal number
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  return caps::lock_securebits_and_drop_bounding(start.keep_caps, failed);
}

// The command's process: the settings that need neither the root nor the word; then, with the
// word, the rest, capabilities, no_new_privs and the seccomp filter, last, right before execve.
[[noreturn]] void run_command(const PendingCommand::Start &start) noexcept {
  SANDBOX_STAGE("command-start");
  (void)sys::syscall_returning_error(SYS_close, start.pid1_word_fd);
  const plan::SandboxPlan &plan = *start.plan;
  const char *failed = nullptr;
  const int early_error = prepare_before_word(start, failed);
  SANDBOX_STAGE("command-prepared");
  if (receive_byte(start.word_fd) != k_word)
    _exit(125); // pid 1 failed and reports it
  SANDBOX_STAGE("command-word");
  // Its own channel: pid 1 closes its end, in memory this process shares, once it gave the word.
  Channel channel{sys::UniqueFd(start.channel_fd)};
  try {
    if (early_error != 0)
      throw Error::from_errno(early_error, failed);
    // Its own filesystem context from here: umask and chdir are the command's, not pid 1's.
    if (unshare(CLONE_FS) != 0)
      sys::throw_errno("unshare", "CLONE_FS");
    if (start.moved && sched_setaffinity(0, sizeof start.cpus, &start.cpus) != 0)
      sys::throw_errno("sched_setaffinity");
    if (!plan.die_with_parent && prctl(PR_SET_PDEATHSIG, 0) != 0)
      sys::throw_errno("prctl PR_SET_PDEATHSIG");
    umask(static_cast<mode_t>(plan.umask));
    limits::apply_rlimits(plan.rlimits);
    if (chdir(plan.cwd.c_str()) != 0)
      sys::throw_errno("chdir", plan.cwd);
    SANDBOX_STAGE("command-settings");
    caps::set_capabilities(start.keep_caps);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      sys::throw_errno("prctl PR_SET_NO_NEW_PRIVS");
    SANDBOX_STAGE("command-caps-dropped");
    if (start.filter != nullptr)
      seccomp::install_filter(*start.filter);
    SANDBOX_STAGE("command-exec");
    exec_command(plan, channel);
  } catch (const Error &e) {
    channel.send_failure(e, 125);
  } catch (const std::exception &e) {
    channel.send_failure(Error::message(e.what()), 125);
  }
  _exit(125);
}

#if !defined(SANDBOX_FORK_CHILDREN)
int command_entry(void *start) {
  run_command(*static_cast<const PendingCommand::Start *>(start));
}
#endif

int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 125;
}

// Pid 1's part before the command exists, so that it takes every signal it must.
void prepare_pid1(const plan::SandboxPlan &plan) {
  // pid 1 of a pid namespace only receives signals it has a handler for (pid_namespaces(7)),
  // even from the launcher; the handler never runs, since the signals stay blocked and are
  // taken with sigwaitinfo(). SIGCHLD is blocked before the command exists, or one it sends
  // early would be discarded.
  struct sigaction sa {};
  sa.sa_handler = ignore_signal;
  for (int sig : k_forwarded_signals)
    sigaction(sig, &sa, nullptr);
  const sigset_t waited = init_signal_set();
  sigprocmask(SIG_BLOCK, &waited, nullptr);
  if (!plan.new_pid && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
    sys::throw_errno("prctl PR_SET_CHILD_SUBREAPER");
  // Not dumpable before the command exists, so that nothing inside can ptrace pid 1 or open
  // /proc/1/mem or /proc/1/fd: pid 1 shares the launcher's memory (launcher.cpp). The
  // command, which shares pid 1's until it execs, becomes dumpable again with its exec.
  if (prctl(PR_SET_DUMPABLE, 0) != 0)
    sys::throw_errno("prctl PR_SET_DUMPABLE");
}

// The CPUs besides this one that the process may run on; false when there are none.
bool other_cpus(const cpu_set_t &allowed, cpu_set_t &others) noexcept {
  unsigned here = 0;
  if (sys::raw_syscall(SYS_getcpu, reinterpret_cast<long>(&here), 0, 0) != 0 || here >= CPU_SETSIZE)
    return false;
  others = allowed;
  CPU_CLR(here, &others);
  return CPU_COUNT(&others) > 0;
}

} // namespace

PendingCommand::PendingCommand(const plan::SandboxPlan &plan, const Channel &channel,
                               const seccomp::Filter *filter, [[maybe_unused]] void *stack_top) {
  prepare_pid1(plan);
  m_start.plan = &plan;
  m_start.filter = filter;
  m_start.channel_fd = channel.fd();
  m_start.keep_caps = caps::capability_bits(plan.keep_caps);
  // A socket pair rather than a pipe: pid 1's word cannot raise SIGPIPE (MSG_NOSIGNAL) if the
  // process is gone, and its end reads EOF once the process has exec'd (wait_for_exec).
  std::array<int, 2> word{};
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, word.data()) != 0)
    sys::throw_errno("socketpair", "the command's start");
  m_start.word_fd = word[1];
  m_start.pid1_word_fd = word[0];
  m_word_fd = word[0];
  // Whether to move it off this CPU, where pid 1 builds the root, until the word: known before
  // the clone, which the sanitizer build's copy must see. It gets its CPUs back all the same.
  cpu_set_t others{};
  m_start.moved = sched_getaffinity(0, sizeof m_start.cpus, &m_start.cpus) == 0 &&
                  other_cpus(m_start.cpus, others);
#if defined(SANDBOX_FORK_CHILDREN)
  // A copy of this process that shares its filesystem context (the sanitizer build).
  const long pid = ::syscall(SYS_clone, CLONE_FS | SIGCHLD, nullptr, nullptr, nullptr, 0UL);
  if (pid == 0)
    run_command(m_start);
#else
  const pid_t pid = clone(command_entry, stack_top, CLONE_VM | CLONE_FS | SIGCHLD, &m_start);
#endif
  const int err = errno;
  ::close(word[1]);
  if (pid < 0) {
    ::close(word[0]);
    errno = err;
    sys::throw_errno("clone", plan.argv.front());
  }
  m_pid = static_cast<pid_t>(pid);
  if (m_start.moved)
    (void)sched_setaffinity(m_pid, sizeof others, &others); // best effort
}

PendingCommand::~PendingCommand() {
  abandon();
}

void PendingCommand::abandon() noexcept {
  if (m_pid <= 0)
    return;
  ::close(m_word_fd);
  m_word_fd = -1;
  kill(m_pid, SIGKILL);
  int status = 0;
  waitpid(m_pid, &status, 0);
  m_pid = -1;
}

void PendingCommand::go() noexcept {
  // Fails only when the process is gone, which pid 1 learns from waitpid.
  (void)send_byte(m_word_fd, k_word);
}

void PendingCommand::wait_for_exec() noexcept {
  (void)receive_byte(m_word_fd); // nothing is sent this way: EOF
  ::close(m_word_fd);
  m_word_fd = -1;
}

void run_init(Channel &channel, PendingCommand &command) {
  SANDBOX_STAGE("init-start");
  command.go();
  const pid_t command_pid = command.pid();
  channel.close();

  // Pid 1 keeps nothing else either: no capabilities, no_new_privs; a failure must not leave
  // it privileged. From here on pid 1 allocates nothing: the command, which may be hostile,
  // can kill it at any instruction (SIGKILL under --share pid; a zero RLIMIT_CPU through
  // prlimit otherwise), and a malloc cut short would leave the heap it shares with the
  // launcher half-updated for the launcher to use; and until it execs, the command's process
  // allocates in the same heap.
  if (!caps::drop_all_capabilities() || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    kill(command_pid, SIGKILL);
    _exit(125);
  }
  // Nothing is forwarded before the command has exec'd (or ended): until then it runs our code
  // in the launcher's heap, where a signal's default action could stop a malloc halfway. A
  // signal meant for the command waits, blocked, and is forwarded then.
  command.wait_for_exec();

  const sigset_t waited = init_signal_set();
  for (;;) {
    siginfo_t info{};
    if (sigwaitinfo(&waited, &info) < 0)
      continue;
    if (info.si_signo != SIGCHLD) {
      // Pid 1 shares the launcher's process group, so a terminal's ^C (SI_KERNEL) reaches it
      // directly as well as through the launcher: only the launcher's copy is passed on.
      if (info.si_code != SI_KERNEL)
        kill(command_pid, info.si_signo);
      continue;
    }
    int status = 0;
    pid_t pid = 0;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == command_pid) {
        SANDBOX_STAGE("init-reaped");
        _exit(exit_code_of(status)); // the kernel kills what is left in the pid namespace
      }
  }
}

} // namespace sandbox::launch
