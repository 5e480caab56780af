// SPDX-License-Identifier: Apache-2.0
#include "cli/parse.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <optional>

namespace sandbox::cli {

namespace {

constexpr const char *k_description =
    "sandbox: run a command in a rootless sandbox described by one TOML profile.\n"
    "Exit status: the command's, or 128+N when it was killed by signal N; 125 when sandbox\n"
    "itself failed (usage, profile, setup), 126 when the command is not executable, 127 when\n"
    "it was not found. See sandbox(1) and sandbox-profile(5).";

void add_run_options(CLI::App &run, RunRequest &r) {
  auto &o = r.overrides;
  run.add_option("profile", r.profile, "Profile name or path (default: the built-in \"default\")");
  run.add_option("--bind", o.bind, "SRC[:DST]: overrides key mount (appends a bind)")
      ->type_name("SRC[:DST]")
      ->allow_extra_args(false);
  run.add_option("--ro-bind", o.ro_bind, "SRC[:DST]: overrides key mount (appends a ro-bind)")
      ->type_name("SRC[:DST]")
      ->allow_extra_args(false);
  run.add_option("--tmpfs", o.tmpfs, "DST: overrides key mount (appends a tmpfs)")
      ->type_name("DST")
      ->allow_extra_args(false);
  run.add_option("--setenv", o.setenv, "K=V: overrides key process.env.set")
      ->type_name("K=V")
      ->allow_extra_args(false);
  run.add_option("--unsetenv", o.unsetenv, "K: overrides key process.env.unset")
      ->type_name("K")
      ->allow_extra_args(false);
  run.add_option("--chdir", o.chdir, "DIR: overrides key process.cwd")->type_name("DIR");
  run.add_option("--hostname", o.hostname, "NAME: overrides key process.hostname")
      ->type_name("NAME");
  run.add_option("--uid", o.uid, "N|self: overrides key user.uid")->type_name("N|self");
  run.add_option("--gid", o.gid, "N|self: overrides key user.gid")->type_name("N|self");
  run.add_option("--share", o.share,
                 "net|pid|ipc|uts|cgroup: overrides key network.mode (net) or namespaces.X")
      ->type_name("NS")
      ->allow_extra_args(false);
  run.add_option("--root", o.root, "DIR|host|image:NAME: overrides key root.source")
      ->type_name("DIR");
  run.add_option("--overlay", o.overlay,
                 "DIR|ephemeral|none: overrides keys root.overlay (DIR: \"persistent\", "
                 "changes kept in DIR) and root.overlay_dir")
      ->type_name("DIR");
  run.add_option("--overlay-driver", o.overlay_driver,
                 "auto|kernel|fuse-overlayfs: overrides key root.overlay_driver")
      ->type_name("DRIVER");
  run.add_option("--volume", o.volume,
                 "SRC:DST[:ro|rw]: overrides key mount (appends a bind, or a ro-bind with :ro)")
      ->type_name("SRC:DST[:ro|rw]")
      ->allow_extra_args(false);
  run.add_option("--seccomp", o.seccomp, "POLICY: overrides key seccomp.policy")
      ->type_name("POLICY");
  run.add_flag("--dry-run", r.dry_run, "Print the resolved plan and run nothing");
  run.add_flag("-v,--verbose", r.verbose, "Say what was chosen and why (repeatable)");
}

// `sandbox run [PROFILE] -- CMD...`: no options, a profile that is not one. CLI11 gives the
// same Request (tests/unit/cli_parse_test.cpp compares them), but building its parser costs
// 0.1-0.2 ms of every start: its options, their strings and the heap pages they first touch.
std::optional<Request> parse_plain_run(const std::vector<std::string> &args) {
  if (args.size() < 4 || args[1] != "run")
    return std::nullopt;
  Request req;
  req.command = Command::run;
  std::size_t separator = 2;
  if (args[separator] != "--") {
    // CLI11 reads "++" as the end of the subcommand.
    if (args[separator].empty() || args[separator].front() == '-' || args[separator] == "++")
      return std::nullopt;
    req.run.profile = args[separator++];
  }
  if (args[separator] != "--" || separator + 1 == args.size())
    return std::nullopt;
  req.run.command.assign(args.begin() + static_cast<std::ptrdiff_t>(separator) + 1, args.end());
  return req;
}

} // namespace

Request parse_args(const std::vector<std::string> &args) {
  if (auto plain = parse_plain_run(args))
    return std::move(*plain);
  return parse_args_with_cli11(args);
}

Request parse_args_with_cli11(const std::vector<std::string> &args) {
  Request req;
  // Everything after the first "--" of `run` is the command, never options of ours.
  // `sandbox image ...` hands everything, "--" included, to sandbox-image.
  std::vector<std::string> ours = args;
  const bool image_command = ours.size() > 1 && ours[1] == "image";
  auto sep = image_command ? ours.end() : std::find(ours.begin(), ours.end(), "--");
  const bool has_separator = sep != ours.end();
  if (has_separator) {
    req.run.command.assign(sep + 1, ours.end());
    ours.erase(sep, ours.end());
  }

  CLI::App app(k_description, "sandbox");
  app.require_subcommand(0, 1);
  app.set_help_all_flag("--help-all", "Help for every command");
  bool version = false;
  app.add_flag("--version", version, "Print the version");

  auto *run = app.add_subcommand(
      "run", "Run CMD in a sandbox: sandbox run [OPTIONS] [PROFILE] -- CMD [ARGS...]");
  add_run_options(*run, req.run);

  auto *profile_cmd = app.add_subcommand("profile", "Check or show profiles");
  profile_cmd->require_subcommand(1);
  auto *check = profile_cmd->add_subcommand("check", "Validate profiles; every error, exit 0 or 1");
  check->add_option("files", req.files, "Profile files or names")->required();
  auto *show = profile_cmd->add_subcommand("show", "Print a profile (--resolved: merged, as TOML)");
  show->add_option("name", req.name, "Profile name or path")->required();
  show->add_flag("--resolved", req.resolved, "Merge extends, expand variables, fill defaults");

  auto *seccomp = app.add_subcommand("seccomp", "Show, export or import seccomp policies");
  seccomp->prefix_command(); // its own parser takes the rest (see sandbox-seccomp(5))

  auto *image = app.add_subcommand(
      "image", "Import, list or remove root filesystem images (sandbox image --help)");
  image->prefix_command(); // the sandbox-image program parses the rest, --help included
  image->set_help_flag();

  std::vector<std::string> reversed(ours.rbegin(), ours.rend() - 1);
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp &) {
    req.command = Command::help;
    auto *current = &app;
    for (auto *sub : {run, profile_cmd, check, show, seccomp})
      if (sub->parsed())
        current = sub;
    req.help_text = current->help();
    return req;
  } catch (const CLI::CallForAllHelp &) {
    req.command = Command::help;
    req.help_text = app.help("", CLI::AppFormatMode::All);
    return req;
  } catch (const CLI::ParseError &e) {
    throw UsageError(e.what());
  }

  if (version) {
    req.command = Command::version;
    return req;
  }
  if (run->parsed()) {
    req.command = Command::run;
    if (!has_separator)
      throw UsageError("run: the command goes after --, e.g. sandbox run -- sh -c 'id'");
    if (req.run.command.empty())
      throw UsageError("run: no command after --");
    return req;
  }
  if (has_separator)
    throw UsageError("-- is only for `sandbox run`");
  if (check->parsed()) {
    req.command = Command::profile_check;
    return req;
  }
  if (show->parsed()) {
    req.command = Command::profile_show;
    return req;
  }
  if (seccomp->parsed()) {
    req.command = Command::seccomp;
    req.rest = seccomp->remaining();
    return req;
  }
  if (image->parsed()) {
    req.command = Command::image;
    req.rest = image->remaining();
    return req;
  }
  req.command = Command::help;
  req.help_text = app.help();
  return req;
}

} // namespace sandbox::cli
