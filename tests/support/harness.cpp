// SPDX-License-Identifier: Apache-2.0
// The integration-test harness; see harness.hpp.
#include "harness.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#ifndef SANDBOX_TEST_BIN
#define SANDBOX_TEST_BIN ""
#endif
#ifndef SANDBOX_TEST_PROBE
#define SANDBOX_TEST_PROBE ""
#endif
#ifndef SANDBOX_TEST_SOURCE_DIR
#define SANDBOX_TEST_SOURCE_DIR ""
#endif

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace sbx::test {

namespace {

std::string env_or(const char *name, const std::string &fallback) {
  const char *v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

std::string tmp_base() {
  return env_or("SANDBOX_TEST_TMPDIR", "/tmp");
}

std::string errno_text(int e) {
  const char *name = strerrorname_np(e);
  return std::string(name ? name : "E?") + " (" + std::strerror(e) + ")";
}

// Everything the child needs, computed before fork (no allocation after fork).
struct ChildPlan {
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::string cwd;
  std::vector<std::string> leak_paths;
  bool close_stdin = false;
  int leak_high_fd = -1;
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

[[noreturn]] void child_fail(const char *what, int e) {
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, "test-harness: %s: %s\n", what,
                        strerrorname_np(e) ? strerrorname_np(e) : "?");
  if (n > 0)
    (void)!write(2, buf, static_cast<size_t>(n));
  _exit(120);
}

// In the forked child: become the run user, set up fds and exec. Never returns.
[[noreturn]] void exec_child(const ChildPlan &plan, char *const *argv, char *const *envp, int in_fd,
                             int out_fd, int err_fd) {
  if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
    child_fail("dup2", errno);
  // Close everything else the test process has open: only what the test asks may leak.
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
    child_fail("close_range", errno);
  // Own process group, so the test's terminal signals do not hit it; signals are explicit.
  setpgid(0, 0);
  if (plan.drop) {
    if (setgroups(plan.groups.size(), plan.groups.data()) != 0)
      child_fail("setgroups", errno);
    if (setresgid(plan.gid, plan.gid, plan.gid) != 0)
      child_fail("setresgid", errno);
    if (setresuid(plan.uid, plan.uid, plan.uid) != 0)
      child_fail("setresuid", errno);
  }
  // Root hides rootless bugs: never run anything as (e)uid 0.
  uid_t r = 0, e = 0, s = 0;
  getresuid(&r, &e, &s);
  if (r == 0 || e == 0 || s == 0) {
    static const char msg[] = "test-harness: refusing to run as uid 0 (set SANDBOX_TEST_USER to "
                              "an unprivileged user)\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(121);
  }
  // Credentials changed: (re)arm the parent-death signal after that, so a crashed test binary
  // does not leave launchers behind.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (chdir(plan.cwd.c_str()) != 0)
    child_fail("chdir to the run cwd", errno);
  for (const auto &p : plan.leak_paths) {
    int fd = open(p.c_str(), O_RDONLY); // deliberately without O_CLOEXEC
    if (fd < 0)
      child_fail("open leak path", errno);
  }
  if (plan.leak_high_fd >= 0) {
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    if (fd < 0 || dup2(fd, plan.leak_high_fd) < 0)
      child_fail("leak a high fd", errno);
    close(fd);
  }
  if (plan.close_stdin)
    close(0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; sig++)
    signal(sig, SIG_DFL);
  execve(argv[0], argv, envp);
  child_fail("execve", errno);
}

std::atomic<unsigned> g_counter{0};

} // namespace

// ---- paths and users -------------------------------------------------------------------------

std::string sandbox_bin() {
  return env_or("SANDBOX_BIN", SANDBOX_TEST_BIN);
}
std::string probe_bin() {
  return env_or("SANDBOX_PROBE", SANDBOX_TEST_PROBE);
}
std::string source_dir() {
  return SANDBOX_TEST_SOURCE_DIR;
}

static std::string default_user_name();

std::string sandbox_bin_problem() {
  // Root hides rootless bugs: a run user that is uid 0 is a configuration error, not a skip.
  if (running_as_root()) {
    auto u = lookup_user(default_user_name());
    if (u && u->uid == 0)
      return "SANDBOX_TEST_USER '" + u->name +
             "' is uid 0: refusing to run sandboxes as root (it hides rootless bugs)";
  }
  std::string bin = sandbox_bin();
  if (bin.empty())
    return "no sandbox binary: the build has no `sandbox` target and SANDBOX_BIN is not set";
  if (access(bin.c_str(), X_OK) != 0)
    return "sandbox binary " + bin + " is not executable: " + errno_text(errno);
  std::string probe = probe_bin();
  if (probe.empty() || access(probe.c_str(), X_OK) != 0)
    return "probe binary '" + probe + "' is not executable";
  return {};
}

bool running_as_root() {
  return geteuid() == 0;
}

std::optional<User> lookup_user(const std::string &name) {
  struct passwd pw {};
  struct passwd *res = nullptr;
  std::vector<char> buf(16384);
  int rc = name.empty() ? getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &res)
                        : getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res);
  if (rc != 0 || res == nullptr)
    return std::nullopt;
  return User{pw.pw_name, pw.pw_uid, pw.pw_gid, pw.pw_dir};
}

