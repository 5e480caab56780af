// SPDX-License-Identifier: Apache-2.0
#include "cli/cli.hpp"
#include "util/stage_clock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "cli/parse.hpp"
#include "launch/launcher.hpp"
#include "mount/overlay.hpp"
#include "plan/build.hpp"
#include "plan/host_facts.hpp"
#include "profile/load.hpp"
#include "profile/snapshot/snapshot.hpp"
#include "seccomp/commands.hpp"
#include "seccomp/filter.hpp"
#include "util/embedded.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/stdio.hpp"

namespace sandbox::cli {

namespace {

constexpr int k_exit_failure = 125;

std::optional<std::string> read_file(const std::filesystem::path &path) {
  return read_file_if_exists(path.string());
}

std::optional<std::string> caller_env(std::string_view name) {
  if (const char *v = std::getenv(std::string(name).c_str()))
    return std::string(v);
  return std::nullopt;
}

// Profile directories, most specific first: $SANDBOX_PROFILE_PATH (colon-separated), the
// user's, the system's, the installed data dir. Built-in profiles come after all of them.
std::vector<std::filesystem::path> profile_search_path(const plan::HostFacts &host) {
  std::vector<std::filesystem::path> dirs;
  if (auto extra = caller_env("SANDBOX_PROFILE_PATH")) {
    std::string_view rest = *extra;
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      if (const auto dir = rest.substr(0, colon); !dir.empty())
        dirs.emplace_back(dir);
      rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
    }
  }
  if (auto xdg = caller_env("XDG_CONFIG_HOME"); xdg && !xdg->empty())
    dirs.emplace_back(std::filesystem::path(*xdg) / "sandbox/profiles");
  else if (!host.home.empty())
    dirs.emplace_back(std::filesystem::path(host.home) / ".config/sandbox/profiles");
  dirs.emplace_back("/etc/sandbox/profiles");
  dirs.emplace_back(SANDBOX_INSTALLED_DATA_DIR);
  return dirs;
}

profile::LoadContext load_context(const plan::HostFacts &host) {
  profile::LoadContext ctx;
  ctx.search_path = profile_search_path(host);
  ctx.variables = {{"HOME", host.home},
                   {"PWD", host.cwd},
                   {"UID", std::to_string(host.uid)},
                   {"GID", std::to_string(host.gid)},
                   {"USER", host.user}};
  if (auto runtime = caller_env("XDG_RUNTIME_DIR"))
    ctx.variables.emplace("XDG_RUNTIME_DIR", *runtime);
  ctx.getenv = caller_env;
  ctx.read_file = read_file;
  ctx.builtin_snapshot = profile::builtin_profile_snapshot;
  return ctx;
}

seccomp::PolicyContext policy_context(const profile::LoadContext &ctx) {
  seccomp::PolicyContext p;
  for (const auto &dir : ctx.search_path)
    p.search_path.push_back(dir / "seccomp");
  p.read_file = ctx.read_file;
  p.syscall_known = seccomp::syscall_known; // unknown names: an error naming the rule
  return p;
}

launch::NamespaceSet namespaces_unless_shared(const std::vector<std::string> &shared) {
  launch::NamespaceSet set;
  for (const auto &name : shared) {
    set.pid = set.pid && name != "pid";
    set.ipc = set.ipc && name != "ipc";
    set.uts = set.uts && name != "uts";
    set.net = set.net && name != "net";
    set.cgroup = set.cgroup && name != "cgroup";
  }
  return set;
}

int run(const RunRequest &req) {
  SANDBOX_STAGE("cli-parsed");
  // The default profile makes every namespace but those --share names, and maps the caller's
  // own ids (unless --uid or --gid say otherwise): its first process can start now, make them
  // and write the maps while the profile is loaded (launch::start_early). A default.toml of the
  // user's that wants others costs a second start.
  launch::EarlyStart early;
  if (!req.dry_run && req.profile == "default") {
    std::optional<plan::IdMaps> own_ids;
    if (!req.overrides.uid && !req.overrides.gid)
      own_ids = plan::single_id_maps(getuid(), getgid(), getuid(), getgid());
    early = launch::start_early(namespaces_unless_shared(req.overrides.share), std::move(own_ids));
  }
  auto host = plan::gather_host_facts();
  SANDBOX_STAGE("host-facts");
  auto ctx = load_context(host);
  auto profile = profile::load_profile(req.profile, ctx);
  profile::Diagnostics diags;
  profile::apply_overrides(profile, req.overrides, diags);
  diags.throw_if_any();
  if (profile.user.map != profile::IdMapMethod::single)
    plan::gather_subid_facts(host);
  if (profile.root.overlay != profile::OverlayMode::none)
    plan::gather_overlay_facts(host);
  SANDBOX_STAGE("profile-loaded");
  auto plan = plan::build_plan(profile, host, req.command, policy_context(ctx));
  SANDBOX_STAGE("plan-built");
  if (req.verbose > 0)
    for (const auto &note : plan.notes)
      std::fprintf(stderr, "sandbox: note: %s\n", note.c_str());
  if (req.dry_run) {
    std::fputs(plan::describe_plan(plan).c_str(), stdout);
    return 0;
  }
  if (plan.overlay.enabled && plan.overlay.driver == plan::OverlayDriver::fuse) {
    // Outlives the sandbox: its destructor stops the daemon and removes its temporary
    // directory however the command ended.
    mount::FuseOverlay fuse(plan);
    plan.overlay.fuse_mountpoint = fuse.mountpoint();
    return launch::run_sandbox(
        plan, [&fuse](pid_t child) { fuse.start(child); }, std::move(early));
  }
  // Nothing here needs its destructor to run (a lock or a temporary file would: the fuse
  // overlay above has one).
  return launch::run_sandbox(plan, {}, std::move(early), launch::AfterExit::exit_process);
}

int profile_check(const std::vector<std::string> &files) {
  auto host = plan::gather_host_facts();
  auto ctx = load_context(host);
  int status = 0;
  for (const auto &file : files) {
    try {
      auto p = profile::load_profile(file, ctx);
      // A named seccomp policy is part of what the profile says: check it resolves.
      (void)seccomp::resolve_policy(p.seccomp, policy_context(ctx));
      std::printf("%s: ok\n", file.c_str());
    } catch (const profile::ProfileErrors &e) {
      for (const auto &d : e.list())
        std::fprintf(stderr, "%s\n", d.line().c_str());
      status = 1;
    } catch (const Error &e) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), e.line().c_str());
      status = 1;
    }
  }
  return status;
}

