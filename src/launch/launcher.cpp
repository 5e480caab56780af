// SPDX-License-Identifier: Apache-2.0
#include "launch/launcher.hpp"

#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <optional>

#include "launch/channel.hpp"
#include "launch/child.hpp"
#include "launch/clone_stack.hpp"
#include "net/loopback.hpp"
#include "ns/idmap.hpp"
#include "seccomp/filter.hpp"
#include "seccomp/prebuilt.hpp"
#include "sys/raw_syscall.hpp"
#include "sys/syscalls.hpp"
#include "util/stage_clock.hpp"

namespace sandbox::launch {

namespace {

// The namespaces besides the user namespace, as CLONE_NEW* flags.
int namespace_flags(const NamespaceSet &set) {
  int flags = CLONE_NEWNS;
  if (set.pid)
    flags |= CLONE_NEWPID;
  if (set.ipc)
    flags |= CLONE_NEWIPC;
  if (set.uts)
    flags |= CLONE_NEWUTS;
  if (set.net)
    flags |= CLONE_NEWNET;
  if (set.cgroup)
    flags |= CLONE_NEWCGROUP;
  return flags;
}

NamespaceSet namespaces_of(const plan::SandboxPlan &plan) {
  return {plan.new_pid, plan.new_ipc, plan.new_uts, plan.new_net, plan.new_cgroup};
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

[[noreturn]] void run_child(const ChildStart &start) {
  Channel channel{sys::UniqueFd(start.channel_fd)};
  child_main(start, channel);
}

#if !defined(SANDBOX_FORK_CHILDREN)
int child_entry(void *start) {
  run_child(*static_cast<const ChildStart *>(start));
}
#endif

// The sandbox's first process, in its new namespaces; returns its pid and stores a pidfd.
//
// It shares the launcher's memory (CLONE_VM), on a stack of its own, as the command's process
// does until it execs (init.hpp): nothing of the launcher's address space is copied, and
// neither process takes a copy-on-write fault on every page it writes afterwards. On a
// paravirtualised VM each fault is a hypercall (~15 us); an interleaved A/B of the whole run
// went from 19.4 to 15.7 ms (bench/stages.sh, on a busy machine). The price is a rule, since glibc
// does not know of the second process (no locks in malloc): only one of the two allocates at any
// time. The launcher allocates until it sends "maps ready" or publishes the plan
// (ChildStart::plan_published) and after the child has exited, never in between (supervise;
// where it fails meanwhile, it first waits for the child to stop); the child allocates nothing
// before it receives "maps ready"
// (Channel::wait_maps_ready) or takes the published plan, and the command's process nothing
// before pid 1's word (init.hpp). What the child reads (the plan, the
// filter, `start`) outlives it (FirstProcess, run_sandbox). Pid 1 becomes non-dumpable before the
// command runs (init.cpp), which makes this shared memory unreachable through ptrace or
// /proc/PID/mem from inside; dumpability belongs to the memory, so from then on the launcher
// is not dumpable either (no core dump, /proc/<launcher> owned by root): nothing may use
// /proc/<launcher or child> once the id maps are written. Sanitizer builds fork
// (SANDBOX_FORK_CHILDREN): their runtimes do not know the stack.
pid_t start_child(int flags, const ChildStart &start, [[maybe_unused]] CloneStack &stack,
                  int &pidfd) {
#if !defined(SANDBOX_FORK_CHILDREN)
  const pid_t pid = clone(child_entry, stack.top(), flags | CLONE_VM | SIGCHLD,
                          const_cast<ChildStart *>(&start), &pidfd);
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
    run_child(start);
  return static_cast<pid_t>(pid);
#endif
}

// Kills and reaps the child when it is given up any other way than through its exit (an
// exception, a plan that wants other namespaces): the child must never outlive what it reads,
// its stack included.
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

// Blocks the forwarded signals; restores the mask it found when destroyed.
class ForwardedSignalsBlocked {
public:
  ForwardedSignalsBlocked() {
    // Blocked before clone so that none is lost in between; the child inherits the mask, its
    // pid 1 keeps it and the command clears it.
    const sigset_t forwarded = forwarded_signal_set();
    sigprocmask(SIG_BLOCK, &forwarded, &m_old);
  }
  ForwardedSignalsBlocked(const ForwardedSignalsBlocked &) = delete;
  ForwardedSignalsBlocked &operator=(const ForwardedSignalsBlocked &) = delete;
  ~ForwardedSignalsBlocked() { sigprocmask(SIG_SETMASK, &m_old, nullptr); }

private:
  sigset_t m_old{};
};

} // namespace

// The first process from its clone until it is reaped, and what it runs on and reads. Members
// go in reverse order: the process is killed and reaped (m_reaper) before its stack, its start
// arguments and the channel, and the signal mask is restored last.
class FirstProcess {
public:
  // `clone_flags`: the CLONE_NEW* flags of the clone itself (the user namespace is always new).
  // `own_maps` (single maps only, for a child started early): the id maps the child writes
  // itself once it has made its namespaces.
  FirstProcess(int clone_flags, const ChildStart &start,
               std::optional<plan::IdMaps> own_maps = std::nullopt)
      : m_start(start) {
    if (own_maps && own_maps->method == plan::MapMethod::single && sys::k_raw_syscalls) {
      const std::string uid_map = ns::id_map_text(own_maps->uid);
      const std::string gid_map = ns::id_map_text(own_maps->gid);
      if (uid_map.size() <= m_start.own_uid_map.size() &&
          gid_map.size() <= m_start.own_gid_map.size()) {
        uid_map.copy(m_start.own_uid_map.data(), uid_map.size());
        gid_map.copy(m_start.own_gid_map.data(), gid_map.size());
        m_start.own_uid_map_size = uid_map.size();
        m_start.own_gid_map_size = gid_map.size();
        m_start.write_own_id_maps = true;
        m_own_maps = std::move(own_maps);
      }
    }
    // A child started early (start_early) leaves them unblocked while the profile loads: a
    // ^C then ends the launcher, and the child with it (its death signal).
    if (start.unshare_flags == 0) {
      watch_signals();
      prepare_command_stack();
    }
    auto [parent_end, child_end] = Channel::make_pair();
    m_channel = std::move(parent_end);
    m_start.channel_fd = child_end.fd();
    m_namespaces = (clone_flags | start.unshare_flags) & ~CLONE_NEWUSER;
    std::fflush(stdout);
    std::fflush(stderr);
    int pidfd = -1;
    SANDBOX_STAGE("clone");
    // The child's own copy of the parent's end closes in close_inherited_fds (child.cpp).
    m_pid = start_child(clone_flags | CLONE_NEWUSER | CLONE_PIDFD, m_start, m_stack, pidfd);
    SANDBOX_STAGE("parent-after-clone");
    m_pidfd.reset(pidfd);
    m_reaper.emplace(pidfd);
    if (start.unshare_flags != 0)
      move_child_elsewhere();
  }
  FirstProcess(const FirstProcess &) = delete;
  FirstProcess &operator=(const FirstProcess &) = delete;