static std::string default_user_name() {
  if (running_as_root())
    return env_or("SANDBOX_TEST_USER", "sbxtest");
  return ""; // ourselves
}

User test_user() {
  std::string name = default_user_name();
  auto u = lookup_user(name);
  if (!u) {
    ADD_FAILURE() << "test user '" << name
                  << "' does not exist: run tests/support/setup-test-users.sh as root";
    return User{name, 65534, 65534, "/nonexistent"};
  }
  return *u;
}

// ---- temp dirs -------------------------------------------------------------------------------

TempDir::TempDir(const std::string &owner, std::string_view prefix) {
  std::string tmpl = tmp_base() + "/" + std::string(prefix) + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw std::runtime_error("mkdtemp " + tmpl + ": " + errno_text(errno));
  m_path = buf.data();
  if (running_as_root()) {
    auto u = lookup_user(owner.empty() ? default_user_name() : owner);
    if (!u)
      throw std::runtime_error("TempDir: no such user '" + owner + "'");
    m_uid = u->uid;
    m_gid = u->gid;
    if (chown(m_path.c_str(), m_uid, m_gid) != 0)
      throw std::runtime_error("chown " + m_path + ": " + errno_text(errno));
  } else {
    m_uid = getuid();
    m_gid = getgid();
  }
  chmod(m_path.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  // Files a sandbox created may be read-only dirs; make everything writable first.
  for (auto it = fs::recursive_directory_iterator(
           m_path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec))
      chmod(it->path().c_str(), 0755);
  }
  fs::remove_all(m_path, ec);
}

std::string TempDir::write_file(const std::string &rel, const std::string &content,
                                unsigned mode) const {
  fs::path p = fs::path(m_path) / rel;
  fs::path dir = p.parent_path();
  if (dir != fs::path(m_path)) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    // chown every created component below m_path
    for (fs::path q = dir; q != fs::path(m_path) && q.has_parent_path(); q = q.parent_path())
      if (running_as_root())
        (void)!chown(q.c_str(), m_uid, m_gid);
  }
  {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << content;
  }
  chmod(p.c_str(), mode);
  if (running_as_root())
    (void)!chown(p.c_str(), m_uid, m_gid);
  return p.string();
}

std::string TempDir::make_dir(const std::string &rel, unsigned mode) const {
  fs::path p = fs::path(m_path) / rel;
  std::error_code ec;
  fs::create_directories(p, ec);
  for (fs::path q = p; q != fs::path(m_path) && q.has_parent_path(); q = q.parent_path())
    if (running_as_root())
      (void)!chown(q.c_str(), m_uid, m_gid);
  chmod(p.c_str(), mode);
  return p.string();
}

void write_file_as(const std::string &path, const std::string &content, const User &user,
                   unsigned mode) {
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << content;
  }
  chmod(path.c_str(), mode);
  if (running_as_root())
    (void)!chown(path.c_str(), user.uid, user.gid);
}

// ---- RunResult -------------------------------------------------------------------------------

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  if (s.empty())
    return out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      break;
    }
    out.emplace_back(s.substr(start, pos - start));
    start = pos + 1;
  }
  return out;
}

// Lines without their terminator; a trailing '\r' (pty output) is dropped too.
static std::vector<std::string> lines_of(const std::string &s) {
  auto v = split(s, '\n');
  for (auto &l : v)
    if (!l.empty() && l.back() == '\r')
      l.pop_back();
  if (!v.empty() && v.back().empty())
    v.pop_back();
  return v;
}

std::string join(const std::vector<std::string> &v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); i++) {
    if (i)
      out += sep;
    out += v[i];
  }
  return out;
}

