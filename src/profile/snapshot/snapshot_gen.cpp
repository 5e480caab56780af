// SPDX-License-Identifier: Apache-2.0
// Build tool: loads the built-in profiles named on the command line with load_profile(), every
// variable set to its stand-in (snapshot.hpp), and writes C++ that builds each resulting
// Profile field by field, the stand-ins replaced by the values given at run time.
// Usage: snapshot_gen OUT.cpp NAME...
#include <cctype>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "profile/load.hpp"
#include "profile/snapshot/snapshot.hpp"
#include "util/embedded.hpp"

namespace {

using namespace sandbox;
using namespace sandbox::profile;

// Every field of these is written below; a field added to one of them must be added here too.
// The size check catches most additions (not one that fits in padding), and only on this
// build's layout (x86-64 and aarch64 with libstdc++). What it misses is harmless unless a
// built-in profile sets the new field, and then profile_snapshot_test.cpp fails: the snapshot
// would hold the field's default.
#if defined(__GLIBCXX__) && __SIZEOF_POINTER__ == 8
static_assert(sizeof(Profile) == 760 && sizeof(MountEntry) == 208 && sizeof(Rlimit) == 88 &&
                  sizeof(seccomp::RuleSettings) == 104 && sizeof(seccomp::Settings) == 112 &&
                  sizeof(seccomp::ArgCondition) == 24 && sizeof(EnvSettings) == 80,
              "a profile type changed: write its new fields in snapshot_gen.cpp");
#endif

class Writer {
public:
  // C++ for `text`: a literal, or snapshot::join() of literals and values where stand-ins are.
  std::string text_expression(std::string_view text) {
    std::string parts;
    std::size_t start = 0;
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size();) {
      const auto variable = stand_in_at(text, i);
      if (!variable) {
        ++i;
        continue;
      }
      if (i > start) {
        parts += (count++ == 0 ? "" : ", ") + literal(text.substr(start, i - start)) + "sv";
      }
      parts += (count++ == 0 ? "" : ", ") + std::string("v[") + std::to_string(*variable) + "]";
      m_used |= 1U << *variable;
      i += snapshot::k_variables[*variable].stand_in.size();
      start = i;
    }
    if (count == 0)
      return literal(text) + "sv"; // a string_view literal keeps any NUL in it
    if (start < text.size())
      parts += ", " + literal(text.substr(start)) + "sv";
    return "snapshot::join({" + parts + "})";
  }

  void set(const std::string &lhs, const std::string &rhs) {
    m_body += "  " + lhs + " = " + rhs + ";\n";
  }

