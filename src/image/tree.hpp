// SPDX-License-Identifier: Apache-2.0
#pragma once
// Directory-fd helpers for the image store: lookups confined to a root with openat2
// (RESOLVE_IN_ROOT), recursive removal that never follows a symlink, disk usage.

#include <cstdint>
#include <functional>
#include <string>

#include "sys/fd.hpp"

namespace sandbox::image {

// openat2(root, rel, flags | O_CLOEXEC) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
// RESOLVE_NO_XDEV | `extra_resolve`: every symlink, absolute or not, and every "..", resolves
// inside `root`. Returns the fd, or -errno.
int open_in_root(int root, const std::string &rel, int flags, std::uint64_t extra_resolve = 0);
// The same, throwing sandbox::Error("open", shown) on failure.
sys::UniqueFd open_in_root_or_throw(int root, const std::string &rel, int flags,
                                    const std::string &shown, std::uint64_t extra_resolve = 0);

// Removes `name` in `dirfd`: a file, a symlink (never followed) or a directory tree, making
// each directory u+rwx first so that read-only directories do not stop it. Missing: no-op.
// `shown` names the path in errors.
void remove_tree_at(int dirfd, const std::string &name, const std::string &shown);
// Removes every entry of the directory `dirfd` for which `keep` (given the entry's name) is
// false; `keep` may be empty.
void clear_directory(int dirfd, const std::string &shown,
                     const std::function<bool(const std::string &)> &keep = {});

// Bytes allocated on disk below `dirfd`/`name` (st_blocks), counting hard-linked files once.
std::uint64_t disk_usage_at(int dirfd, const std::string &name);

// A whole small regular file below `root` (confined as open_in_root), at most `max` bytes.
std::string read_file_in_root(int root, const std::string &rel, std::size_t max,
                              const std::string &shown);

} // namespace sandbox::image