std::string shell_quote(const std::string &s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string RunResult::describe() const {
  std::ostringstream os;
  os << "\n  command: " << cmdline << "\n  exit: " << exit_code;
  if (term_signal)
    os << " (killed by signal " << term_signal << ")";
  if (timed_out)
    os << " (TIMED OUT)";
  auto cut = [](const std::string &s) {
    return s.size() > 6000 ? s.substr(0, 6000) + "\n...[truncated]" : s;
  };
  os << "\n  --- stdout ---\n" << cut(out) << "\n  --- stderr ---\n" << cut(err) << "\n  ---";
  return os.str();
}

std::vector<std::string> RunResult::out_lines() const {
  return lines_of(out);
}
std::vector<std::string> RunResult::err_lines() const {
  return lines_of(err);
}

std::vector<std::string> RunResult::results() const {
  std::vector<std::string> r;
  for (auto &l : out_lines())
    if (l == "ok" || l.rfind("errno=", 0) == 0)
      r.push_back(l);
  return r;
}

std::string RunResult::result() const {
  auto r = results();
  return r.empty() ? "<no result>" : r.back();
}

// ---- Process ---------------------------------------------------------------------------------

Process::Process(std::vector<std::string> args, RunOptions opts) {
  m_expect_timeout = opts.expect_timeout;
  ChildPlan plan;
  if (opts.raw) {
    plan.argv = std::move(args);
  } else {
    plan.argv = {sandbox_bin()};
    plan.argv.insert(plan.argv.end(), args.begin(), args.end());
  }
  if (!plan.argv.empty() && plan.argv[0].find('/') == std::string::npos) {
    // Resolve a bare program name on a fixed PATH (execve does not search).
    for (const char *dir : {"/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
      std::string cand = std::string(dir) + "/" + plan.argv[0];
      if (access(cand.c_str(), X_OK) == 0) {
        plan.argv[0] = cand;
        break;
      }
    }
  }
  m_result.cmdline = join(plan.argv, " ");

  User u;
  if (running_as_root()) {
    std::string name = opts.user.empty() ? default_user_name() : opts.user;
    auto found = lookup_user(name);
    if (!found)
      throw std::runtime_error("run user '" + name +
                               "' does not exist: run tests/support/setup-test-users.sh as root");
    u = *found;
    plan.drop = true;
    plan.uid = u.uid;
    plan.gid = u.gid;
    int n = 64;
    plan.groups.resize(static_cast<size_t>(n));
    while (getgrouplist(u.name.c_str(), u.gid, plan.groups.data(), &n) < 0) {
      plan.groups.resize(static_cast<size_t>(n));
    }
    plan.groups.resize(static_cast<size_t>(n));
  } else {
    auto self = lookup_user("");
    if (!opts.user.empty() && (!self || self->name != opts.user))
      throw std::runtime_error("not root: cannot run as '" + opts.user + "'");
    u = self.value_or(User{"nobody", getuid(), getgid(), "/"});
  }

  if (opts.cwd.empty()) {
    m_own_cwd = std::make_unique<TempDir>(u.name);
    plan.cwd = m_own_cwd->path();
  } else {
    plan.cwd = opts.cwd;
  }
  plan.leak_paths = opts.leak_paths;
  plan.close_stdin = opts.close_stdin;
  plan.leak_high_fd = opts.leak_high_fd;
  plan.envp = {"HOME=" + u.home,
               "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
               "USER=" + u.name, "LOGNAME=" + u.name, "LANG=C.UTF-8"};
  // Sanitizer settings pass through to the (instrumented) launcher.
  for (const char *name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char *v = std::getenv(name))
      plan.envp.push_back(std::string(name) + "=" + v);
  for (auto &e : opts.env)
    plan.envp.push_back(e);

  std::vector<char *> argv, envp;
  for (auto &a : plan.argv)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto &e : plan.envp)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe2: " + errno_text(errno));
  int devnull = -1;
  m_stdin = opts.stdin_data;
  if (m_stdin.empty())
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

  std::fflush(nullptr);
  m_pid = fork();
  if (m_pid < 0)
    throw std::runtime_error("fork: " + errno_text(errno));
  if (m_pid == 0)
    exec_child(plan, argv.data(), envp.data(), devnull >= 0 ? devnull : in[0], out[1], err[1]);

  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (devnull >= 0) {
    close(devnull);
    close(in[1]);
  } else {
    m_in = in[1];
    fcntl(m_in, F_SETFL, O_NONBLOCK);
  }
  m_out = out[0];
  m_err = err[0];
}

Process::~Process() {
  if (!m_done && m_pid > 0) {
    kill(m_pid, SIGKILL);
    reap(true);
  }
  for (int fd : {m_in, m_out, m_err})
    if (fd >= 0)
      close(fd);
}

bool Process::pump(std::chrono::milliseconds max_wait) {
  pollfd pfds[3];
  int n = 0;
  if (m_out >= 0)
    pfds[n++] = {m_out, POLLIN, 0};
  if (m_err >= 0)
    pfds[n++] = {m_err, POLLIN, 0};
  if (m_in >= 0)
    pfds[n++] = {m_in, POLLOUT, 0};
  if (n == 0)
    return false;
  int rc = poll(pfds, static_cast<nfds_t>(n), static_cast<int>(max_wait.count()));
  if (rc <= 0)
    return true;
  for (int i = 0; i < n; i++) {
    if (!pfds[i].revents)
      continue;
    int fd = pfds[i].fd;
    if (fd == m_in) {
      ssize_t w = write(m_in, m_stdin.data() + m_stdin_off, m_stdin.size() - m_stdin_off);
      if (w > 0)
        m_stdin_off += static_cast<size_t>(w);
      if (w < 0 || m_stdin_off >= m_stdin.size()) {
        close(m_in);
        m_in = -1;
      }
      continue;
    }
    char buf[65536];
    ssize_t r = read(fd, buf, sizeof buf);
    if (r > 0) {
      (fd == m_out ? m_result.out : m_result.err).append(buf, static_cast<size_t>(r));
    } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
      close(fd);
      (fd == m_out ? m_out : m_err) = -1;
    }
  }
  return m_out >= 0 || m_err >= 0;
}

