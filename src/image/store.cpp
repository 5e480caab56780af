// SPDX-License-Identifier: Apache-2.0
#include "image/store.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "image/entry_path.hpp"
#include "image/extract.hpp"
#include "image/location.hpp"
#include "image/manifest.hpp"
#include "image/owner_ns.hpp"
#include "image/tree.hpp"
#include "sys/fd.hpp"
#include "util/error.hpp"

namespace sandbox::image {

namespace {

constexpr std::size_t k_max_json = 4 << 20; // index.json, manifests: a few KiB in practice
constexpr int k_max_index_depth = 4;        // nested image indexes
constexpr const char *k_name_hint =
    "an image name has letters, digits, '.', '_' and '-', starts with a letter or digit, and "
    "has at most 128 characters";

void mkdir_p(const std::string &path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/')
      continue;
    const std::string prefix = path.substr(0, pos);
    // 0700, as the XDG base directory spec asks for directories it makes.
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      throw Error::from_errno(errno, "mkdir", prefix);
  }
}

sys::UniqueFd open_dir(const std::string &path) {
  sys::UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd)
    throw Error::from_errno(errno, "open", path);
  return fd;
}

bool exists_at(int dirfd, const std::string &name) {
  struct stat st {};
  return fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// A name in the store no image can have (image names start with a letter or digit).
std::string scratch_name(const std::string &kind, const std::string &name) {
  static unsigned counter = 0;
  return "." + kind + "-" + name + "-" + std::to_string(getpid()) + "-" +
         std::to_string(++counter) + "-" + std::to_string(std::time(nullptr));
}

// "subids" or "caller", from the info file of the store's directory `name` ("caller" when it
// has none: images imported before owners were kept).
std::string owners_of(int store, const std::string &name) {
  std::string info;
  try {
    info = read_file_in_root(store, name + "/info", 65536, name + "/info");
  } catch (const Error &) {
    return "caller";
  }
  info.insert(0, "\n");
  const auto pos = info.find("\nowners=");
  if (pos == std::string::npos)
    return "caller";
  const auto start = pos + 8;
  return info.substr(start, info.find('\n', start) - start);
}

// Removes the store's directory `name` (an image, or a scratch directory). One whose files
// belong to subordinate ids is removed as root of a user namespace mapping them, as they were
// made; `subids` says so when it has no info file yet.
void remove_store_dir(int store, const std::string &name, const std::string &shown,
                      bool subids = false) {
  if (in_owner_ns() || !(subids || owners_of(store, name) == "subids")) {
    remove_tree_at(store, name, shown);
    return;
  }
  const OwnerMap map = probe_owner_map();
  if (!map.usable)
    throw Error::message("remove " + shown + ": its files belong to subordinate ids, but " +
                             map.why_not,
                         "give the user back its ranges in /etc/subuid and /etc/subgid (and "
                         "install the uidmap package), or remove the directory as root");
  run_as_ns_root(map, [&] { remove_tree_at(store, name, shown); });
}

// Removes a scratch directory of the store unless released: a failed import leaves nothing.
class ScratchDir {
public:
  ScratchDir(int store, std::string name, std::string shown, bool subids)
      : m_store(store), m_name(std::move(name)), m_shown(std::move(shown)), m_subids(subids) {
    if (mkdirat(m_store, m_name.c_str(), 0700) != 0)
      throw Error::from_errno(errno, "mkdir", m_shown);
  }
  ~ScratchDir() {
    if (m_armed)
      try {
        remove_store_dir(m_store, m_name, m_shown, m_subids);
      } catch (const Error &e) {
        std::fprintf(stderr, "sandbox: could not clean up: %s\n", e.line().c_str());
      }
  }
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;
  [[nodiscard]] const std::string &name() const { return m_name; }
  void release() { m_armed = false; }

private:
  int m_store;
  std::string m_name, m_shown;
  bool m_subids;
  bool m_armed = true;
};

std::string human_size(std::uint64_t bytes) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

enum class LayoutKind { none, oci, docker };

LayoutKind detect_layout(int dir, Format format, const std::string &shown) {
  auto is_file = [dir](const char *name) {
    struct stat st {};
    return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
  };
  const bool oci = is_file("index.json") && is_file("oci-layout");
  bool docker = false;
  if (is_file("manifest.json")) {
    // A `docker save` manifest is a JSON array; a root filesystem with a file of that name at
    // its top is still a root filesystem.
    std::string text = read_file_in_root(dir, "manifest.json", k_max_json, "manifest.json");
    auto first = text.find_first_not_of(" \t\r\n");
    docker = first != std::string::npos && text[first] == '[';
  }
  switch (format) {
  case Format::oci:
    if (!oci)
      throw Error::message(shown + " is not an OCI image layout (no oci-layout and index.json)");
    return LayoutKind::oci;
  case Format::docker:
    if (!is_file("manifest.json"))
      throw Error::message(shown + " is not a `docker save` archive (no manifest.json)");
    return LayoutKind::docker;
  case Format::rootfs:
    return LayoutKind::none;
  case Format::auto_:
    break;
  }
  return oci ? LayoutKind::oci : docker ? LayoutKind::docker : LayoutKind::none;
}

// Applies the layers of the image in `layout` (a directory fd) to `x`; returns what it was.
std::string apply_layout(int layout, LayoutKind kind, const std::string &shown, Extractor &x,
                         const ImportOptions &opts) {
  std::vector<Layer> layers;
  std::string what;
  if (kind == LayoutKind::oci) {
    std::string source = shown + ":index.json";
    ManifestChoice choice = choose_manifest(
        read_file_in_root(layout, "index.json", k_max_json, source), source, native_architecture());
    for (int depth = 0; is_index_media_type(choice.manifest.media_type); ++depth) {
      if (depth >= k_max_index_depth)
        throw Error::message(source + ": image indexes nested too deep");
      source = shown + ":" + choice.manifest.digest;
      choice = choose_manifest(
          read_file_in_root(layout, *blob_path(choice.manifest.digest), k_max_json, source), source,
          native_architecture());
    }
    const std::string digest = choice.manifest.digest;
    std::printf("using manifest %s (%s)\n", digest.c_str(), choice.why.c_str());
    layers = parse_image_manifest(
        read_file_in_root(layout, *blob_path(digest), k_max_json, shown + ":" + digest),
        shown + ":" + digest);
    what = "OCI image layout";
  } else {
    DockerImage image = parse_docker_manifest(
        read_file_in_root(layout, "manifest.json", k_max_json, shown + ":manifest.json"),
        shown + ":manifest.json");
    std::printf("using image %s (the first of %zu in manifest.json)\n",
                image.tag.empty() ? "without a tag" : image.tag.c_str(), image.count);
    layers = std::move(image.layers);
    what = "docker save archive";
  }
  std::fflush(stdout);
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto &layer = layers[i];
    const std::string layer_shown = shown + ":" + layer.path;
    auto fd = open_in_root_or_throw(layout, layer.path, O_RDONLY, layer_shown);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
      throw Error::message(layer_shown + ": a layer must be a regular file");
    std::string kind_text = x.apply(fd.get(), layer_shown, true);
    if (opts.verbose > 0)
      std::printf("applied layer %zu/%zu %s (%s)\n", i + 1, layers.size(), layer.digest.c_str(),
                  kind_text.c_str());
  }
  return what + ", " + std::to_string(layers.size()) + " layer" + (layers.size() == 1 ? "" : "s");
}

