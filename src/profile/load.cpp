// SPDX-License-Identifier: Apache-2.0
// Finding profiles, parsing them with toml++ and following `extends`. The merged table then goes
// to build_profile() (validate.cpp); only file reads happen here, through LoadContext::read_file.
#include "profile/load.hpp"
#include "profile/internal.hpp"

#include <algorithm>

#include "util/embedded.hpp"

namespace sandbox::profile {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_max_extends_depth = 16;

// One profile text and where it came from.
struct Located {
  std::string label; // what errors call it: the path as found, or "<built-in NAME>"
  std::string text;
  std::optional<std::string> dir; // absolute directory, for ${PROFILE_DIR}; none when built in
  std::string id;                 // identity for cycle detection
};

bool looks_like_path(std::string_view s) {
  return s.find('/') != std::string_view::npos ||
         (s.size() >= 5 && s.substr(s.size() - 5) == ".toml");
}

bool is_builtin_label(std::string_view label) {
  return !label.empty() && label.front() == '<';
}

std::string builtin_label(std::string_view name) {
  return "<built-in " + std::string(name) + ">";
}

fs::path absolute_of(const fs::path &p, const LoadContext &ctx) {
  if (p.is_absolute())
    return p.lexically_normal();
  if (auto it = ctx.variables.find("PWD"); it != ctx.variables.end() && !it->second.empty())
    return (fs::path(it->second) / p).lexically_normal();
  return fs::absolute(p).lexically_normal();
}

Located file_located(const fs::path &path, std::string text, const LoadContext &ctx) {
  const fs::path abs = absolute_of(path, ctx);
  return {path.string(), std::move(text), abs.parent_path().string(), abs.string()};
}

std::string join_searched(const std::vector<std::string> &searched) {
  std::string out;
  for (const auto &s : searched)
    out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "the built-in profiles" : out + " and the built-in profiles";
}

class ChainLoader {
public:
  ChainLoader(const LoadContext &ctx, detail::Expander &expander, Diagnostics &diags)
      : m_ctx(ctx), m_expander(expander), m_diags(diags) {}

  // A profile named on the command line (from == nullptr) or by `extends` in `from`.
  std::optional<Located> find(std::string_view name_or_path, const Located *from,
                              const Origin &at) {
    std::vector<std::string> searched;
    if (looks_like_path(name_or_path)) {
      fs::path path(name_or_path);
      if (from != nullptr && path.is_relative()) {
        if (is_builtin_label(from->label)) {
          m_diags.add({at, key(from), "a built-in profile cannot extend a relative path", {}});
          return std::nullopt;
        }
        path = fs::path(from->label).parent_path() / path;
      }
      if (auto text = read(path))
        return file_located(path, std::move(*text), m_ctx);
      m_diags.add(
          {at, key(from), "profile file " + detail::quote(path.string()) + " not found", {}});
      return std::nullopt;
    }
    const std::string file_name = std::string(name_or_path) + ".toml";
    std::vector<fs::path> candidates;
    if (from != nullptr && !is_builtin_label(from->label))
      candidates.push_back(fs::path(from->label).parent_path() / file_name);
    for (const auto &dir : m_ctx.search_path)
      candidates.push_back(dir / file_name);
    for (const auto &candidate : candidates) {
      searched.push_back(candidate.string());
      // A profile that extends its own name (a user's default.toml extending "default") means
      // the next one on the search path, not itself.
      if (from != nullptr && absolute_of(candidate, m_ctx).string() == from->id)
        continue;
      if (auto text = read(candidate))
        return file_located(candidate, std::move(*text), m_ctx);
    }
    if (auto text = find_embedded_file(file_name)) {
      const auto label = builtin_label(name_or_path);
      if (from == nullptr || from->id != label)
        return Located{label, std::string(*text), std::nullopt, label};
    }
    m_diags.add({at,
                 key(from),
                 "profile " + detail::quote(name_or_path) + " not found; searched " +
                     join_searched(searched),
                 {}});
    return std::nullopt;
  }

  // The table of `file` with its `extends` chain merged in; nullopt if `file` itself is unusable.
  std::optional<toml::table> load(const Located &file) {
    toml::table table;
    try {
      table = toml::parse(file.text, file.label);
    } catch (const toml::parse_error &e) {
      const auto &src = e.source();
      m_diags.add(
          {Origin{file.label, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column)},
           "",
           std::string(e.description()),
           {}});
      return std::nullopt;
    }
    if (file.dir)
      m_expander.set_profile_dir(file.label, *file.dir);

    auto *profile = table.get_as<toml::table>("profile");
    if (profile == nullptr)
      return table;
    const std::vector<std::string> reset = reset_paths(*profile);
    std::optional<std::string> extends;
    Origin extends_origin;
    if (const auto *node = profile->get("extends")) {
      extends_origin = detail::origin_of(*node);
      if (const auto *s = node->as_string(); s != nullptr && !s->get().empty())
        extends = s->get();
      else
        m_diags.add(
            {extends_origin,
             "profile.extends",
             "expected a profile name or path, got " +
                 (node->is_string() ? std::string("\"\"") : std::string(detail::type_name(*node))),
             {}});
    }
    // Resolved here; the merged profile must not extend (or reset) anything again.
    profile->erase("extends");
    profile->erase("reset");
    if (!extends)
      return table;