void Process::reap(bool block) {
  if (m_done)
    return;
  int status = 0;
  pid_t r = waitpid(m_pid, &status, block ? 0 : WNOHANG);
  if (r != m_pid)
    return;
  m_done = true;
  if (WIFEXITED(status)) {
    m_result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    m_result.term_signal = WTERMSIG(status);
    m_result.exit_code = 128 + WTERMSIG(status);
  }
}

bool Process::wait_for_stdout(std::string_view needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (m_result.out.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms)
      return false;
    if (!pump(std::min(left, std::chrono::milliseconds(100))))
      return m_result.out.find(needle) != std::string::npos;
  }
  return true;
}

void Process::signal(int sig) const {
  if (!m_done && m_pid > 0)
    kill(m_pid, sig);
}

RunResult Process::wait(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Read until both pipes close (all holders exited) and the child exited.
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      break;
    bool open = pump(std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
                              std::chrono::milliseconds(100)));
    reap(false);
    if (!open && m_done)
      return m_result;
    if (!open && !m_done)
      std::this_thread::sleep_for(10ms);
  }
  // Timed out.
  m_result.timed_out = true;
  if (!m_done) {
    kill(m_pid, SIGKILL);
    reap(true);
  }
  // Drain what is left for a moment (the sandbox should die with its launcher).
  auto grace = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < grace && pump(100ms)) {
  }
  if (!m_expect_timeout)
    ADD_FAILURE() << "timed out after " << timeout.count()
                  << " s and killed:" << m_result.describe();
  return m_result;
}

RunResult run_sandbox(std::vector<std::string> args, RunOptions opts) {
  auto timeout = opts.timeout;
  Process p(std::move(args), std::move(opts));
  return p.wait(timeout);
}

RunResult run_as_user(std::vector<std::string> argv, RunOptions opts) {
  opts.raw = true;
  return run_sandbox(std::move(argv), std::move(opts));
}

// ---- user namespaces -------------------------------------------------------------------------

bool userns_required() {
  return env_or("SANDBOX_REQUIRE_USERNS", "0") == "1";
}

