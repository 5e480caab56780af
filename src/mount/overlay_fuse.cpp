// SPDX-License-Identifier: Apache-2.0
// The fuse-overlayfs driver, launcher side. The daemon must not live in the sandbox: a command
// that could ptrace it would reach the host files it serves. So the launcher forks it in the
// host's pid namespace, in the child's user namespace (its mount belongs there, and the child
// may use it) but in a mount namespace of its own (pivot_root in the child would otherwise move
// the daemon's root onto its own mount). A helper clones the finished mount and attaches it in
// the child's mount namespace at a private temporary directory, where the child picks it up.
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "mount/overlay.hpp"
#include "sys/syscalls.hpp"

namespace sandbox::mount {

namespace {

constexpr long k_fuse_magic = 0x65735546;
constexpr int k_mnt_detach = 2; // <sys/mount.h> clashes with <linux/mount.h>
constexpr unsigned long k_ms_rec = 16384;
constexpr unsigned long k_ms_private = 1U << 18U;
constexpr auto k_start_timeout = std::chrono::seconds(10);

// Best effort from a forked process that is about to _exit: the launcher reads it.
void report(int fd, const std::string &text) {
  auto n = write(fd, text.data(), text.size());
  (void)n;
}

[[noreturn]] void fail(int fd, const std::string &what) {
  report(fd, what + ": " + std::strerror(errno));
  _exit(125);
}

// fuse-overlayfs mounts by itself (mount(2) needs CAP_SYS_ADMIN in our user namespace) and
// copies up files of other owners (CAP_CHOWN, CAP_FOWNER, CAP_DAC_OVERRIDE...): the caps the
// user namespace gives us must survive execve for a non-zero uid, hence ambient.
void keep_caps_across_exec(int status_fd) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0)
    fail(status_fd, "capget");
  for (auto &d : data)
    d.inheritable = d.permitted;
  if (::syscall(SYS_capset, &header, data.data()) != 0)
    fail(status_fd, "capset");
  for (int cap : {CAP_SYS_ADMIN, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
                  CAP_FSETID, CAP_MKNOD, CAP_SETUID, CAP_SETGID})
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
      fail(status_fd, "raise ambient capability " + std::to_string(cap));
}