int profile_show(const std::string &name, bool resolved) {
  auto host = plan::gather_host_facts();
  auto ctx = load_context(host);
  if (resolved) {
    std::fputs(profile::render_profile(profile::load_profile(name, ctx)).c_str(), stdout);
    return 0;
  }
  const bool is_path = name.find('/') != std::string::npos || name.ends_with(".toml");
  if (is_path) {
    if (auto text = read_file(name)) {
      std::fputs(text->c_str(), stdout);
      return 0;
    }
  } else {
    for (const auto &dir : ctx.search_path)
      if (auto text = read_file(dir / (name + ".toml"))) {
        std::fputs(text->c_str(), stdout);
        return 0;
      }
    if (auto text = find_embedded_file(name + ".toml")) {
      std::fwrite(text->data(), 1, text->size(), stdout);
      return 0;
    }
  }
  throw Error::message("profile \"" + name + "\" not found",
                       "sandbox profile show --resolved NAME searches the same places as run");
}

int seccomp_command(const std::vector<std::string> &rest) {
  CLI::App app("Seccomp policies: see sandbox-seccomp(5)", "sandbox seccomp");
  int exit_code = 0;
  auto host = plan::gather_host_facts();
  auto ctx = load_context(host);
  seccomp::register_seccomp_commands(
      app, [&ctx] { return policy_context(ctx); }, exit_code);
  app.require_subcommand(1);
  std::vector<std::string> reversed(rest.rbegin(), rest.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError &e) {
    return app.exit(e) == 0 ? 0 : k_exit_failure;
  }
  return exit_code;
}

// `sandbox image ...` is the program sandbox-image next to this binary: it links libarchive,
// which `sandbox run` must not load. Returns only on failure.
int image_command(const std::vector<std::string> &rest) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0)
    throw Error::from_errno(errno, "readlink", "/proc/self/exe");
  std::string path(self, static_cast<size_t>(n));
  path = path.substr(0, path.rfind('/') + 1) + "sandbox-image";
  std::vector<std::string> args{"sandbox-image"};
  args.insert(args.end(), rest.begin(), rest.end());
  std::vector<char *> argv;
  for (auto &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(path.c_str(), argv.data());
  throw Error::from_errno(errno, "exec", path)
      .with_context("sandbox image")
      .with_hint("the image commands are the separate program sandbox-image, installed next to "
                 "sandbox (cmake --install installs both; a build tree has both in src/)");
}

} // namespace

int main(int argc, char **argv) {
  ensure_stdio_open();
  try {
    auto req = parse_args(std::vector<std::string>(argv, argv + argc));
    switch (req.command) {
    case Command::help:
      std::fputs(req.help_text.c_str(), stdout);
      return 0;
    case Command::version:
      std::printf("sandbox %s\n", SANDBOX_VERSION);
      return 0;
    case Command::run:
      return run(req.run);
    case Command::profile_check:
      return profile_check(req.files);
    case Command::profile_show:
      return profile_show(req.name, req.resolved);
    case Command::seccomp:
      return seccomp_command(req.rest);
    case Command::image:
      return image_command(req.rest);
    }
  } catch (const UsageError &e) {
    std::fprintf(stderr, "sandbox: %s; hint: see sandbox --help\n", e.what());
  } catch (const profile::ProfileErrors &e) {
    for (const auto &d : e.list())
      std::fprintf(stderr, "sandbox: %s\n", d.line().c_str());
  } catch (const Error &e) {
    std::fprintf(stderr, "sandbox: %s\n", e.line().c_str());
  } catch (const std::exception &e) {
    std::fprintf(stderr, "sandbox: %s\n", e.what());
  }
  return k_exit_failure;
}

} // namespace sandbox::cli