    m_chain.push_back(&file);
    auto parent = load_parent(*extends, file, extends_origin);
    m_chain.pop_back();
    if (!parent)
      return table;
    for (const auto &path : reset)
      detail::drop_key_path(*parent, path);
    detail::merge_tables(*parent, std::move(table));
    return parent;
  }

private:
  static std::string key(const Located *from) { return from != nullptr ? "profile.extends" : ""; }

  std::optional<std::string> read(const fs::path &path) const {
    if (!m_ctx.read_file)
      return std::nullopt;
    return m_ctx.read_file(path);
  }

  std::vector<std::string> reset_paths(const toml::table &profile) {
    std::vector<std::string> out;
    const auto *node = profile.get("reset");
    if (node == nullptr)
      return out;
    const auto *array = node->as_array();
    if (array == nullptr) {
      m_diags.add({detail::origin_of(*node),
                   "profile.reset",
                   "expected an array, got " + std::string(detail::type_name(*node)),
                   {}});
      return out;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto &element = *array->get(i);
      const std::string key = "profile.reset[" + std::to_string(i) + "]";
      const auto *s = element.as_string();
      if (s == nullptr) {
        m_diags.add({detail::origin_of(element),
                     key,
                     "expected a string, got " + std::string(detail::type_name(element)),
                     {}});
        continue;
      }
      std::string suggestion;
      if (detail::is_resettable_key_path(s->get(), suggestion))
        out.push_back(s->get());
      else
        m_diags.add({detail::origin_of(element), key,
                     "not a key that can be reset: " + detail::quote(s->get()), suggestion});
    }
    return out;
  }

  std::optional<toml::table> load_parent(const std::string &name, const Located &file,
                                         const Origin &at) {
    if (m_chain.size() >= k_max_extends_depth) {
      m_diags.add(
          {at,
           "profile.extends",
           "extends chain is longer than " + std::to_string(k_max_extends_depth) + " profiles",
           {}});
      return std::nullopt;
    }
    auto parent = find(name, &file, at);
    if (!parent)
      return std::nullopt;
    const auto cycle_start = std::find_if(m_chain.begin(), m_chain.end(),
                                          [&](const Located *l) { return l->id == parent->id; });
    if (cycle_start != m_chain.end()) {
      std::string chain;
      for (auto it = cycle_start; it != m_chain.end(); ++it)
        chain += (*it)->label + " -> ";
      m_diags.add({at, "profile.extends", "extends cycle: " + chain + parent->label, {}});
      return std::nullopt;
    }
    return load(*parent);
  }

  const LoadContext &m_ctx;
  detail::Expander &m_expander;
  Diagnostics &m_diags;
  std::vector<const Located *> m_chain; // the files whose `extends` is being followed
};

// Errors in file order, then position: build_profile() walks tables in key order.
void sort_by_position(std::vector<Diagnostic> &list) {
  std::vector<std::string> files;
  for (const auto &d : list)
    if (std::find(files.begin(), files.end(), d.origin.file) == files.end())
      files.push_back(d.origin.file);
  auto rank = [&files](const Diagnostic &d) {
    return std::find(files.begin(), files.end(), d.origin.file) - files.begin();
  };
  std::stable_sort(list.begin(), list.end(), [&](const Diagnostic &a, const Diagnostic &b) {
    const auto ra = rank(a);
    const auto rb = rank(b);
    if (ra != rb)
      return ra < rb;
    if (a.origin.line != b.origin.line)
      return a.origin.line < b.origin.line;
    return a.origin.column < b.origin.column;
  });
}

Profile load_located(const Located &file, const LoadContext &ctx) {
  Diagnostics diags;
  detail::Expander expander(ctx);
  ChainLoader loader(ctx, expander, diags);
  auto table = loader.load(file);
  Profile profile;
  if (table)
    detail::build_profile(*table, profile, diags, expander);
  auto list = diags.list();
  sort_by_position(list);
  if (!list.empty())
    throw ProfileErrors(std::move(list));
  return profile;
}

} // namespace

std::string_view builtin_default_profile() {
  return find_embedded_file("default.toml").value_or(std::string_view{});
}

Profile load_profile(std::string_view name_or_path, const LoadContext &ctx) {
  Diagnostics diags;
  detail::Expander expander(ctx);
  ChainLoader loader(ctx, expander, diags);
  auto file = loader.find(name_or_path, nullptr, Origin{});
  diags.throw_if_any();
  if (ctx.builtin_snapshot && is_builtin_label(file->label))
    if (auto snapshot = ctx.builtin_snapshot(name_or_path, ctx))
      return std::move(*snapshot);
  return load_located(*file, ctx);
}

Profile load_profile_text(std::string_view text, std::string_view file_name,
                          const LoadContext &ctx) {
  if (is_builtin_label(file_name))
    return load_located(
        {std::string(file_name), std::string(text), std::nullopt, std::string(file_name)}, ctx);
  return load_located(file_located(fs::path(file_name), std::string(text), ctx), ctx);
}

} // namespace sandbox::profile