void print_notes(const ExtractStats &s) {
  auto note = [](std::uint64_t n, const char *one, const char *many, const char *why) {
    if (n > 0)
      std::fprintf(stderr, "sandbox: note: skipped %llu %s%s\n", static_cast<unsigned long long>(n),
                   n == 1 ? one : many, why);
  };
  note(s.devices, "device node", "device nodes", " (a sandbox gets its own minimal /dev)");
  note(s.fifos, "fifo", "fifos", "");
  note(s.sockets, "socket", "sockets", "");
  if (s.absolute > 0)
    std::fprintf(stderr, "sandbox: note: removed the leading '/' from %llu entry names\n",
                 static_cast<unsigned long long>(s.absolute));
}

void print_owner_notes(const ExtractStats &s, const OwnerMap &map) {
  if (s.foreign_owners > 0)
    std::fprintf(stderr,
                 "sandbox: note: %llu %s a uid or gid beyond the %u:%u ids the subordinate "
                 "ranges map: such an id became %s's\n",
                 static_cast<unsigned long long>(s.foreign_owners),
                 s.foreign_owners == 1 ? "entry has" : "entries have", map.max_uid, map.max_gid,
                 map.user.c_str());
}

std::string absolute_path(const std::string &file) {
  if (file.starts_with("/"))
    return file;
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == nullptr)
    return file;
  return std::string(cwd) + "/" + file;
}