  void field(const std::string &lhs, const std::string &v) { set(lhs, text_expression(v)); }
  void field(const std::string &lhs, bool v) { set(lhs, v ? "true" : "false"); }
  template <class T>
  requires std::is_integral_v<T>
  void field(const std::string &lhs, T v) {
    set(lhs, std::to_string(v) + (std::is_signed_v<T> ? "" : "U"));
  }
  template <class E>
  requires std::is_enum_v<E>
  void field(const std::string &lhs, E v) {
    set(lhs, "static_cast<std::remove_cvref_t<decltype(" + lhs + ")>>(" +
                 std::to_string(static_cast<std::underlying_type_t<E>>(v)) + ")");
  }
  template <class T> void field(const std::string &lhs, const std::optional<T> &v) {
    if (!v)
      return;
    m_body += "  " + lhs + ".emplace();\n";
    field("(*" + lhs + ")", *v);
  }
  template <class T> void field(const std::string &lhs, const std::vector<T> &v) {
    if (v.empty())
      return;
    m_body += "  " + lhs + ".resize(" + std::to_string(v.size()) + ");\n";
    for (std::size_t i = 0; i < v.size(); ++i)
      field(lhs + "[" + std::to_string(i) + "]", v[i]);
  }
  void field(const std::string &lhs, const std::pair<std::string, std::string> &v) {
    field(lhs + ".first", v.first);
    field(lhs + ".second", v.second);
  }
  // Origin and seccomp::SourcePos, the same three fields.
  template <class Position>
  requires std::is_same_v<Position, Origin> || std::is_same_v<Position, seccomp::SourcePos>
  void field(const std::string &lhs, const Position &v) {
    field(lhs + ".file", v.file);
    field(lhs + ".line", v.line);
    field(lhs + ".column", v.column);
  }
  void field(const std::string &lhs, const IdSpec &v) {
    field(lhs + ".self", v.self);
    field(lhs + ".value", v.value);
  }
  void field(const std::string &lhs, const MountEntry &v) {
    field(lhs + ".type", v.type);
    field(lhs + ".source", v.source);
    field(lhs + ".dest", v.dest);
    field(lhs + ".optional", v.optional);
    field(lhs + ".options", v.options);
    field(lhs + ".size", v.size);
    field(lhs + ".mode", v.mode);
    field(lhs + ".content", v.content);
    field(lhs + ".propagation", v.propagation);
    field(lhs + ".origin", v.origin);
  }
  void field(const std::string &lhs, const Rlimit &v) {
    field(lhs + ".name", v.name);
    field(lhs + ".soft", v.soft);
    field(lhs + ".hard", v.hard);
    field(lhs + ".origin", v.origin);
  }
  void field(const std::string &lhs, const seccomp::Action &v) {
    field(lhs + ".kind", v.kind);
    field(lhs + ".errno_value", v.errno_value);
  }
  void field(const std::string &lhs, const seccomp::ArgCondition &v) {
    field(lhs + ".index", v.index);
    field(lhs + ".op", v.op);
    field(lhs + ".value", v.value);
    field(lhs + ".mask", v.mask);
  }
  void field(const std::string &lhs, const seccomp::RuleSettings &v) {
    field(lhs + ".syscalls", v.syscalls);
    field(lhs + ".action", v.action);
    field(lhs + ".args", v.args);
    field(lhs + ".optional", v.optional);
    field(lhs + ".origin", v.origin);
  }

  void profile(const Profile &p) {
    field("p.description", p.description);
    field("p.user.uid", p.user.uid);
    field("p.user.gid", p.user.gid);
    field("p.user.map", p.user.map);
    field("p.user.map_origin", p.user.map_origin);
    field("p.namespaces.pid", p.namespaces.pid);
    field("p.namespaces.ipc", p.namespaces.ipc);
    field("p.namespaces.uts", p.namespaces.uts);
    field("p.namespaces.cgroup", p.namespaces.cgroup);
    field("p.root.source", p.root.source);
    field("p.root.readonly", p.root.readonly);
    field("p.root.propagation", p.root.propagation);
    field("p.root.overlay", p.root.overlay);
    field("p.root.overlay_dir", p.root.overlay_dir);
    field("p.root.overlay_driver", p.root.overlay_driver);
    field("p.root.origin", p.root.origin);
    field("p.root.overlay_origin", p.root.overlay_origin);
    field("p.mounts", p.mounts);
    field("p.filesystem.mask", p.filesystem.mask);
    field("p.filesystem.readonly", p.filesystem.readonly);
    field("p.filesystem.protect", p.filesystem.protect);
    field("p.dev.mode", p.dev.mode);
    field("p.dev.allow", p.dev.allow);
    field("p.process.cwd", p.process.cwd);
    field("p.process.hostname", p.process.hostname);
    field("p.process.env.clear", p.process.env.clear);
    field("p.process.env.keep", p.process.env.keep);
    field("p.process.env.set", p.process.env.set);
    field("p.process.env.unset", p.process.env.unset);
    field("p.process.new_session", p.process.new_session);
    field("p.process.die_with_parent", p.process.die_with_parent);
    field("p.process.umask", p.process.umask);
    field("p.process.cwd_origin", p.process.cwd_origin);
    field("p.rlimits", p.rlimits);
    field("p.capabilities.keep", p.capabilities.keep);
    field("p.seccomp.policy", p.seccomp.policy);
    field("p.seccomp.default_action", p.seccomp.default_action);
    field("p.seccomp.allow_user_namespaces", p.seccomp.allow_user_namespaces);
    field("p.seccomp.allow_ptrace", p.seccomp.allow_ptrace);
    field("p.seccomp.rules", p.seccomp.rules);
    field("p.seccomp.origin", p.seccomp.origin);
    field("p.network.mode", p.network.mode);
  }

