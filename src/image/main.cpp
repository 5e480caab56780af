// SPDX-License-Identifier: Apache-2.0
// sandbox-image: `sandbox image import|list|rm`. A program of its own because it links
// libarchive, whose many shared libraries `sandbox run` must not load at every start; `sandbox
// image ARGS` execs it from the directory of the sandbox binary.
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <signal.h>

#include <atomic>
#include <clocale>
#include <cstdio>

#include "image/store.hpp"
#include "util/error.hpp"
#include "util/stdio.hpp"

namespace {

constexpr int k_exit_failure = 125; // as sandbox: usage or setup failed
constexpr int k_exit_missing = 1;   // image rm: a name that is not an image

std::atomic<bool> g_interrupted{false};

void on_signal(int /*sig*/) {
  g_interrupted = true;
}

// SIGINT, SIGTERM, SIGHUP stop an import between two blocks, so that it removes its scratch
// directory rather than leave half an image behind.
void catch_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaction(sig, &sa, nullptr);
}

int run(int argc, char **argv) {
  std::setlocale(LC_CTYPE, ""); // entry names in the user's encoding, as tar shows them
  using sandbox::image::Format;
  CLI::App app("sandbox image: import, list and remove root filesystem images, used with\n"
               "root.source = \"image:NAME\" or sandbox run --root image:NAME. See sandbox(1).",
               "sandbox image");
  app.require_subcommand(1);

  sandbox::image::ImportOptions import;
  std::string format = "auto";
  auto *import_cmd = app.add_subcommand(
      "import", "Import FILE (a root filesystem tarball, an OCI image layout or a `docker save` "
                "archive) as image NAME");
  import_cmd->add_option("name", import.name, "The image's name")->required();
  import_cmd
      ->add_option("file", import.file,
                   "Tarball (.tar, .tar.gz, .tar.xz, .tar.zst...), OCI "
                   "layout (directory or tar) or docker save archive")
      ->required();
  import_cmd->add_flag("--force", import.force, "Replace an existing image of that name");
  import_cmd
      ->add_option("--format", format, "auto|rootfs|oci|docker: what FILE is (default: detected)")
      ->check(CLI::IsMember({"auto", "rootfs", "oci", "docker"}));
  import_cmd->add_flag("-v,--verbose", import.verbose, "Say which layers were applied, and where");
  import_cmd->add_flag("--no-subids", import.no_subids,
                       "Do not keep the archive's owners: every file belongs to you (the "
                       "default without subordinate ids)");

  app.add_subcommand("list",
                     "One line per image: name, size on disk, import date, owners (subids: the "
                     "archive's, mapped to your subordinate ids; caller: you)");

  std::vector<std::string> rm_names;
  auto *rm_cmd = app.add_subcommand("rm", "Remove images (exit 1 if one of them does not exist)");
  rm_cmd->add_option("names", rm_names, "Image names")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &) {
    std::fputs((app.get_subcommands().empty() ? app.help() : app.get_subcommands().front()->help())
                   .c_str(),
               stdout);
    return 0;
  } catch (const CLI::ParseError &e) {
    std::fprintf(stderr, "sandbox: image: %s; hint: see sandbox image --help\n", e.what());
    return k_exit_failure;
  }

  std::string context = "image";
  try {
    const std::string store = sandbox::image::user_store_dir();
    if (import_cmd->parsed()) {
      context = "image import " + import.name;
      import.format = format == "rootfs"   ? Format::rootfs
                      : format == "oci"    ? Format::oci
                      : format == "docker" ? Format::docker
                                           : Format::auto_;
      import.interrupted = &g_interrupted;
      catch_interrupts();
      sandbox::image::import_image(store, import);
      return 0;
    }
    if (rm_cmd->parsed()) {
      context = "image rm";
      return sandbox::image::remove_images(store, rm_names).empty() ? 0 : k_exit_missing;
    }
    context = "image list";
    sandbox::image::list_images(store);
    return 0;
  } catch (sandbox::Error &e) {
    e.with_context(context);
    std::fprintf(stderr, "sandbox: %s\n", e.line().c_str());
  } catch (const std::exception &e) {
    std::fprintf(stderr, "sandbox: %s: %s\n", context.c_str(), e.what());
  }
  return k_exit_failure;
}

} // namespace

int main(int argc, char **argv) {
  sandbox::ensure_stdio_open();
  try {
    return run(argc, argv);
  } catch (...) {
    std::fputs("sandbox: image: unexpected failure (out of memory?)\n", stderr);
    return k_exit_failure;
  }
}
