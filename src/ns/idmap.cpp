// SPDX-License-Identifier: Apache-2.0
#include "ns/idmap.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <spawn.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include <array>

#include "sys/syscalls.hpp"

extern char **environ;

namespace sandbox::ns {

namespace {

// The /proc/<pid> directory of the child, checked to really be procfs before we write into it
// (a /proc replaced by something else must not receive our writes).
sys::UniqueFd open_proc_pid_dir(pid_t child) {
  const std::string path = "/proc/" + std::to_string(child);
  auto dir = sys::open_path(path, O_DIRECTORY | O_RDONLY);
  struct statfs fs {};
  if (fstatfs(dir.get(), &fs) != 0)
    sys::throw_errno("statfs", path);
  if (fs.f_type != PROC_SUPER_MAGIC)
    throw Error::message(path + " is not procfs", "mount procfs on /proc");
  return dir;
}

struct Helper {
  pid_t pid = -1;
  sys::UniqueFd stderr_read;
  std::string path;
};

Helper spawn_map_helper(const std::string &tool, pid_t child,
                        const std::vector<plan::IdRange> &ranges) {
  std::vector<std::string> args{tool, std::to_string(child)};
  for (const auto &r : ranges) {
    args.push_back(std::to_string(r.inside));
    args.push_back(std::to_string(r.outside));
    args.push_back(std::to_string(r.count));
  }
  std::vector<char *> argv;
  for (auto &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  std::array<int, 2> pipe_fds{};
  if (pipe2(pipe_fds.data(), O_CLOEXEC) != 0)
    sys::throw_errno("pipe2");
  sys::UniqueFd read_end(pipe_fds[0]);
  sys::UniqueFd write_end(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
  Helper h;
  h.path = tool;
  int err = posix_spawn(&h.pid, tool.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    errno = err;
    sys::throw_errno("spawn", tool);
  }
  h.stderr_read = std::move(read_end);
  return h;
}

void wait_map_helper(Helper &h) {
  std::string output;
  std::array<char, 512> buf{};
  for (;;) {
    auto n = read(h.stderr_read.get(), buf.data(), buf.size());
    if (n <= 0)
      break;
    output.append(buf.data(), static_cast<size_t>(n));
  }
  int status = 0;
  while (waitpid(h.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return;
  while (!output.empty() && (output.back() == '\n' || output.back() == ' '))
    output.pop_back();
  for (auto &c : output)
    if (c == '\n')
      c = ' ';
  throw Error::message(h.path + " failed" + (output.empty() ? "" : ": " + output),
                       "check the user's ranges in /etc/subuid and /etc/subgid "
                       "(usermod --add-subuids/--add-subgids), or set user.map = \"single\"");
}

} // namespace

std::string id_map_text(const std::vector<plan::IdRange> &ranges) {
  std::string out;
  for (const auto &r : ranges)
    out += std::to_string(r.inside) + " " + std::to_string(r.outside) + " " +
           std::to_string(r.count) + "\n";
  return out;
}

void write_id_maps(pid_t child, const plan::IdMaps &ids) {
  if (ids.method == plan::MapMethod::subids) {
    // Both helpers run at once: each is a fork+exec of a setuid binary, the slowest part of
    // a subid start-up.
    Helper uid_helper = spawn_map_helper(ids.newuidmap, child, ids.uid);
    Helper gid_helper = spawn_map_helper(ids.newgidmap, child, ids.gid);
    std::exception_ptr first_error;
    for (Helper *h : {&uid_helper, &gid_helper}) {
      try {
        wait_map_helper(*h);
      } catch (...) {
        if (!first_error)
          first_error = std::current_exception();
      }
    }
    if (first_error)
      std::rethrow_exception(first_error);
    return;
  }
  auto dir = open_proc_pid_dir(child);
  const std::string shown = "/proc/" + std::to_string(child);
  sys::write_file_at(dir.get(), "setgroups", "deny", shown + "/setgroups");
  sys::write_file_at(dir.get(), "gid_map", id_map_text(ids.gid), shown + "/gid_map");
  sys::write_file_at(dir.get(), "uid_map", id_map_text(ids.uid), shown + "/uid_map");
}

} // namespace sandbox::ns
