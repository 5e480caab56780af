// SPDX-License-Identifier: Apache-2.0
#include "launch/launcher.hpp"

#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>

#include "launch/channel.hpp"
#include "launch/child.hpp"
#include "launch/clone_stack.hpp"
#include "ns/idmap.hpp"
#include "seccomp/filter.hpp"
#include "seccomp/prebuilt.hpp"
#include "sys/syscalls.hpp"
#include "util/stage_clock.hpp"

namespace sandbox::launch {

namespace {

int clone_flags(const plan::SandboxPlan &plan) {
  int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_PIDFD;
  if (plan.new_pid)
    flags |= CLONE_NEWPID;
  if (plan.new_ipc)
    flags |= CLONE_NEWIPC;
  if (plan.new_uts)
    flags |= CLONE_NEWUTS;
  if (plan.new_net)
    flags |= CLONE_NEWNET;
  if (plan.new_cgroup)
    flags |= CLONE_NEWCGROUP;
  return flags;
}

sigset_t forwarded_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : k_forwarded_signals)
    sigaddset(&set, sig);
  return set;
}

int exit_code_of(const siginfo_t &info) {
  if (info.si_code == CLD_EXITED)
    return info.si_status;
  return 128 + info.si_status;
}

struct Supervision {
  std::optional<Channel::Message> failure;
  int exit_code = 125;
};

// Waits for the child while forwarding signals, then reads the failure (of setup, or of the
// command's exec) that the child or the command may have left on the channel. While the child
// lives this allocates nothing: the child may share this process's memory (start_child).
Supervision supervise(int pidfd, Channel &channel, int signal_fd, bool command_has_own_session) {
  Supervision result;
  for (;;) {
    pollfd fds[2] = {{pidfd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      sys::throw_errno("poll");
    }
    if ((fds[1].revents & POLLIN) != 0) {
      signalfd_siginfo si{};
      // A signal from the terminal (SI_KERNEL: ^C, ^\, hangup) already reached its whole
      // foreground process group, the command included, unless the command has a session
      // of its own; forwarding it too would deliver it twice.
      if (read(signal_fd, &si, sizeof si) == sizeof si &&
          (command_has_own_session || si.ssi_code != SI_KERNEL))
        ::syscall(SYS_pidfd_send_signal, pidfd, static_cast<int>(si.ssi_signo), nullptr, 0);
    }
    if ((fds[0].revents & POLLIN) != 0) {
      siginfo_t info{};
      if (waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED) != 0)
        sys::throw_errno("waitid");
      result.exit_code = exit_code_of(info);
      if (auto msg = channel.receive_queued(); msg.kind == Channel::Kind::failure)
        result.failure = std::move(msg);
      return result;
    }
  }
}

struct ChildArgs {
  const plan::SandboxPlan *plan;
  int channel_fd;
  const seccomp::Filter *filter;
};

[[noreturn]] void run_child(const ChildArgs &args) {
  Channel channel{sys::UniqueFd(args.channel_fd)};
  child_main(*args.plan, channel, args.filter);
}

#if !defined(SANDBOX_FORK_CHILDREN)
int child_entry(void *args) {
  run_child(*static_cast<const ChildArgs *>(args));
}
#endif

// The sandbox's first process, in its new namespaces; returns its pid and stores a pidfd.
//
// It shares the launcher's memory (CLONE_VM), on a stack of its own, as the command shares pid
// 1's until it execs (init.cpp): nothing of the launcher's address space is copied, and
// neither process takes a copy-on-write fault on every page it writes afterwards. On a
// paravirtualised VM each fault is a hypercall (~15 us); an interleaved A/B of the whole run
// went from 19.4 to 15.7 ms (bench/stages.sh, on a busy machine). The price is a rule, since glibc
// does not know of the second process (no locks in malloc): only one of the two allocates at any
// time. The launcher allocates until it sends "maps ready" and after the child has exited, never in
// between (supervise); the child allocates nothing before it receives "maps ready"
// (Channel::wait_maps_ready). What the child reads (the plan, the filter, `args`) lives in
// run_sandbox's frame, which outlives it (ChildReaper). Pid 1 becomes non-dumpable before the
// command runs (init.cpp), which makes this shared memory unreachable through ptrace or
// /proc/PID/mem from inside; dumpability belongs to the memory, so from then on the launcher
// is not dumpable either (no core dump, /proc/<launcher> owned by root): nothing may use
// /proc/<launcher or child> once the id maps are written. Sanitizer builds fork
// (SANDBOX_FORK_CHILDREN): their runtimes do not know the stack.
pid_t start_child(int flags, const ChildArgs &args, [[maybe_unused]] CloneStack &stack,
                  int &pidfd) {
#if !defined(SANDBOX_FORK_CHILDREN)
  const pid_t pid = clone(child_entry, stack.top(), flags | CLONE_VM | SIGCHLD,
                          const_cast<ChildArgs *>(&args), &pidfd);
  if (pid < 0)
    sys::throw_errno("clone");
  return pid;
#else
  clone_args cargs{};
  cargs.flags = static_cast<std::uint64_t>(flags);
  cargs.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  cargs.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &cargs, sizeof cargs);
  if (pid < 0 && errno == ENOSYS) // a seccomp filter around sandbox, or a kernel before 5.3
    pid = ::syscall(SYS_clone, static_cast<unsigned long>(flags) | SIGCHLD, nullptr, &pidfd,
                    nullptr, 0UL);
  if (pid < 0)
    sys::throw_errno("clone");
  if (pid == 0)
    run_child(args);
  return static_cast<pid_t>(pid);