void write_info(int dir, const std::string &text, const std::string &shown) {
  sys::UniqueFd fd(openat(dir, "info", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd)
    throw Error::from_errno(errno, "create", shown);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw Error::from_errno(errno, "write", shown);
}

// Puts the finished scratch directory in place as `name`; the old image, with --force, is
// swapped out in one rename and removed after.
void commit(int store, ScratchDir &scratch, const std::string &name, bool force,
            const std::string &store_path) {
  const std::string target = store_path + "/" + name;
  if (renameat2(store, scratch.name().c_str(), store, name.c_str(), RENAME_NOREPLACE) == 0) {
    scratch.release();
    return;
  }
  int err = errno;
  if (err == EEXIST && !force)
    throw Error::message("image \"" + name + "\" already exists",
                         "--force replaces it; sandbox image rm " + name + " removes it");
  if (err == EEXIST &&
      renameat2(store, scratch.name().c_str(), store, name.c_str(), RENAME_EXCHANGE) == 0) {
    // The old image is now in the scratch directory, which the guard removes.
    return;
  }
  if (err != EEXIST && err != EINVAL)
    throw Error::from_errno(err, "rename", store_path + "/" + scratch.name(), target);
  // A file system without renameat2 flags: move the old image aside, then rename.
  if (exists_at(store, name)) {
    if (!force)
      throw Error::message("image \"" + name + "\" already exists",
                           "--force replaces it; sandbox image rm " + name + " removes it");
    const std::string old = scratch_name("old", name);
    if (renameat(store, name.c_str(), store, old.c_str()) != 0)
      throw Error::from_errno(errno, "rename", target, store_path + "/" + old);
    if (renameat(store, scratch.name().c_str(), store, name.c_str()) != 0) {
      err = errno;
      (void)renameat(store, old.c_str(), store, name.c_str());
      throw Error::from_errno(err, "rename", store_path + "/" + scratch.name(), target);
    }
    scratch.release();
    remove_store_dir(store, old, store_path + "/" + old);
    return;
  }
  if (renameat(store, scratch.name().c_str(), store, name.c_str()) != 0)
    throw Error::from_errno(errno, "rename", store_path + "/" + scratch.name(), target);
  scratch.release();
}

} // namespace

std::string user_store_dir() {
  std::optional<std::string_view> xdg;
  if (const char *x = std::getenv("XDG_DATA_HOME"))
    xdg = x;
  std::string home;
  if (const char *h = std::getenv("HOME"); h && *h)
    home = h;
  if (home.empty()) {
    struct passwd pw {};
    struct passwd *found = nullptr;
    std::vector<char> buf(16384);
    if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found)
      home = found->pw_dir;
  }
  if (home.empty() && !(xdg && xdg->starts_with("/")))
    throw Error::message("no home directory for the image store", "set HOME or XDG_DATA_HOME");
  return store_dir(xdg, home);
}

