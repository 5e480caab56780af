// SPDX-License-Identifier: Apache-2.0
// The plan's one impure input: who the caller is and what the host has.
#include "plan/host_facts.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>

#include "util/error.hpp"
#include "util/file.hpp"

extern char **environ;

namespace sandbox::plan {

namespace {

// The file's text, or nothing whatever the reason: these files only refine defaults.
std::string read_or_empty(const char *path) {
  try {
    return read_file_if_exists(path).value_or("");
  } catch (const Error &) {
    return {};
  }
}

std::string find_setid_helper(const char *name) {
  for (const char *dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
    std::string path = std::string(dir) + name;
    if (access(path.c_str(), X_OK) == 0)
      return path;
  }
  return {};
}

PathKind stat_path_kind(const std::string &path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    return PathKind::missing;
  if (S_ISDIR(st.st_mode))
    return PathKind::directory;
  if (S_ISREG(st.st_mode))
    return PathKind::file;
  return PathKind::other;
}

} // namespace

HostFacts gather_host_facts() {
  HostFacts h;
  h.uid = getuid();
  h.gid = getgid();
  for (char **e = environ; e != nullptr && *e != nullptr; ++e)
    h.environ.emplace_back(*e);

  // The passwd entry names the user for /etc/subuid; $HOME wins for the home, as shells do.
  // /etc/passwd itself, not getpwuid(): sandbox links glibc statically (src/CMakeLists.txt),
  // where NSS would dlopen modules built against the shared glibc. A user that only a
  // directory service knows (LDAP, sssd) is named by $USER or $LOGNAME, which login sets; a
  // wrong name can only point at ranges in /etc/subuid that newuidmap then refuses.
  if (auto entry = find_passwd_entry(read_or_empty("/etc/passwd"), h.uid)) {
    h.user = std::move(entry->name);
    h.home = std::move(entry->home);
  } else if (auto user = h.getenv("USER"); user && !user->empty()) {
    h.user = std::string(*user);
  } else if (auto logname = h.getenv("LOGNAME"); logname && !logname->empty()) {
    h.user = std::string(*logname);
  } else {
    h.user = std::to_string(h.uid);
  }
  if (auto home = h.getenv("HOME"); home && !home->empty())
    h.home = std::string(*home);

  std::array<char, 4096> cwd{};
  if (getcwd(cwd.data(), cwd.size()) == nullptr)
    throw Error::from_errno(errno, "getcwd").with_hint("the current directory was removed?");
  h.cwd = cwd.data();

  h.path_kind = stat_path_kind;
  return h;
}

void gather_subid_facts(HostFacts &h) {
  h.subuids = parse_subid_file(read_or_empty("/etc/subuid"), h.user, h.uid);
  h.subgids = parse_subid_file(read_or_empty("/etc/subgid"), h.user, h.uid);
  h.newuidmap = find_setid_helper("newuidmap");
  h.newgidmap = find_setid_helper("newgidmap");
}

} // namespace sandbox::plan