#endif
}

// Kills and reaps the child when run_sandbox is left any other way than through its exit
// (an exception): the child must never outlive what it reads, its stack included.
class ChildReaper {
public:
  explicit ChildReaper(int pidfd) : m_pidfd(pidfd) {}
  ChildReaper(const ChildReaper &) = delete;
  ChildReaper &operator=(const ChildReaper &) = delete;
  ~ChildReaper() {
    if (m_pidfd < 0)
      return;
    ::syscall(SYS_pidfd_send_signal, m_pidfd, SIGKILL, nullptr, 0);
    siginfo_t info{};
    waitid(P_PIDFD, static_cast<id_t>(m_pidfd), &info, WEXITED);
  }
  void reaped() { m_pidfd = -1; }

private:
  int m_pidfd;
};

// Restores the signal mask however run_sandbox is left.
class SignalMaskRestorer {
public:
  explicit SignalMaskRestorer(const sigset_t &old) : m_old(old) {}
  SignalMaskRestorer(const SignalMaskRestorer &) = delete;
  SignalMaskRestorer &operator=(const SignalMaskRestorer &) = delete;
  ~SignalMaskRestorer() { sigprocmask(SIG_SETMASK, &m_old, nullptr); }

private:
  sigset_t m_old;
};

} // namespace

int run_sandbox(const plan::SandboxPlan &plan,
                const std::function<void(pid_t child)> &after_id_maps) {
  // Everything that can fail without a child happens before clone.
  SANDBOX_STAGE("launch");
  std::optional<seccomp::Filter> filter;
  if (plan.seccomp_prebuilt_default)
    filter = seccomp::prebuilt_default_filter();
  else if (plan.seccomp)
    filter = seccomp::compile_filter(*plan.seccomp);
  SANDBOX_STAGE("filter-ready");
  auto [parent_end, child_end] = Channel::make_pair();

  // Blocked before clone so that none is lost in between; the child inherits the mask, its
  // pid 1 keeps it and the command clears it.
  const sigset_t forwarded = forwarded_set();
  sigset_t old_mask;
  sigprocmask(SIG_BLOCK, &forwarded, &old_mask);
  const SignalMaskRestorer restore_mask(old_mask);
  sys::UniqueFd signal_fd(signalfd(-1, &forwarded, SFD_CLOEXEC));
  if (!signal_fd)
    sys::throw_errno("signalfd");

  std::fflush(stdout);
  std::fflush(stderr);
  CloneStack stack("the sandbox's first process");
  const ChildArgs args{&plan, child_end.fd(), filter ? &*filter : nullptr};
  int pidfd = -1;
  SANDBOX_STAGE("clone");
  // The child's own copy of the parent's end closes in close_inherited_fds (child.cpp).
  const pid_t pid = start_child(clone_flags(plan), args, stack, pidfd);
  SANDBOX_STAGE("parent-after-clone");
  const sys::UniqueFd child_pidfd(pidfd);
  ChildReaper reaper(child_pidfd.get()); // after `stack` and the fd: destroyed before them
  child_end.close();

  try {
    ns::write_id_maps(pid, plan.ids);
    if (after_id_maps)
      after_id_maps(pid);
    parent_end.send_maps_ready();
    SANDBOX_STAGE("maps-written");
  } catch (Error &e) {
    e.with_context("id maps");
    throw;
  }

  const Supervision result =
      supervise(child_pidfd.get(), parent_end, signal_fd.get(), plan.new_session);
  reaper.reaped();
  SANDBOX_STAGE("child-reaped");
  if (result.failure) {
    std::fprintf(stderr, "sandbox: %s\n", result.failure->error->line().c_str());
    return result.failure->exit_code;
  }
  return result.exit_code;
}

} // namespace sandbox::launch
