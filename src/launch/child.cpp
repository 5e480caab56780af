// SPDX-License-Identifier: Apache-2.0
#include "launch/child.hpp"

#include <csignal>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "launch/init.hpp"
#include "mount/mount.hpp"
#include "mount/overlay.hpp"
#include "net/loopback.hpp"
#include "sys/raw_syscall.hpp"
#include "sys/syscalls.hpp"
#include "util/stage_clock.hpp"

namespace sandbox::launch {

namespace {

// The errno of a call that just failed. The launcher shares errno (its thread-local storage)
// until "maps ready" and may set it meanwhile, even to 0: a failure is never read as success.
int failure_errno() noexcept {
  return errno != 0 ? errno : EIO;
}

// Fds the caller passed to sandbox (anything but stdio) must not reach the sandbox, not even
// its pid 1: closed here, before anything else, except the channel. An errno, not an
// exception: see child_main.
int close_inherited_fds(int keep) noexcept {
  if (keep > 3 && ::syscall(SYS_close_range, 3U, static_cast<unsigned>(keep - 1), 0U) != 0)
    return failure_errno();
  if (::syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0U, 0U) != 0)
    return failure_errno();
  return 0;
}

// unshare(2) returning the error instead of setting errno: the first process may make its
// namespaces while the launcher loads the profile (start_early in launcher.hpp), and a failure
// must not change the errno the launcher is about to read.
int unshare_keeping_errno(int flags) noexcept {
  if constexpr (!sys::k_raw_syscalls)
    return unshare(flags) != 0 ? failure_errno() : 0; // errno may reach the launcher here
  const long ret = sys::raw_syscall(SYS_unshare, flags);
  return ret < 0 ? static_cast<int>(-ret) : 0;
}

// socket(2) returning -errno instead of setting errno (as above); negative where raw system
// calls are not available.
int socket_keeping_errno(int domain, int type) noexcept {
  if constexpr (!sys::k_raw_syscalls)
    return -1; // the child brings the loopback up itself
  return static_cast<int>(sys::raw_syscall(SYS_socket, domain, type, 0));
}

// Writes `size` bytes of `text` to `name` in the directory `dir`: 0 or an errno, which it
// leaves alone (as above).
int write_file_keeping_errno(long dir, const char *name, const char *text,
                             std::size_t size) noexcept {
  const long fd =
      sys::raw_syscall(SYS_openat, dir, reinterpret_cast<long>(name), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return static_cast<int>(-fd);
  const long written =
      sys::raw_syscall(SYS_write, fd, reinterpret_cast<long>(text), static_cast<long>(size));
  (void)sys::raw_syscall(SYS_close, fd);
  if (written < 0)
    return static_cast<int>(-written);
  return static_cast<std::size_t>(written) == size ? 0 : EIO;
}

// The id maps of the child's user namespace, written by the child while the launcher loads the
// profile: a process may map its own uid and gid (one id each, setgroups denied first) in a user
// namespace where it holds CAP_SYS_ADMIN (user_namespaces(7); `unshare -r` does the same), and
// the launcher then has nothing to write. As the launcher does (ns/idmap.cpp), the files are
// reached through a /proc checked to be procfs. 0 or an errno.
int write_own_id_maps(const ChildStart &start) noexcept {
  const long dir = sys::raw_syscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self"),
                                    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return static_cast<int>(-dir);
  struct statfs fs {};
  const long statted = sys::raw_syscall(SYS_fstatfs, dir, reinterpret_cast<long>(&fs));
  int err = statted < 0 ? static_cast<int>(-statted) : fs.f_type != PROC_SUPER_MAGIC ? EXDEV : 0;
  if (err == 0)
    err = write_file_keeping_errno(dir, "setgroups", "deny", 4);
  if (err == 0)
    err =
        write_file_keeping_errno(dir, "gid_map", start.own_gid_map.data(), start.own_gid_map_size);
  if (err == 0)
    err =
        write_file_keeping_errno(dir, "uid_map", start.own_uid_map.data(), start.own_uid_map_size);
  (void)sys::raw_syscall(SYS_close, dir);
  return err;
}

void build_root(const plan::SandboxPlan &plan) {
  mount::make_root_propagation(plan.propagation);
  SANDBOX_STAGE("child-propagation");
  auto root = plan.overlay.enabled ? mount::overlay_new_root(plan)
                                   : mount::bind_new_root(plan.root_source, plan.root_readonly);
  SANDBOX_STAGE("child-root-bound");
  for (const auto &op : plan.mounts)
    mount::apply_mount(root.get(), op);
  SANDBOX_STAGE("child-mounts");
  mount::pivot_into(root.get());
  SANDBOX_STAGE("child-pivoted");
  const auto new_root = sys::open_path("/", O_PATH | O_DIRECTORY);
  mount::EmptyDirs empty(new_root.get(), plan.mounts);
  mount::remount_readonly(new_root.get(), plan.readonly_paths, empty);
  mount::protect_dirs(new_root.get(), plan.protected_dirs, empty);
  mount::mask_paths(new_root.get(), plan.masked_paths, empty);
  SANDBOX_STAGE("child-root-done");
}

} // namespace

void child_main(const ChildStart &start, Channel &channel) noexcept {
  SANDBOX_STAGE("child-start");
  // Pid 1 takes the signals the launcher forwards with sigwaitinfo (init.cpp), so none
  // forwarded before then may be lost. A child cloned after the plan inherits them blocked; one
  // started early does not (the launcher leaves them unblocked while it loads the profile) and
  // blocks them here.
  if (start.unshare_flags != 0) {
    const sigset_t forwarded = forwarded_signal_set();
    sigprocmask(SIG_BLOCK, &forwarded, nullptr);
  }
  // Until the id maps are written the launcher runs too, in the same memory (launcher.cpp): no
  // allocation here, and so no exception, before wait_maps_ready() returns; nor a look at the
  // plan, which may not exist yet.
  const int close_error = close_inherited_fds(channel.fd());
  SANDBOX_STAGE("child-fds-closed");
  // Across a new pid namespace getppid() is 0, so the channel, not getppid(), tells whether
  // the launcher died before this took effect.
  const int deathsig_error =
      start.die_with_parent && prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ? failure_errno() : 0;
  // The child holds every capability in its new user namespace from the start, id maps or
  // not, and so can create the other namespaces itself while the launcher builds the plan.
  const int unshare_error =
      start.unshare_flags != 0 ? unshare_keeping_errno(start.unshare_flags) : 0;
  const int maps_error =
      start.write_own_id_maps && unshare_error == 0 ? write_own_id_maps(start) : -1;
  // A child that made its namespaces and maps takes a plan already published instead of
  // waiting for "maps ready", and says so: the launcher then sends none, which would be left
  // unread (a socket closed with unread data resets its peer).
  const bool plan_taken = unshare_error == 0 && maps_error == 0 && plan_published(start);
  // The launcher brings the new loopback up through a socket made here, on its own CPU while
  // this process builds the root (~100 us of the kernel's work off the way to the command).
  const int loopback_socket = unshare_error == 0 && (start.unshare_flags & CLONE_NEWNET) != 0
                                  ? socket_keeping_errno(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC)
                                  : -1;
  bool loopback_by_launcher = false;
  // The launcher waits for this before it uses the namespaces (the fuse-overlayfs driver joins
  // the mount namespace) and reports a failure itself.
  if (start.unshare_flags != 0) {
    Channel::NamespacesMade made{true, unshare_error, maps_error, plan_taken, loopback_socket};
    const bool sent = channel.send_namespaces_made(made);
    if (loopback_socket >= 0)
      (void)sys::raw_syscall(SYS_close, loopback_socket);
    if (!sent)
      _exit(125); // the launcher is gone, or waits in vain: it reports that
    loopback_by_launcher = loopback_socket >= 0;
  }
  SANDBOX_STAGE("child-unshared");
  // Without a plan taken, the launcher died or failed when no "maps ready" comes (it reports,
  // or is gone). A launcher that died before the prctl above took effect, after sending "maps
  // ready" or publishing the plan, left its end closed: that tells.
  if ((!plan_taken && !channel.wait_maps_ready()) || channel.peer_closed())
    _exit(125);
  SANDBOX_STAGE("child-maps-seen");
  const plan::SandboxPlan &plan = *start.plan;
  const seccomp::Filter *filter = start.filter;
  try {
    if (close_error != 0)
      throw Error::from_errno(close_error, "close_range");
    if (deathsig_error != 0)
      throw Error::from_errno(deathsig_error, "prctl PR_SET_PDEATHSIG");
    if (unshare_error != 0) {
      errno = unshare_error;
      sys::throw_errno("unshare", "namespaces");
    }
    if (start.die_with_parent && !plan.die_with_parent && prctl(PR_SET_PDEATHSIG, 0) != 0)
      sys::throw_errno("prctl PR_SET_PDEATHSIG");
    // With subids setgroups is allowed: drop the caller's supplementary groups, which would
    // otherwise still open host files (with a single map the kernel keeps them, unmapped).
    if (plan.ids.method == plan::MapMethod::subids && setgroups(0, nullptr) != 0)
      sys::throw_errno("setgroups");
    // Started before the root, which it does not need yet: it prepares on another CPU while
    // this process builds the root.
    PendingCommand command(plan, channel, filter, start.command_stack_top);
    SANDBOX_STAGE("command-cloned");
    build_root(plan);
    if (loopback_by_launcher) {
      if (!channel.wait_loopback_up()) {
        command.abandon();
        _exit(125); // the launcher failed (and reports) or died
      }
    } else if (plan.new_net) {
      net::bring_up_loopback();
    }
    if (!plan.hostname.empty() && sethostname(plan.hostname.data(), plan.hostname.size()) != 0)
      sys::throw_errno("sethostname", plan.hostname);
    SANDBOX_STAGE("child-net-host-done");
    run_init(channel, command);
  } catch (const Error &e) {
    channel.send_failure(e, 125);
  } catch (const std::exception &e) {
    channel.send_failure(Error::message(e.what()), 125);
  }
  _exit(125);
}

} // namespace sandbox::launch
