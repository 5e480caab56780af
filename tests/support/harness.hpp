// SPDX-License-Identifier: Apache-2.0
#pragma once
// Test harness for integration and escape tests: runs the real `sandbox` binary AS AN
// UNPRIVILEGED USER (a sandbox that works as root proves nothing about rootless operation).
//
// - As root (CI), every run forks, drops to the test user (SANDBOX_TEST_USER, default
//   "sbxtest"; created by tests/support/setup-test-users.sh) with initgroups + setresgid +
//   setresuid, gets a clean fixed environment and a per-test temp dir owned by that user.
// - As a normal user, runs directly as self.
// - It refuses to run anything as euid 0.
// - The binary is $<TARGET_FILE:sandbox> unless SANDBOX_BIN is set; the probe is
//   $<TARGET_FILE:sandbox-probe> unless SANDBOX_PROBE is set.
// - SANDBOX_REQUIRE_USERNS=1 turns "user namespaces unavailable" skips into failures.

#include <gtest/gtest.h>

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sbx::test {

// ---- paths and users -------------------------------------------------------------------------

std::string sandbox_bin(); // SANDBOX_BIN, or the built binary
std::string probe_bin();   // SANDBOX_PROBE, or the built probe
std::string source_dir();  // the project's source tree (profiles/, tests/)

struct User {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

// The user runs happen as: `name` if given, else SANDBOX_TEST_USER or "sbxtest" when we are
// root, else ourselves. nullopt when that user does not exist.
std::optional<User> lookup_user(const std::string &name);
User test_user(); // the default run user; aborts the test (ADD_FAILURE) if missing
bool running_as_root();

// ---- temp dirs -------------------------------------------------------------------------------

// A fresh directory under $SANDBOX_TEST_TMPDIR (default /tmp), owned by `owner` (when we are
// root), removed recursively on destruction.
class TempDir {
public:
  explicit TempDir(const std::string &owner = "", std::string_view prefix = "sbxtest-");
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  [[nodiscard]] const std::string &path() const { return m_path; }
  // Create a file (parents too) owned by the dir's owner; returns its full path.
  std::string write_file(const std::string &rel, const std::string &content,
                         unsigned mode = 0644) const;
  std::string make_dir(const std::string &rel, unsigned mode = 0755) const;

private:
  std::string m_path;
  uid_t m_uid = 0;
  gid_t m_gid = 0;
};

// Write `content` at `path` and chown it to `user` (when root). Parent dirs must exist.
void write_file_as(const std::string &path, const std::string &content, const User &user,
                   unsigned mode = 0644);

// ---- running ---------------------------------------------------------------------------------

struct RunOptions {
  std::chrono::seconds timeout{30}; // then SIGKILL and a test failure
  std::string user;                 // "" = test_user(); when not root: must be "" or ourselves
  std::string cwd;                  // "" = a fresh temp dir owned by the user (removed after)
  std::vector<std::string> env;     // extra "K=V" on top of the clean environment
  std::string stdin_data;           // empty: stdin is /dev/null
  bool close_stdin = false;
  int leak_high_fd = -1; // also leak "/" (O_PATH-less, no CLOEXEC) at this fd number            //
                         // start with fd 0 CLOSED (not /dev/null)
  std::vector<std::string> leak_paths; // opened WITHOUT O_CLOEXEC in the child (fds 3, 4, ...)
  bool raw = false;                    // args is a full command line; do not prepend the sandbox
  bool expect_timeout = false;         // do not ADD_FAILURE on timeout
};

struct RunResult {
  int exit_code = -1; // exit status, or 128+N when killed by signal N (like a shell)
  int term_signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
  std::string cmdline;

  [[nodiscard]] std::string describe() const; // for failure messages
  [[nodiscard]] std::vector<std::string> out_lines() const;
  [[nodiscard]] std::vector<std::string> err_lines() const;
  // The probe's result lines ("ok" / "errno=ENAME"), in order.
  [[nodiscard]] std::vector<std::string> results() const;
  [[nodiscard]] std::string result() const; // the only/last result, or "<no result>"
};

inline std::ostream &operator<<(std::ostream &os, const RunResult &r) {
  return os << r.describe();
}

// A running process started as the test user; killed (SIGKILL) and reaped on destruction.
class Process {
public:
  // args: the sandbox's arguments (e.g. {"run", "--", probe, "facts"}) unless opts.raw.
  Process(std::vector<std::string> args, RunOptions opts = {});
  ~Process();
  Process(const Process &) = delete;
  Process &operator=(const Process &) = delete;

  [[nodiscard]] pid_t pid() const { return m_pid; }
  // Read output until stdout contains `needle` (true) or the timeout passes / EOF (false).
  bool wait_for_stdout(std::string_view needle,
                       std::chrono::milliseconds timeout = std::chrono::seconds(15));
  void signal(int sig) const;
  // Wait for exit (kill at the timeout), collect all output.
  RunResult wait(std::chrono::seconds timeout = std::chrono::seconds(30));
  [[nodiscard]] bool exited() const { return m_done; }
  [[nodiscard]] const std::string &out() const { return m_result.out; }
  [[nodiscard]] const std::string &err() const { return m_result.err; }

private:
  bool pump(std::chrono::milliseconds max_wait); // one poll round; false at EOF on both
  void reap(bool block);

  pid_t m_pid = -1;
  int m_out = -1, m_err = -1, m_in = -1;
  std::string m_stdin;
  size_t m_stdin_off = 0;
  bool m_done = false;
  bool m_expect_timeout = false;
  RunResult m_result;
  std::unique_ptr<TempDir> m_own_cwd;
};

// Run the sandbox binary (or a raw command) to completion, as the test user.
RunResult run_sandbox(std::vector<std::string> args, RunOptions opts = {});
// Run a raw command line (argv[0] a path) as the test user, outside any sandbox.
RunResult run_as_user(std::vector<std::string> argv, RunOptions opts = {});

// ---- user namespaces -------------------------------------------------------------------------

// Empty when the run user can create a user namespace and map itself; else the reason.
std::string userns_unavailable_reason();
bool userns_required(); // SANDBOX_REQUIRE_USERNS=1

// Skip (or FAIL with SANDBOX_REQUIRE_USERNS=1) when rootless sandboxes cannot work here.
// A missing sandbox binary is always a failure.
#define SBX_REQUIRE_USERNS()                                                                       \
  do {                                                                                             \
    if (std::string sbx_bin_problem_ = ::sbx::test::sandbox_bin_problem();                         \
        !sbx_bin_problem_.empty()) {                                                               \
      FAIL() << sbx_bin_problem_;                                                                  \
    }                                                                                              \
    if (std::string sbx_reason_ = ::sbx::test::userns_unavailable_reason();                        \
        !sbx_reason_.empty()) {                                                                    \
      if (::sbx::test::userns_required()) {                                                        \
        FAIL() << "SANDBOX_REQUIRE_USERNS=1 but rootless sandboxes cannot run: " << sbx_reason_;   \
      }                                                                                            \
      GTEST_SKIP() << sbx_reason_;                                                                 \
    }                                                                                              \
  } while (0)
std::string sandbox_bin_problem(); // empty when the binary exists and is executable

// ---- probe output ----------------------------------------------------------------------------

// key=value lines (split at the first '='); a repeated key keeps its LAST value (for mounts:
// the top-most mount at a path).
class Facts {
public:
  Facts() = default;
  explicit Facts(const std::string &text);
  [[nodiscard]] bool has(const std::string &key) const { return m_kv.count(key) != 0; }
  // The value, or "<missing KEY>" so that a comparison fails with a clear message.
  [[nodiscard]] std::string get(const std::string &key) const;
  std::string operator[](const std::string &key) const { return get(key); }
  [[nodiscard]] std::vector<std::string> list(const std::string &key) const; // split on ','
  // All keys with this prefix, e.g. "env." -> {"env.PATH": "...", ...}
  [[nodiscard]] std::map<std::string, std::string> with_prefix(const std::string &prefix) const;
  [[nodiscard]] const std::map<std::string, std::string> &all() const { return m_kv; }

private:
  std::map<std::string, std::string> m_kv;
};

// ---- host-side helpers -----------------------------------------------------------------------

std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string> &v, std::string_view sep);
std::string shell_quote(const std::string &s);
std::string read_file(const std::string &path);
// The user's first range in /etc/subuid or /etc/subgid (FILE): {start, count}, or {0, 0}.
std::pair<unsigned long, unsigned long> subid_range(const std::string &file, const User &u);
std::string unique_marker(); // "sbxmark-<pid>-<n>-<random>": tag commands to find them later

// Live (non-zombie) processes whose real uid is `uid` and whose command line contains
// `needle` (NULs read as spaces). Pass an empty needle for all of them.
std::vector<pid_t> processes_of(uid_t uid, std::string_view needle);
// Poll until none match (true) or the timeout passes (false).
bool wait_no_processes(uid_t uid, std::string_view needle, std::chrono::milliseconds timeout);
// SIGKILL every process found (cleanup after a failed test, so that later tests are not
// disturbed); returns the pids that were killed.
std::vector<pid_t> kill_processes_of(uid_t uid, std::string_view needle);

// Snapshot of what a sandbox run may leave behind on the host: our mount table, entries in
// the temp base dir owned by the run user, and processes tagged with a marker.
struct HostSnapshot {
  std::string mountinfo;
  std::vector<std::string> tmp_entries;
  static HostSnapshot take(const User &user);
};
// Adds test failures describing anything new since `before`, and leftover marked processes.
void expect_nothing_left_behind(const HostSnapshot &before, const User &user,
                                std::string_view marker);

// A TCP listener on 127.0.0.1 (in the host's network namespace), port chosen by the kernel.
class TcpListener {
public:
  TcpListener();
  ~TcpListener();
  TcpListener(const TcpListener &) = delete;
  TcpListener &operator=(const TcpListener &) = delete;
  [[nodiscard]] int port() const { return m_port; }

private:
  int m_fd = -1;
  int m_port = 0;
};

// A listening abstract unix socket "@name" in the host's network namespace.
class AbstractUnixListener {
public:
  AbstractUnixListener();
  ~AbstractUnixListener();
  AbstractUnixListener(const AbstractUnixListener &) = delete;
  AbstractUnixListener &operator=(const AbstractUnixListener &) = delete;
  [[nodiscard]] const std::string &name() const { return m_name; } // with the leading '@'

private:
  int m_fd = -1;
  std::string m_name;
};

// ---- fixture ---------------------------------------------------------------------------------

// Base fixture: checks that rootless sandboxes can run (skip/fail), gives each test a working
// directory owned by the run user (the sandbox's cwd) and a separate dir for profiles.
class SandboxTest : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;

  [[nodiscard]] const std::string &work() const { return m_work->path(); }
  [[nodiscard]] const std::string &aux() const { return m_aux->path(); }
  [[nodiscard]] const User &user() const { return m_user; }
  [[nodiscard]] const std::string &marker() const { return m_marker; }

  // `sandbox ARGS...` with cwd = work() (unless opts.cwd is set).
  RunResult sandbox(std::vector<std::string> args, RunOptions opts = {});
  // `sandbox run SANDBOX_OPTS... -- PROBE PROBE_ARGS...`
  RunResult probe(std::vector<std::string> probe_args, std::vector<std::string> sandbox_opts = {},
                  RunOptions opts = {});
  // The argv for the above, e.g. to start a Process.
  [[nodiscard]] std::vector<std::string>
  probe_argv(std::vector<std::string> probe_args, std::vector<std::string> sandbox_opts = {}) const;
  // Facts from `sandbox run OPTS -- probe facts`; asserts that the run succeeded.
  Facts facts(std::vector<std::string> sandbox_opts = {}, RunOptions opts = {});
  // Write a profile into aux() and return its path.
  std::string write_profile(const std::string &name, const std::string &toml);
  RunOptions opts_in_work(RunOptions opts) const;

private:
  User m_user;
  std::unique_ptr<TempDir> m_work;
  std::unique_ptr<TempDir> m_aux;
  std::string m_marker;
};

} // namespace sbx::test