  // Takes what was written so far.
  std::string take_body() { return std::exchange(m_body, {}); }
  unsigned take_used() { return std::exchange(m_used, 0U); }

private:
  static std::optional<std::size_t> stand_in_at(std::string_view text, std::size_t at) {
    for (std::size_t i = 0; i < snapshot::k_variables.size(); ++i)
      if (text.substr(at).starts_with(snapshot::k_variables[i].stand_in))
        return i;
    return std::nullopt;
  }

  // A C++ string literal; every byte outside plain ASCII (and the quote characters) as a
  // three-digit octal escape, which cannot run into the next character.
  static std::string literal(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\' && c != '?') {
        out += c;
      } else {
        char escaped[5];
        std::snprintf(escaped, sizeof escaped, "\\%03o", byte);
        out += escaped;
      }
    }
    return out + "\"";
  }

  std::string m_body;
  unsigned m_used = 0;
};

std::string function_name(std::string_view profile) {
  std::string out = "make_";
  for (const char c : profile)
    out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  return out;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT.cpp NAME...\n", argv[0]);
    return 2;
  }
  try {
    LoadContext ctx; // the built-in profiles only: no search path, no files
    for (const auto &variable : snapshot::k_variables)
      ctx.variables.emplace(variable.name, variable.stand_in);
    std::string functions;
    std::string table;
    Writer writer;
    for (int i = 2; i < argc; ++i) {
      const std::string name = argv[i];
      const auto text = find_embedded_file(name + ".toml");
      if (!text)
        throw std::runtime_error("no built-in profile \"" + name + "\"");
      for (const auto &variable : snapshot::k_variables)
        if (text->find(variable.stand_in.substr(variable.path ? 1 : 0)) != std::string::npos)
          throw std::runtime_error("the built-in profile \"" + name + "\" contains \"" +
                                   std::string(variable.stand_in) +
                                   "\", which stands for a variable here");
      writer.profile(load_profile(name, ctx));
      functions += "Profile " + function_name(name) +
                   "([[maybe_unused]] const snapshot::Values &v) {\n  Profile p;\n" +
                   writer.take_body() + "  return p;\n}\n\n";
      table += "    {\"" + name + "\", " + std::to_string(writer.take_used()) + "U, &" +
               function_name(name) + "},\n";
    }
    std::FILE *out = std::fopen(argv[1], "we");
    if (out == nullptr) {
      std::perror(argv[1]);
      return 1;
    }
    std::fprintf(out,
                 "// Generated by snapshot_gen from the built-in profiles: do not edit.\n"
                 "#include <string_view>\n#include <type_traits>\n\n"
                 "#include \"profile/snapshot/snapshot.hpp\"\n\n"
                 "namespace sandbox::profile {\n\nnamespace {\n\n"
                 "using namespace std::string_view_literals;\n\n%s"
                 "const snapshot::Generated k_generated[] = {\n%s};\n\n} // namespace\n\n"
                 "std::span<const snapshot::Generated> snapshot::generated() {\n"
                 "  return k_generated;\n}\n\n} // namespace sandbox::profile\n",
                 functions.c_str(), table.c_str());
    if (std::fclose(out) != 0) {
      std::perror(argv[1]);
      return 1;
    }
  } catch (const ProfileErrors &e) {
    std::fprintf(stderr, "snapshot_gen: %s\n", e.what());
    return 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "snapshot_gen: %s\n", e.what());
    return 1;
  }
  return 0;
}
