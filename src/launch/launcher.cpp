// SPDX-License-Identifier: Apache-2.0
#include "launch/launcher.hpp"

#include <linux/sched.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>

#include "launch/channel.hpp"
#include "launch/child.hpp"
#include "ns/idmap.hpp"
#include "seccomp/filter.hpp"
#include "seccomp/prebuilt.hpp"
#include "sys/syscalls.hpp"
#include "util/stage_clock.hpp"

namespace sandbox::launch {

namespace {

std::uint64_t clone_flags(const plan::SandboxPlan &plan) {
  std::uint64_t flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_PIDFD;
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

// Waits for the child while forwarding signals; the channel reports a setup or exec failure
// (or EOF once the command is exec'd).
Supervision supervise(int pidfd, Channel &channel, int signal_fd, bool command_has_own_session) {
  Supervision result;
  bool channel_open = true;
  for (;;) {
    pollfd fds[3] = {{pidfd, POLLIN, 0}, {signal_fd, POLLIN, 0}, {channel.fd(), POLLIN, 0}};
    const nfds_t count = channel_open ? 3 : 2;
    if (poll(fds, count, -1) < 0) {
      if (errno == EINTR)
        continue;
      sys::throw_errno("poll");
    }
    if (channel_open && (fds[2].revents & (POLLIN | POLLHUP)) != 0) {
      auto msg = channel.receive();
      if (msg.kind == Channel::Kind::failure)
        result.failure = std::move(msg);
      else
        channel_open = false;
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
      // A failure sent just before the child exited is still queued on the channel.
      if (channel_open && !result.failure) {
        pollfd last{channel.fd(), POLLIN, 0};
        if (poll(&last, 1, 0) > 0) {
          auto msg = channel.receive();
          if (msg.kind == Channel::Kind::failure)
            result.failure = std::move(msg);
        }
      }
      return result;
    }
  }
}

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
  sys::UniqueFd signal_fd(signalfd(-1, &forwarded, SFD_CLOEXEC));
  if (!signal_fd)
    sys::throw_errno("signalfd");

  std::fflush(stdout);
  std::fflush(stderr);
  int pidfd = -1;
  clone_args args{};
  args.flags = clone_flags(plan);
  args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  SANDBOX_STAGE("clone");
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0 && errno == ENOSYS) {
    // A seccomp filter around sandbox (Docker's and sandbox's own default policies answer
    // ENOSYS to clone3, so that libc falls back to clone, whose flags a filter can read) or a
    // kernel before 5.3: the same flags through clone(2), which returns the pidfd through its
    // parent_tid argument. No new stack: the child continues on a copy of ours, as with fork.
    pid = ::syscall(SYS_clone, static_cast<unsigned long>(args.flags) | SIGCHLD, nullptr, &pidfd,
                    nullptr, 0UL);
    if (pid < 0)
      sys::throw_errno("clone");
  } else if (pid < 0) {
    sys::throw_errno("clone3");
  }
  if (pid == 0) {
    parent_end.close();
    child_main(plan, child_end, filter ? &*filter : nullptr);
  }
  SANDBOX_STAGE("parent-after-clone");
  sys::UniqueFd child_pidfd(pidfd);
  child_end.close();

  try {
    ns::write_id_maps(static_cast<pid_t>(pid), plan.ids);
    if (after_id_maps)
      after_id_maps(static_cast<pid_t>(pid));
    parent_end.send_maps_ready();
    SANDBOX_STAGE("maps-written");
  } catch (Error &e) {
    ::syscall(SYS_pidfd_send_signal, child_pidfd.get(), SIGKILL, nullptr, 0);
    siginfo_t info{};
    waitid(P_PIDFD, static_cast<id_t>(child_pidfd.get()), &info, WEXITED);
    e.with_context("id maps");
    throw;
  }

  auto result = supervise(child_pidfd.get(), parent_end, signal_fd.get(), plan.new_session);
  SANDBOX_STAGE("child-reaped");
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  if (result.failure) {
    std::fprintf(stderr, "sandbox: %s\n", result.failure->error->line().c_str());
    return result.failure->exit_code;
  }
  return result.exit_code;
}

} // namespace sandbox::launch