  // Whether the process is in (or is creating) exactly the namespaces `plan` wants, with the
  // id maps it wants when the process writes its own.
  [[nodiscard]] bool serves(const plan::SandboxPlan &plan) const {
    return m_namespaces == namespace_flags(namespaces_of(plan)) &&
           (!m_own_maps || (plan.ids.method == plan::MapMethod::single &&
                            plan.ids.uid == m_own_maps->uid && plan.ids.gid == m_own_maps->gid));
  }
  // Whether the child wrote its id maps itself (known after hand_over).
  [[nodiscard]] bool maps_written() const { return m_maps_written; }
  // Blocks the signals forwarded to the command and opens the descriptor supervise() takes
  // them from. Before the clone, or, for a child started early, before it gets the plan: pid 1
  // blocks them itself from its start, and nothing is forwarded before "maps ready".
  void watch_signals() {
    if (m_blocked)
      return;
    m_blocked.emplace();
    const sigset_t forwarded = forwarded_signal_set();
    m_signal_fd.reset(signalfd(-1, &forwarded, SFD_CLOEXEC));
    if (!m_signal_fd)
      sys::throw_errno("signalfd");
  }
  // What the child reads once it has "maps ready" (ChildStart); for a child started early,
  // once it has made its namespaces. False when the child could not write the id maps it was
  // to write itself: it must be replaced (the launcher then writes them, and reports why not).
  // `publish`: the launcher has nothing to do between this and send_maps_ready() (no id maps
  // to write, no after_id_maps), and a child that writes its own maps may take the plan
  // without waiting for "maps ready" (ChildStart::plan_published). From then until the child
  // is reaped, the launcher allocates nothing: it throws here only when the child failed, and
  // such a child takes no plan.
  [[nodiscard]] bool hand_over(const plan::SandboxPlan &plan, const seccomp::Filter *filter,
                               bool publish) {
    watch_signals();
    prepare_command_stack();
    m_start.plan = &plan;
    m_start.filter = filter;
    // The sandbox runs on the CPUs the launcher was given, whatever move_child_elsewhere did.
    if (m_moved && sched_setaffinity(m_pid, sizeof m_affinity, &m_affinity) != 0 && errno != ESRCH)
      sys::throw_errno("sched_setaffinity", "the sandbox's first process");
    if (m_start.unshare_flags != 0) {
      if (publish && m_start.write_own_id_maps)
        std::atomic_ref(m_start.plan_published).store(true, std::memory_order_release);
      const Channel::NamespacesMade made = m_channel.wait_namespaces_made();
      m_loopback_socket.reset(made.loopback_socket);
      m_loopback_expected = made.loopback_socket_sent;
      if (!made.reported)
        throw Error::message("the sandbox's first process ended before making its namespaces");
      if (made.unshare_errno != 0) {
        errno = made.unshare_errno;
        sys::throw_errno("unshare", "the sandbox's namespaces");
      }
      if (m_start.write_own_id_maps && made.maps_errno != 0)
        return false;
      m_maps_written = m_start.write_own_id_maps;
      m_plan_taken = made.plan_taken;
    }
    return true;
  }
  // Brings up the loopback of the child's new network namespace, when the child sent a socket
  // for it (hand_over) and waits for the word. The child may be building its root meanwhile,
  // allocating: where this fails, the child is told (its end of the channel reads EOF), which
  // it learns where it allocates nothing and then exits; only once it has is the exception
  // built. A child already gone (it failed, and says why) is left to supervise().
  void bring_up_loopback() {
    if (!m_loopback_expected)
      return;
    m_loopback_expected = false;
    // Sent but not received: the kernel drops a descriptor the receiver has no room for.
    net::LoopbackResult result{EMFILE, "recvmsg"};
    if (m_loopback_socket)
      result = net::bring_up_loopback_through(m_loopback_socket.get());
    m_loopback_socket.reset();
    const char *failed_on = "lo";
    if (result.err == 0) {
      const int err = m_channel.send_loopback_up();
      if (err == 0 || err == EPIPE || err == ECONNRESET)
        return;
      result = {err, "send"};
      failed_on = "sync channel";
    }
    ::shutdown(m_channel.fd(), SHUT_WR);
    siginfo_t info{};
    while (waitid(P_PIDFD, static_cast<id_t>(m_pidfd.get()), &info, WEXITED) != 0 &&
           errno == EINTR) {
    }
    m_reaper->reaped();
    throw Error::from_errno(result.err, result.op, failed_on);
  }
  // Whether the child took the published plan (hand_over's `publish`) and so goes on without
  // "maps ready" (known after hand_over).
  [[nodiscard]] bool plan_taken() const { return m_plan_taken; }
  [[nodiscard]] pid_t pid() const { return m_pid; }
  [[nodiscard]] int pidfd() const { return m_pidfd.get(); }
  [[nodiscard]] int signal_fd() const { return m_signal_fd.get(); }
  Channel &channel() { return m_channel; }
  void reaped() { m_reaper->reaped(); }

private:
  // The stack of the command's process (launch/init.hpp), which runs alongside pid 1 in the
  // same memory; its top pages mapped in ahead, off the sandbox's way (best effort).
  void prepare_command_stack() {
#if !defined(SANDBOX_FORK_CHILDREN)
    if (m_command_stack)
      return;
    constexpr std::size_t k_size = std::size_t{256} << 10;
    constexpr std::size_t k_populated = std::size_t{16} << 10;
    m_command_stack.emplace("the command's process", k_size);
    (void)madvise(static_cast<char *>(m_command_stack->top()) - k_populated, k_populated,
                  MADV_POPULATE_WRITE);
    m_start.command_stack_top = m_command_stack->top();
#endif
  }