namespace {

// The import proper, from the scratch directory `scratch_base` to the committed image; in the
// child of run_as_ns_root when `owners` is given.
void build_image(const std::string &store, int store_fd, const std::string &scratch_base,
                 const ImportOptions &opts, const struct stat &src, const OwnerMap *owners) {
  OwnerPolicy policy;
  if (owners) {
    policy.keep = true;
    policy.max_uid = owners->max_uid;
    policy.max_gid = owners->max_gid;
  }
  ScratchDir scratch(store_fd, scratch_base, store + "/" + scratch_base, owners != nullptr);
  const std::string scratch_path = store + "/" + scratch.name();
  auto scratch_fd = open_dir(scratch_path);
  auto make_root = [&] {
    if (mkdirat(scratch_fd.get(), "rootfs", 0700) != 0)
      throw Error::from_errno(errno, "mkdir", scratch_path + "/rootfs");
    sys::UniqueFd fd(
        openat(scratch_fd.get(), "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
      throw Error::from_errno(errno, "open", scratch_path + "/rootfs");
    return fd;
  };

  std::string description;
  ExtractStats stats;
  if (S_ISDIR(src.st_mode)) {
    auto layout = open_dir(opts.file);
    LayoutKind kind = detect_layout(layout.get(), opts.format, opts.file);
    if (kind == LayoutKind::none)
      throw Error::message(opts.file + " is a directory but not an OCI image layout (no "
                                       "oci-layout and index.json) or a `docker save` tree (no "
                                       "manifest.json)",
                           "sandbox run --root DIR runs on a directory as it is");
    auto root = make_root();
    Extractor x(root.get(), scratch_path + "/rootfs", opts.interrupted, policy);
    description = apply_layout(layout.get(), kind, opts.file, x, opts);
    x.finish();
    stats = x.stats();
  } else {
    sys::UniqueFd file(open(opts.file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file)
      throw Error::from_errno(errno, "open", opts.file);
    // One pass over the archive: extract it, then look at what came out. A root filesystem
    // tarball is done; an image layout's layers are applied into a fresh root.
    auto root = make_root();
    Extractor x(root.get(), scratch_path + "/rootfs", opts.interrupted, policy);
    const std::string archive_kind = x.apply(file.get(), opts.file, false);
    LayoutKind kind = detect_layout(root.get(), opts.format, opts.file);
    if (kind == LayoutKind::none) {
      x.finish();
      stats = x.stats();
      description = "root filesystem tarball (" + archive_kind + ")";
    } else {
      if (renameat(scratch_fd.get(), "rootfs", scratch_fd.get(), "layout") != 0)
        throw Error::from_errno(errno, "rename", scratch_path + "/rootfs",
                                scratch_path + "/layout");
      auto image_root = make_root();
      Extractor layered(image_root.get(), scratch_path + "/rootfs", opts.interrupted, policy);
      description =
          apply_layout(root.get(), kind, opts.file, layered, opts) + " (" + archive_kind + ")";
      layered.finish();
      stats = layered.stats();
      remove_tree_at(scratch_fd.get(), "layout", scratch_path + "/layout");
    }
  }
  if (stats.entries == 0)
    throw Error::message(opts.file + " has no entries: nothing to import");
  print_notes(stats);
  if (owners)
    print_owner_notes(stats, *owners);
  write_info(scratch_fd.get(),
             "imported=" + std::to_string(std::time(nullptr)) +
                 "\nsource=" + absolute_path(opts.file) + "\nformat=" + description +
                 "\nowners=" + (owners ? "subids" : "caller") + "\n",
             scratch_path + "/info");
  commit(store_fd, scratch, opts.name, opts.force, store);
  const std::uint64_t size = disk_usage_at(store_fd, opts.name);
  std::printf("imported %s: %s, %llu entries, %s\n", opts.name.c_str(), description.c_str(),
              static_cast<unsigned long long>(stats.entries), human_size(size).c_str());
  if (opts.verbose > 0)
    std::printf("stored in %s\n", rootfs_dir(store, opts.name).c_str());
}

} // namespace

void import_image(const std::string &store, const ImportOptions &opts) {
  if (!is_valid_name(opts.name))
    throw Error::message("invalid image name \"" + opts.name + "\"", k_name_hint);
  struct stat src {};
  if (stat(opts.file.c_str(), &src) != 0)
    throw Error::from_errno(errno, "stat", opts.file);
  mkdir_p(store);
  auto store_fd = open_dir(store);
  if (exists_at(store_fd.get(), opts.name) && !opts.force)
    throw Error::message("image \"" + opts.name + "\" already exists",
                         "--force replaces it; sandbox image rm " + opts.name + " removes it");

  const std::string scratch_base = scratch_name("import", opts.name);
  OwnerMap owners;
  if (!opts.no_subids)
    owners = probe_owner_map();
  if (!owners.usable) {
    const std::string user = owners.user.empty() ? caller_name() : owners.user;
    std::fprintf(stderr, "sandbox: note: %s: files are owned by %s\n",
                 opts.no_subids ? "--no-subids" : owners.why_not.c_str(), user.c_str());
    build_image(store, store_fd.get(), scratch_base, opts, src, nullptr);
    return;
  }
  try {
    run_as_ns_root(
        owners, [&] { build_image(store, store_fd.get(), scratch_base, opts, src, &owners); },
        opts.interrupted);
  } catch (const Error &) {
    // The child cleans up after itself unless it was killed: then its scratch directory (or
    // the old image swapped into it) is still there.
    if (exists_at(store_fd.get(), scratch_base)) {
      try {
        remove_store_dir(store_fd.get(), scratch_base, store + "/" + scratch_base, true);
      } catch (const Error &e) {
        std::fprintf(stderr, "sandbox: could not clean up: %s\n", e.line().c_str());
      }
    }
    throw;
  }
}

void list_images(const std::string &store) {
  sys::UniqueFd fd(open(store.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT)
      return; // no store yet: no images
    throw Error::from_errno(errno, "open", store);
  }
  struct Row {
    std::string name, size, date, owners;
  };
  std::vector<Row> rows;
  // Scratch directories of imports in progress (or killed) start with '.': never listed.
  std::vector<std::string> names;
  {
    auto dir = open_dir(store);
    std::unique_ptr<DIR, int (*)(DIR *)> d(fdopendir(dir.release()), closedir);
    if (!d)
      throw Error::from_errno(errno, "opendir", store);
    while (const dirent *e = readdir(d.get()))
      if (is_valid_name(e->d_name))
        names.emplace_back(e->d_name);
  }
  std::sort(names.begin(), names.end());
  size_t width = 4;
  for (const auto &name : names) {
    struct stat st {};
    if (fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
      continue;
    std::time_t when = st.st_mtime;
    try {
      std::string info = read_file_in_root(fd.get(), name + "/info", 65536, name + "/info");
      if (auto pos = info.find("imported="); pos != std::string::npos)
        when = static_cast<std::time_t>(std::strtoll(info.c_str() + pos + 9, nullptr, 10));
    } catch (const Error &) {
      // No info file: the directory's time will do.
    }
    char date[64] = "?";
    struct tm tm {};
    if (localtime_r(&when, &tm))
      std::strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
    rows.push_back(
        {name, human_size(disk_usage_at(fd.get(), name)), date, owners_of(fd.get(), name)});
    width = std::max(width, name.size());
  }
  for (const auto &r : rows)
    std::printf("%-*s  %10s  %s  %s\n", static_cast<int>(width), r.name.c_str(), r.size.c_str(),
                r.date.c_str(), r.owners.c_str());
}

std::vector<std::string> remove_images(const std::string &store,
                                       const std::vector<std::string> &names) {
  std::vector<std::string> missing;
  sys::UniqueFd fd(open(store.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd && errno != ENOENT)
    throw Error::from_errno(errno, "open", store);
  for (const auto &name : names) {
    if (!is_valid_name(name) || !fd || !exists_at(fd.get(), name)) {
      std::fprintf(stderr,
                   "sandbox: image rm: no image named \"%s\"; hint: sandbox image list "
                   "shows the images\n",
                   name.c_str());
      missing.push_back(name);
      continue;
    }
    // Renamed away first, so that a run never starts on a half-removed image.
    const std::string gone = scratch_name("rm", name);
    if (renameat(fd.get(), name.c_str(), fd.get(), gone.c_str()) != 0)
      throw Error::from_errno(errno, "rename", store + "/" + name, store + "/" + gone);
    remove_store_dir(fd.get(), gone, store + "/" + gone);
    std::printf("removed %s\n", name.c_str());
  }
  return missing;
}

} // namespace sandbox::image