std::string userns_unavailable_reason() {
  static std::optional<std::string> cached;
  if (cached)
    return *cached;
  std::string name = default_user_name();
  if (running_as_root() && !lookup_user(name)) {
    cached = "test user '" + name +
             "' does not exist: run tests/support/setup-test-users.sh as root first";
    return *cached;
  }
  // As the run user: unshare a user namespace and map ourselves (what `sandbox` must do).
  // `unshare -r` does exactly this; use it rather than our own code so the check is
  // independent of the code under test.
  std::string unshare = "/usr/bin/unshare";
  if (access(unshare.c_str(), X_OK) != 0) {
    cached = "";
    return *cached; // cannot check: let the tests try
  }
  RunOptions o;
  o.timeout = 20s;
  o.raw = true;
  RunResult r = run_sandbox({unshare, "--user", "--map-root-user", "/bin/true"}, o);
  if (r.exit_code != 0)
    cached = "unprivileged user namespaces do not work for user '" +
             (name.empty() ? std::string("(self)") : name) +
             "' (`unshare -Ur true` failed: " + r.err +
             "); check user.max_user_namespaces / kernel.unprivileged_userns_clone / "
             "AppArmor restrict_unprivileged_userns";
  else
    cached = "";
  return *cached;
}

// ---- Facts -----------------------------------------------------------------------------------

Facts::Facts(const std::string &text) {
  for (auto &line : lines_of(text)) {
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      continue;
    m_kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
}

std::string Facts::get(const std::string &key) const {
  auto it = m_kv.find(key);
  return it == m_kv.end() ? "<missing " + key + ">" : it->second;
}

std::vector<std::string> Facts::list(const std::string &key) const {
  auto it = m_kv.find(key);
  if (it == m_kv.end())
    return {"<missing " + key + ">"};
  return split(it->second, ',');
}

std::map<std::string, std::string> Facts::with_prefix(const std::string &prefix) const {
  std::map<std::string, std::string> out;
  for (auto it = m_kv.lower_bound(prefix); it != m_kv.end() && it->first.rfind(prefix, 0) == 0;
       ++it)
    out.insert(*it);
  return out;
}

// ---- host-side helpers -----------------------------------------------------------------------

std::string read_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::pair<unsigned long, unsigned long> subid_range(const std::string &file, const User &u) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line)) {
    auto parts = split(line, ':');
    if (parts.size() == 3 && (parts[0] == u.name || parts[0] == std::to_string(u.uid)))
      return {std::stoul(parts[1]), std::stoul(parts[2])};
  }
  return {0, 0};
}

std::string unique_marker() {
  static std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream os;
  os << "sbxmark-" << getpid() << "-" << g_counter++ << "-" << std::hex << (rng() & 0xffffffff);
  return os.str();
}

std::vector<pid_t> processes_of(uid_t uid, std::string_view needle) {
  std::vector<pid_t> found;
  DIR *d = opendir("/proc");
  if (!d)
    return found;
  while (dirent *de = readdir(d)) {
    if (!std::isdigit(static_cast<unsigned char>(de->d_name[0])))
      continue;
    pid_t pid = std::atoi(de->d_name);
    std::string base = std::string("/proc/") + de->d_name;
    std::string status = read_file(base + "/status");
    if (status.empty())
      continue;
    bool uid_ok = false, zombie = false;
    for (auto &l : lines_of(status)) {
      if (l.rfind("Uid:", 0) == 0) {
        std::istringstream is(l.substr(4));
        unsigned long real = 0;
        is >> real;
        uid_ok = real == uid;
      } else if (l.rfind("State:", 0) == 0) {
        zombie = l.find('Z') != std::string::npos;
      }
    }
    if (!uid_ok || zombie)
      continue;
    std::string cmd = read_file(base + "/cmdline");
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    if (needle.empty() || cmd.find(needle) != std::string::npos)
      found.push_back(pid);
  }
  closedir(d);
  return found;
}