  // A new process waits on its parent's CPU until the parent sleeps or its time slice ends
  // (~3 ms), even with another CPU idle: moved to another CPU, the child makes its namespaces
  // alongside the launcher. Which of the two moves is a matter of which has time to spare, since
  // the one that moves waits ~150-400 us for the other CPU to wake. Moving the launcher was
  // 0.4-2 % faster while it parsed the default profile; with the profile built at compile time
  // (profile/snapshot) the launcher has less to do, and moving the child is 2.2 % and 2.6 %
  // faster (run-by-run A/B, 400 pairs in each order). Best effort; hand_over() gives the child
  // back the launcher's CPUs.
  void move_child_elsewhere() noexcept {
    const int here = sched_getcpu();
    if (here < 0 || sched_getaffinity(0, sizeof m_affinity, &m_affinity) != 0 ||
        CPU_COUNT(&m_affinity) < 2 || !CPU_ISSET(here, &m_affinity))
      return;
    cpu_set_t elsewhere = m_affinity;
    CPU_CLR(here, &elsewhere);
    m_moved = sched_setaffinity(m_pid, sizeof elsewhere, &elsewhere) == 0;
  }

  std::optional<ForwardedSignalsBlocked> m_blocked;
  sys::UniqueFd m_signal_fd;
  Channel m_channel;
  CloneStack m_stack{"the sandbox's first process"};
  std::optional<CloneStack> m_command_stack;
  ChildStart m_start;
  int m_namespaces = 0;
  std::optional<plan::IdMaps> m_own_maps;
  bool m_maps_written = false;
  bool m_plan_taken = false;
  sys::UniqueFd m_loopback_socket;
  bool m_loopback_expected = false;
  cpu_set_t m_affinity{};
  bool m_moved = false;
  pid_t m_pid = -1;
  sys::UniqueFd m_pidfd;
  std::optional<ChildReaper> m_reaper; // last: destroyed first
};

void FirstProcessDeleter::operator()(FirstProcess *first) const noexcept {
  delete first; // NOLINT(cppcoreguidelines-owning-memory): the unique_ptr's deleter
}

EarlyStart start_early(const NamespaceSet &guess, std::optional<plan::IdMaps> id_maps) {
#if defined(SANDBOX_FORK_CHILDREN)
  (void)guess;
  (void)id_maps;
  return {};
#else
  ChildStart start;
  // pid namespaces apply to children, so that one is made by the clone; the child creates the
  // rest.
  const int clone_flags = guess.pid ? CLONE_NEWPID : 0;
  start.unshare_flags = namespace_flags(guess) & ~CLONE_NEWPID;
  start.die_with_parent = true;
  return EarlyStart(new FirstProcess(clone_flags, start, std::move(id_maps)));
#endif
}

int run_sandbox(const plan::SandboxPlan &plan,
                const std::function<void(pid_t child)> &after_id_maps, EarlyStart early,
                AfterExit after_exit) {
  SANDBOX_STAGE("launch");
  std::optional<seccomp::Filter> filter;
  if (plan.seccomp_prebuilt_default)
    filter = seccomp::prebuilt_default_filter();
  else if (plan.seccomp)
    filter = seccomp::compile_filter(*plan.seccomp);
  SANDBOX_STAGE("filter-ready");

  // After `filter`, so destroyed before it: the child, which reads the filter, is reaped first.
  EarlyStart first = std::move(early);
  if (first && !first->serves(plan))
    first.reset(); // other namespaces or id maps than the plan wants: killed and reaped
  if (first && !first->hand_over(plan, filter ? &*filter : nullptr, !after_id_maps))
    first.reset(); // it could not write its id maps: a new child gets them from the launcher
  if (!first) {
    ChildStart start;
    start.plan = &plan;
    start.filter = filter ? &*filter : nullptr;
    start.die_with_parent = plan.die_with_parent;
    first = EarlyStart(new FirstProcess(namespace_flags(namespaces_of(plan)), start));
  }

  try {
    if (!first->maps_written())
      ns::write_id_maps(first->pid(), plan.ids);
    if (after_id_maps)
      after_id_maps(first->pid());
    if (!first->plan_taken())
      first->channel().send_maps_ready();
    SANDBOX_STAGE("maps-written");
  } catch (Error &e) {
    e.with_context("id maps");
    throw;
  }
  first->bring_up_loopback();
  SANDBOX_STAGE("loopback-up");

  const Supervision result =
      supervise(first->pidfd(), first->channel(), first->signal_fd(), plan.new_session);
  first->reaped();
  SANDBOX_STAGE("child-reaped");
  int code = result.exit_code;
  if (result.failure) {
    std::fprintf(stderr, "sandbox: %s\n", result.failure->error->line().c_str());
    code = result.failure->exit_code;
  }
  if (after_exit == AfterExit::exit_process) {
    // The kernel releases the stacks, the plan and the rest of the heap at once; their
    // destructors, one by one, would only delay the exit (1.1-2.4 % of a start, run-by-run A/B).
    std::fflush(stdout);
    std::fflush(stderr);
    SANDBOX_STAGE("exit");
    _exit(code);
  }
  return code;
}

} // namespace sandbox::launch
