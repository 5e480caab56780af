// SPDX-License-Identifier: Apache-2.0
#include "image/owner_ns.hpp"

#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "launch/channel.hpp"
#include "ns/idmap.hpp"
#include "plan/build.hpp"
#include "plan/host_facts.hpp"
#include "util/error.hpp"

namespace sandbox::image {

namespace {

bool g_in_owner_ns = false;

constexpr const char *k_userns_hint =
    "user namespaces disabled: check kernel.unprivileged_userns_clone, user.max_user_namespaces "
    "and AppArmor kernel.apparmor_restrict_unprivileged_userns; or import with --no-subids";

// The child: unshare, say so, wait for the maps, become the namespace's root, run `fn`.
// Messages on the channel: child -> parent "maps_ready" means "unshared, map me"; parent ->
// child "maps_ready" means "mapped"; a failure carries the child's Error.
[[noreturn]] void child_main(launch::Channel &channel, pid_t parent,
                             const std::function<void()> &fn) {
  int code = 0;
  try {
    // A parent that dies (SIGKILL) stops the child as SIGTERM would: it cleans up and exits.
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
      throw Error::from_errno(errno, "prctl PR_SET_PDEATHSIG");
    if (getppid() != parent)
      _exit(125);
    if (unshare(CLONE_NEWUSER) != 0)
      throw Error::from_errno(errno, "unshare", "CLONE_NEWUSER").with_hint(k_userns_hint);
    channel.send_maps_ready();
    if (channel.receive().kind != launch::Channel::Kind::maps_ready)
      _exit(125); // the parent failed (and says why) or died
    // Supplementary groups are kept: the archive may be readable through one of them.
    if (setresgid(0, 0, 0) != 0)
      throw Error::from_errno(errno, "setresgid", "0");
    if (setresuid(0, 0, 0) != 0)
      throw Error::from_errno(errno, "setresuid", "0");
    g_in_owner_ns = true;
    fn();
  } catch (const Error &e) {
    channel.send_failure(e, 125);
    code = 125;
  } catch (const std::exception &e) {
    channel.send_failure(Error::message(e.what()), 125);
    code = 125;
  } catch (...) {
    channel.send_failure(Error::message("unexpected failure (out of memory?)"), 125);
    code = 125;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}

// Kills and reaps the child unless it has been waited for.
class ChildGuard {
public:
  explicit ChildGuard(pid_t pid) : m_pid(pid) {}
  ~ChildGuard() {
    if (m_pid > 0) {
      kill(m_pid, SIGKILL);
      int status = 0;
      while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  ChildGuard(const ChildGuard &) = delete;
  ChildGuard &operator=(const ChildGuard &) = delete;
  // Waits for the child to exit, forwarding `interrupted` as SIGTERM; returns its status.
  int wait(const std::atomic<bool> *interrupted) {
    bool forwarded = false;
    int status = 0;
    for (;;) {
      if (interrupted && interrupted->load() && !forwarded) {
        kill(m_pid, SIGTERM);
        forwarded = true;
      }
      if (waitpid(m_pid, &status, 0) == m_pid)
        break;
      if (errno != EINTR)
        throw Error::from_errno(errno, "waitpid", std::to_string(m_pid));
    }
    m_pid = -1;
    return status;
  }

private:
  pid_t m_pid;
};

} // namespace

std::string caller_name() {
  struct passwd pw {};
  struct passwd *found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found)
    return found->pw_name;
  return std::to_string(getuid());
}

OwnerMap probe_owner_map() {
  OwnerMap m;
  plan::HostFacts h;
  h.uid = getuid();
  h.gid = getgid();
  h.user = caller_name();
  m.user = h.user;
  plan::gather_subid_facts(h); // the launcher's reading of /etc/subuid, /etc/subgid
  if (h.newuidmap.empty() || h.newgidmap.empty()) {
    m.why_not = "newuidmap/newgidmap are not installed";
    return m;
  }
  if (h.subuids.empty() || h.subgids.empty()) {
    m.why_not = "no subordinate ids for " + h.user;
    return m;
  }
  // The launcher's map for user.map = "subids" with uid = 0 and gid = 0.
  m.ids.method = plan::MapMethod::subids;
  m.ids.uid = plan::subid_map(0, h.uid, h.subuids.front());
  m.ids.gid = plan::subid_map(0, h.gid, h.subgids.front());
  m.ids.newuidmap = h.newuidmap;
  m.ids.newgidmap = h.newgidmap;
  m.max_uid = std::min<std::uint32_t>(h.subuids.front().count, 65535);
  m.max_gid = std::min<std::uint32_t>(h.subgids.front().count, 65535);
  m.usable = true;
  return m;
}

bool in_owner_ns() {
  return g_in_owner_ns;
}

void run_as_ns_root(const OwnerMap &map, const std::function<void()> &fn,
                    const std::atomic<bool> *interrupted) {
  auto [parent_end, child_end] = launch::Channel::make_pair();
  std::fflush(stdout); // or the child would print what the parent buffered too
  std::fflush(stderr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0)
    throw Error::from_errno(errno, "fork");
  if (pid == 0) {
    parent_end.close();
    child_main(child_end, parent, fn);
  }
  child_end.close();
  ChildGuard child(pid);

  auto ready = parent_end.receive();
  if (ready.kind == launch::Channel::Kind::failure && ready.error) {
    child.wait(nullptr);
    throw *ready.error;
  }
  if (ready.kind != launch::Channel::Kind::maps_ready)
    throw Error::message("the user namespace process exited before it was mapped");
  try {
    ns::write_id_maps(pid, map.ids);
  } catch (Error &e) {
    e.with_context("id maps").with_hint(
        "check the user's ranges in /etc/subuid and /etc/subgid, or import with "
        "--no-subids");
    throw;
  }
  parent_end.send_maps_ready();
  const int status = child.wait(interrupted);
  // The child has exited: its failure, if it sent one, is queued on the socket.
  auto done = parent_end.receive();
  if (done.kind == launch::Channel::Kind::failure && done.error)
    throw *done.error;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return;
  throw Error::message(
      WIFSIGNALED(status)
          ? "the user namespace process was killed by signal " + std::to_string(WTERMSIG(status))
          : "the user namespace process exited with status " + std::to_string(WEXITSTATUS(status)));
}

} // namespace sandbox::image
