// SPDX-License-Identifier: Apache-2.0
#include "seccomp/commands.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

#include "seccomp/filter.hpp"
#include "seccomp/import.hpp"
#include "util/error.hpp"

namespace sandbox::seccomp {

namespace {

struct Options {
  std::string policy;
  std::string format = "bpf";
  std::string output;
  std::string input;
  bool allow_user_namespaces = false;
  bool allow_ptrace = false;
};

void write_all(int fd, const void *data, std::size_t size, const std::string &path) {
  const auto *p = static_cast<const char *>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw Error::from_errno(errno, "write", path);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Writes to `path`, or to stdout when it is empty or "-".
void write_output(const std::string &path, const void *data, std::size_t size) {
  if (path.empty() || path == "-") {
    std::fflush(stdout);
    write_all(STDOUT_FILENO, data, size, "<stdout>");
    return;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error::from_errno(errno, "open", path);
  try {
    write_all(fd, data, size, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0)
    throw Error::from_errno(errno, "close", path);
}

std::string read_input(const std::string &path) {
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error::from_errno(errno, "open", path);
  std::string out;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      const int err = errno;
      if (fd != STDIN_FILENO)
        ::close(fd);
      throw Error::from_errno(err, "read", path);
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (fd != STDIN_FILENO)
    ::close(fd);
  return out;
}

Policy resolve_for_command(const Options &o, const std::function<PolicyContext()> &make_context) {
  PolicyContext ctx = make_context();
  if (!ctx.syscall_known)
    ctx.syscall_known = [](std::string_view name) { return syscall_known(name); };
  Settings settings;
  settings.policy = o.policy;
  settings.allow_user_namespaces = o.allow_user_namespaces;
  settings.allow_ptrace = o.allow_ptrace;
  settings.origin = {"<command line>", 0, 0};
  auto policy = resolve_policy(settings, ctx);
  if (!policy)
    throw Error::message("policy \"none\" has no rules: seccomp is off");
  return std::move(*policy);
}

void add_switches(CLI::App *cmd, Options &o) {
  cmd->add_flag("--allow-user-namespaces", o.allow_user_namespaces,
                "as [seccomp] allow_user_namespaces = true");
  cmd->add_flag("--allow-ptrace", o.allow_ptrace, "as [seccomp] allow_ptrace = true");
}

} // namespace

void register_seccomp_commands(CLI::App &app, std::function<PolicyContext()> make_context,
                               int &exit_code) {
  auto options = std::make_shared<Options>();
  auto *show = app.add_subcommand("show", "Print the resolved rules of a policy");
  show->add_option("policy", options->policy, "a policy name or a path to a policy file")
      ->required();
  add_switches(show, *options);
  show->callback([options, make_context, &exit_code] {
    const Policy policy = resolve_for_command(*options, make_context);
    std::string text = describe_policy(policy);
    text += "filter architectures:";
    for (const auto &a : filter_architectures(policy))
      text += " " + a;
    const Filter filter = compile_filter(policy);
    text += "\nfilter: " + std::to_string(filter.program.size()) + " BPF instructions\n";
    write_output({}, text.data(), text.size());
    exit_code = 0;
  });

  auto *exp = app.add_subcommand(
      "export", "Write the compiled filter: raw BPF (for bwrap --seccomp FD) or libseccomp's PFC");
  exp->add_option("policy", options->policy, "a policy name or a path to a policy file")
      ->required();
  exp->add_option("--format", options->format, "bpf (default) or pfc")
      ->check(CLI::IsMember({"bpf", "pfc"}));
  exp->add_option("-o,--output", options->output, "output file (default: stdout)");
  add_switches(exp, *options);
  exp->callback([options, make_context, &exit_code] {
    const Policy policy = resolve_for_command(*options, make_context);
    if (options->format == "pfc") {
      const std::string text = export_pfc(policy);
      write_output(options->output, text.data(), text.size());
    } else {
      const Filter filter = compile_filter(policy);
      write_output(options->output, filter.program.data(),
                   filter.program.size() * sizeof(sock_filter));
    }
    exit_code = 0;
  });

  auto *imp = app.add_subcommand(
      "import", "Convert an OCI/Docker seccomp JSON profile into a sandbox policy file (TOML)");
  imp->add_option("profile", options->input, "the JSON file (- for stdin)")->required();
  imp->add_option("-o,--output", options->output, "output file (default: stdout)");
  imp->callback([options, &exit_code] {
    const std::string text = import_docker_profile(read_input(options->input), options->input);
    write_output(options->output, text.data(), text.size());
    exit_code = 0;
  });
}

} // namespace sandbox::seccomp
