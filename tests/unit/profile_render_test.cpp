// SPDX-License-Identifier: Apache-2.0
// render_profile(): what `sandbox profile show --resolved` prints, and that it reads back.
#include "profile_test_support.hpp"

namespace sandbox::profile::test {
namespace {

void expect_round_trip(const Profile &p, const LoadContext &ctx) {
  const std::string rendered = render_profile(p);
  Profile again;
  try {
    again = load_profile_text(rendered, "resolved.toml", ctx);
  } catch (const ProfileErrors &e) {
    FAIL() << e.what() << "\n" << rendered;
  }
  EXPECT_EQ(again, p) << rendered;
  EXPECT_EQ(render_profile(again), rendered);
}

TEST(Render, BuiltinDefaultRoundTrips) {
  FakeHost host;
  const auto ctx = host.context();
  expect_round_trip(load_profile_text(builtin_default_profile(), "<built-in default>", ctx), ctx);
}

TEST(Render, DefaultProfileIsRenderedCompletelyAndInOrder) {
  FakeHost host;
  const auto ctx = host.context();
  const std::string text =
      render_profile(load_profile_text(builtin_default_profile(), "<built-in default>", ctx));
  std::size_t last = 0;
  for (const char *section : {"[profile]", "[user]", "[namespaces]", "[network]", "[root]",
                              "[[mount]]", "[filesystem]", "[dev]", "[process]", "[process.env]",
                              "[process.env.set]", "[rlimits]", "[capabilities]", "[seccomp]"}) {
    const auto at = text.find(std::string("\n") + section + "\n");
    ASSERT_NE(at, std::string::npos) << section << "\n" << text;
    EXPECT_GT(at, last) << section;
    last = at;
  }
  EXPECT_EQ(text.find("extends ="), std::string::npos);
  EXPECT_NE(text.find("dest = \"/home/ann\"\noptional = false\noptions = []\nmode = \"0700\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("umask = \"0022\""), std::string::npos);
}

TEST(Render, ValuesThatNeedEscaping) {
  FakeHost host;
  const auto ctx = host.context();
  Profile p;
  p.description = "quote \" backslash \\ newline \n tab \t dollar $";
  p.root.source = "/srv/$root";
  p.mounts.push_back({MountType::bind,
                      "/a b/$x",
                      "/dest/${HOME}",
                      true,
                      {"ro"},
                      std::nullopt,
                      std::nullopt,
                      "",
                      RootPropagation::private_,
                      {}});
  p.mounts.push_back({MountType::file,
                      "",
                      "/f",
                      false,
                      {},
                      std::nullopt,
                      0600U,
                      std::string("nul\x01 byte \x7f"),
                      std::nullopt,
                      {}});
  p.mounts.push_back(
      {MountType::tmpfs, "", "/t", false, {}, 3ULL << 20, std::nullopt, "", std::nullopt, {}});
  p.mounts.push_back({MountType::tmpfs, "", "/u", false, {}, 1025, 01777U, "", std::nullopt, {}});
  p.process.env.set = {{"A", "$$"}, {"B", "${ENV:X}"}};
  p.process.cwd = "/w$";
  p.filesystem.mask = {"/m$"};
  p.rlimits = {{"core", 0, UINT64_MAX, {}}, {"nofile", 5, 5, {}}};
  p.user.uid = {false, 0};
  p.capabilities.keep = {"CAP_NET_RAW"};
  p.seccomp.policy = "defau$$lt";
  expect_round_trip(p, ctx);
}

TEST(Render, ResolvedChildHasNoExtendsAndReadsBackWithoutParent) {
  FakeHost host;
  host.files["/p/parent.toml"] = "[[mount]]\ntype = \"tmpfs\"\ndest = \"/tmp\"\n";
  host.files["/p/child.toml"] = "[profile]\nextends = \"parent\"\nreset = [\"mount\"]\n"
                                "[[mount]]\ntype = \"proc\"\ndest = \"/proc\"\n";
  const auto ctx = host.context();
  Profile p = load_profile("/p/child.toml", ctx);
  ASSERT_EQ(p.mounts.size(), 1U);
  expect_round_trip(p, ctx);
}

} // namespace
} // namespace sandbox::profile::test