// libfuse splits -o at commas; a backslash escapes one.
std::string escape_fuse_option(const std::string &path) {
  std::string out;
  for (char c : path) {
    if (c == ',' || c == '\\')
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Runs in the helper (a grandchild of the daemon's process, orphaned on purpose so that the
// daemon never has a child to reap): waits for the mount, hands it to the child's mount
// namespace, and leaves the daemon's own view of it (a lookup in the lower layer that reached
// its own mount point would deadlock the daemon).
[[noreturn]] void hand_over(int status_fd, int child_mnt_ns, const std::string &mnt,
                            const std::string &target, pid_t daemon) {
  const auto deadline = std::chrono::steady_clock::now() + k_start_timeout;
  for (;;) {
    struct statfs fs {};
    if (statfs(mnt.c_str(), &fs) == 0 && fs.f_type == k_fuse_magic)
      break;
    if (kill(daemon, 0) != 0) {
      report(status_fd, "fuse-overlayfs exited before mounting (its messages are above)");
      _exit(125);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      report(status_fd, "fuse-overlayfs did not mount within 10 s");
      _exit(125);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  long tree = ::syscall(SYS_open_tree, AT_FDCWD, mnt.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    fail(status_fd, "open_tree " + mnt);
  if (::syscall(SYS_umount2, mnt.c_str(), k_mnt_detach) != 0)
    fail(status_fd, "umount " + mnt);
  if (setns(child_mnt_ns, CLONE_NEWNS) != 0)
    fail(status_fd, "setns mnt");
  if (::syscall(SYS_move_mount, static_cast<int>(tree), "", AT_FDCWD, target.c_str(),
                MOVE_MOUNT_F_EMPTY_PATH) != 0)
    fail(status_fd, "move_mount " + target);
  report(status_fd, "ok");
  _exit(0);
}

// Removes `path` and everything below it, making directories writable first (the command may
// have left mode-000 directories in an upper layer).
void remove_tree(int parent, const char *name) {
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOTDIR || errno == ELOOP)
      unlinkat(parent, name, 0);
    else if (fchmodat(parent, name, 0700, 0) == 0)
      fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return;
  }
  fchmod(fd, 0700);
  if (DIR *d = fdopendir(fd)) {
    while (auto *e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        remove_tree(dirfd(d), e->d_name);
    closedir(d);
  } else {
    close(fd);
  }
  unlinkat(parent, name, AT_REMOVEDIR);
}

} // namespace

FuseOverlay::FuseOverlay(const plan::SandboxPlan &plan) : m_plan(plan) {
  std::string templ = plan.overlay.runtime_dir + "/sandbox-overlay-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr)
    throw Error::from_errno(errno, "mkdtemp", templ)
        .with_hint("set XDG_RUNTIME_DIR to a writable directory");
  m_temp_dir = templ;
  // Ephemeral: the daemon's view of this directory is a tmpfs (upper/, work/, mnt/), so the
  // host only ever sees this empty directory. The child finds the mount on the directory itself.
  m_mountpoint = m_temp_dir;
  if (!plan.overlay.ephemeral) {
    for (const char *sub : {"/upper", "/work"}) {
      std::error_code ec;
      std::filesystem::create_directories(plan.overlay.dir + sub, ec);
      if (ec)
        throw Error::from_errno(ec.value(), "mkdir", plan.overlay.dir + sub)
            .with_context("root.overlay_dir");
    }
  }
}

FuseOverlay::~FuseOverlay() {
  stop();
}

void FuseOverlay::start(pid_t child) {
  auto user_ns = sys::open_path("/proc/" + std::to_string(child) + "/ns/user", O_RDONLY);
  auto mnt_ns = sys::open_path("/proc/" + std::to_string(child) + "/ns/mnt", O_RDONLY);
  std::array<int, 2> status{};
  if (pipe2(status.data(), O_CLOEXEC) != 0)
    sys::throw_errno("pipe");
  sys::UniqueFd status_read(status[0]);
  sys::UniqueFd status_write(status[1]);

  const auto &o = m_plan.overlay;
  const std::string inner = m_temp_dir; // in the daemon's mount namespace: a tmpfs
  const std::string upper = o.ephemeral ? inner + "/upper" : o.dir + "/upper";
  const std::string work = o.ephemeral ? inner + "/work" : o.dir + "/work";
  const std::string mnt = inner + "/mnt";
  const std::string options = "lowerdir=" + escape_fuse_option(m_plan.root_source) +
                              ",upperdir=" + escape_fuse_option(upper) +
                              ",workdir=" + escape_fuse_option(work) +
                              // With one id mapped, host files of other owners show as nobody
                              // and copy-up cannot chown them: every file shows as the user's,
                              // and the daemon (the user, on the host) still cannot read or
                              // change more than the user can. Changes only reach the upper dir.
                              (m_plan.ids.method == plan::MapMethod::single
                                   ? ",squash_to_uid=" + std::to_string(m_plan.ids.uid_inside) +
                                         ",squash_to_gid=" + std::to_string(m_plan.ids.gid_inside)
                                   : std::string());

  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0)
    sys::throw_errno("fork");
  if (pid == 0) {
    const int fd = status_write.get();
    // Never left running: it dies with the launcher, and in its own session a terminal's ^C
    // reaches the command (through the launcher) before it reaches the daemon.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setsid();
    if (setns(user_ns.get(), CLONE_NEWUSER) != 0)
      fail(fd, "setns user");
    if (unshare(CLONE_NEWNS) != 0)
      fail(fd, "unshare mnt");
    if (::syscall(SYS_mount, "none", "/", nullptr, k_ms_rec | k_ms_private, nullptr) != 0)
      fail(fd, "make / private");
    if (o.ephemeral) {
      if (::syscall(SYS_mount, "tmpfs", inner.c_str(), "tmpfs", 0UL, "mode=0700") != 0)
        fail(fd, "mount tmpfs " + inner);
      for (const auto &dir : {upper, work, mnt})
        if (mkdir(dir.c_str(), 0700) != 0)
          fail(fd, "mkdir " + dir);
      // The root of the merged view is the upper directory's: give it the lower root's mode.
      struct stat st {};
      if (stat(m_plan.root_source.c_str(), &st) == 0)
        chmod(upper.c_str(), st.st_mode & 07777);
    } else if (mkdir(mnt.c_str(), 0700) != 0) {
      fail(fd, "mkdir " + mnt);
    }
    const pid_t daemon = getpid();
    pid_t middle = fork();
    if (middle == 0) {
      if (fork() == 0)
        hand_over(fd, mnt_ns.get(), mnt, m_mountpoint, daemon);
      _exit(0);
    }
    if (middle < 0 || waitpid(middle, nullptr, 0) != middle)
      fail(fd, "fork");
    keep_caps_across_exec(fd);
    const std::string program = o.fuse_program;
    execl(program.c_str(), "fuse-overlayfs", "-f", "-o", options.c_str(), mnt.c_str(), nullptr);
    fail(fd, "execute " + program);
  }
  m_daemon = pid;
  status_write.reset();

  std::string text;
  std::array<char, 512> buf{};
  pollfd pfd{status_read.get(), POLLIN, 0};
  while (poll(&pfd, 1, 15000) > 0) {
    auto n = read(status_read.get(), buf.data(), buf.size());
    if (n <= 0)
      break;
    text.append(buf.data(), static_cast<std::size_t>(n));
    if (text == "ok")
      return;
  }
  stop();
  throw Error::message("fuse-overlayfs: " + (text.empty() ? std::string("did not start") : text),
                       "check that /dev/fuse is usable (crw-rw-rw-) and that the overlay "
                       "directories are writable");
}

void FuseOverlay::stop() noexcept {
  if (m_daemon > 0) {
    // SIGTERM lets libfuse unmount cleanly; the sandbox is gone by now, so nothing waits on it.
    kill(m_daemon, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (waitpid(m_daemon, &status, WNOHANG) == m_daemon) {
        m_daemon = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (m_daemon > 0) {
      kill(m_daemon, SIGKILL);
      waitpid(m_daemon, &status, 0);
      m_daemon = -1;
    }
  }
  if (!m_temp_dir.empty()) {
    if (rmdir(m_temp_dir.c_str()) != 0 && errno != ENOENT)
      remove_tree(AT_FDCWD, m_temp_dir.c_str());
    m_temp_dir.clear();
  }
}

} // namespace sandbox::mount