bool wait_no_processes(uid_t uid, std::string_view needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (processes_of(uid, needle).empty())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::vector<pid_t> kill_processes_of(uid_t uid, std::string_view needle) {
  auto pids = processes_of(uid, needle);
  for (pid_t p : pids)
    kill(p, SIGKILL);
  return pids;
}

HostSnapshot HostSnapshot::take(const User &user) {
  HostSnapshot s;
  s.mountinfo = read_file("/proc/self/mountinfo");
  std::error_code ec;
  for (auto &e : fs::directory_iterator(tmp_base(), ec)) {
    struct stat st {};
    if (lstat(e.path().c_str(), &st) == 0 && st.st_uid == user.uid)
      s.tmp_entries.push_back(e.path().string());
  }
  std::sort(s.tmp_entries.begin(), s.tmp_entries.end());
  return s;
}

void expect_nothing_left_behind(const HostSnapshot &before, const User &user,
                                std::string_view marker) {
  // Processes first: give a dying sandbox a moment.
  if (!wait_no_processes(user.uid, marker, 3s)) {
    auto left = kill_processes_of(user.uid, marker);
    std::ostringstream os;
    for (pid_t p : left) {
      std::string cmd = read_file("/proc/" + std::to_string(p) + "/cmdline");
      std::replace(cmd.begin(), cmd.end(), '\0', ' ');
      os << "\n    pid " << p << ": " << cmd;
    }
    ADD_FAILURE() << "processes left behind (now killed):" << os.str();
  }
  HostSnapshot after = HostSnapshot::take(user);
  EXPECT_EQ(before.mountinfo, after.mountinfo) << "the host's mount table changed";
  std::vector<std::string> added;
  std::set_difference(after.tmp_entries.begin(), after.tmp_entries.end(),
                      before.tmp_entries.begin(), before.tmp_entries.end(),
                      std::back_inserter(added));
  // Our own per-run temp dirs (sbxtest-*) are removed by the harness before this check.
  EXPECT_TRUE(added.empty()) << "new entries owned by " << user.name << " in " << tmp_base() << ": "
                             << join(added, ", ");
}

TcpListener::TcpListener() {
  m_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (m_fd < 0 || bind(m_fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0 ||
      listen(m_fd, 16) != 0)
    throw std::runtime_error("TcpListener: " + errno_text(errno));
  socklen_t len = sizeof sa;
  getsockname(m_fd, reinterpret_cast<sockaddr *>(&sa), &len);
  m_port = ntohs(sa.sin_port);
}
TcpListener::~TcpListener() {
  if (m_fd >= 0)
    close(m_fd);
}

AbstractUnixListener::AbstractUnixListener() {
  m_name = "@" + unique_marker();
  m_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path + 1, m_name.data() + 1, m_name.size() - 1);
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + m_name.size());
  if (m_fd < 0 || bind(m_fd, reinterpret_cast<sockaddr *>(&sa), len) != 0 || listen(m_fd, 16) != 0)
    throw std::runtime_error("AbstractUnixListener: " + errno_text(errno));
}
AbstractUnixListener::~AbstractUnixListener() {
  if (m_fd >= 0)
    close(m_fd);
}

// ---- fixture ---------------------------------------------------------------------------------

void SandboxTest::SetUp() {
  SBX_REQUIRE_USERNS();
  m_user = test_user();
  m_work = std::make_unique<TempDir>(m_user.name, "sbxtest-work-");
  m_aux = std::make_unique<TempDir>(m_user.name, "sbxtest-aux-");
  m_marker = unique_marker();
}

void SandboxTest::TearDown() {
  // Leave no marked process running for the next test, whatever happened.
  if (!m_marker.empty() && m_user.uid != 0) {
    auto killed = kill_processes_of(m_user.uid, m_marker);
    EXPECT_TRUE(killed.empty()) << "processes tagged " << m_marker << " were still running";
  }
  m_work.reset();
  m_aux.reset();
}

RunOptions SandboxTest::opts_in_work(RunOptions opts) const {
  if (opts.cwd.empty())
    opts.cwd = work();
  return opts;
}

RunResult SandboxTest::sandbox(std::vector<std::string> args, RunOptions opts) {
  return run_sandbox(std::move(args), opts_in_work(std::move(opts)));
}

std::vector<std::string> SandboxTest::probe_argv(std::vector<std::string> probe_args,
                                                 std::vector<std::string> sandbox_opts) const {
  std::vector<std::string> argv{"run"};
  argv.insert(argv.end(), sandbox_opts.begin(), sandbox_opts.end());
  argv.push_back("--");
  argv.push_back(probe_bin());
  argv.insert(argv.end(), probe_args.begin(), probe_args.end());
  return argv;
}

RunResult SandboxTest::probe(std::vector<std::string> probe_args,
                             std::vector<std::string> sandbox_opts, RunOptions opts) {
  return sandbox(probe_argv(std::move(probe_args), std::move(sandbox_opts)), std::move(opts));
}

Facts SandboxTest::facts(std::vector<std::string> sandbox_opts, RunOptions opts) {
  RunResult r = probe({"facts"}, std::move(sandbox_opts), std::move(opts));
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("facts_end=1"), std::string::npos) << "probe output incomplete" << r;
  return Facts(r.out);
}

std::string SandboxTest::write_profile(const std::string &name, const std::string &toml) {
  return m_aux->write_file(name, toml);
}

} // namespace sbx::test
