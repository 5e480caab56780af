// SPDX-License-Identifier: Apache-2.0
#pragma once
// Thin wrappers that throw sandbox::Error{op, path, errno} (errno captured first) with the
// hint from hints.cpp. Every file descriptor they return is O_CLOEXEC.

#include <linux/mount.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sys/fd.hpp"
#include "util/error.hpp"

namespace sandbox::sys {

[[noreturn]] void throw_errno(std::string op, std::string path = {}, std::string path2 = {});

// "/proc/self/fd/N": how the classic mount(2) API names an fd's file.
std::string fd_path(int fd);

UniqueFd open_path(const std::string &path, int flags, mode_t mode = 0);
UniqueFd open_at(int dirfd, const std::string &path, int flags, mode_t mode = 0);
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): `path` is resolved as if `root_fd` were
// "/", so a symlink planted inside cannot lead out of it. Returns an empty fd on ENOENT.
UniqueFd open_in_root(int root_fd, const std::string &path, int flags, std::string_view shown);

void mount(const std::string &source, const std::string &target, const char *fstype,
           unsigned long flags, const std::string &data, std::string_view shown_target);
UniqueFd open_tree(int dirfd, const std::string &path, unsigned flags, std::string_view shown);
void move_mount(int from_fd, int to_fd, std::string_view shown_target);
void mount_setattr(int fd, std::uint64_t attr_set, std::uint64_t attr_clr,
                   std::uint64_t propagation, bool recursive, std::string_view shown);
UniqueFd fsmount_tmpfs(const std::string &options, std::string_view shown);

void write_file_at(int dirfd, const char *name, std::string_view content, std::string_view shown);

} // namespace sandbox::sys
