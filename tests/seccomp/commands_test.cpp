// SPDX-License-Identifier: Apache-2.0
// `sandbox seccomp show|export|import`, through CLI11 as the main CLI registers them.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "bpf_emulator.hpp"
#include "seccomp/commands.hpp"
#include "seccomp/import.hpp"
#include "support.hpp"
#include "util/error.hpp"

namespace sandbox::seccomp::test {
namespace {

class TempDir {
public:
  TempDir() {
    char tmpl[] = "/tmp/sandbox-seccomp-test.XXXXXX";
    m_path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(m_path); }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  [[nodiscard]] std::string file(const std::string &name) const { return m_path + "/" + name; }

private:
  std::string m_path;
};

std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

PolicyContext real_files() {
  PolicyContext ctx;
  ctx.read_file = [](const std::filesystem::path &p) -> std::optional<std::string> {
    if (!std::filesystem::exists(p))
      return std::nullopt;
    return slurp(p);
  };
  return ctx;
}

int run_cli(std::vector<std::string> args) {
  CLI::App app("sandbox seccomp");
  int exit_code = 99;
  register_seccomp_commands(app, real_files, exit_code);
  args.insert(args.begin(), "sandbox-seccomp");
  std::vector<const char *> argv;
  for (const auto &a : args)
    argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return exit_code;
}

TEST(Commands, ShowPrintsResolvedRules) {
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_cli({"show", "default"}), 0);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("default action: errno:EPERM"), std::string::npos) << out;
  EXPECT_NE(out.find("clone3"), std::string::npos);
  EXPECT_NE(out.find("filter architectures: x86_64 x86"), std::string::npos) << out;
}

TEST(Commands, ExportBpfIsTheCompiledFilter) {
  TempDir dir;
  EXPECT_EQ(run_cli({"export", "default", "--format", "bpf", "-o", dir.file("f.bpf")}), 0);
  const std::string bytes = slurp(dir.file("f.bpf"));
  const Filter filter = compile_filter(resolve_named("default"));
  ASSERT_EQ(bytes.size(), filter.program.size() * sizeof(sock_filter));
  EXPECT_EQ(std::memcmp(bytes.data(), filter.program.data(), bytes.size()), 0);
}

TEST(Commands, ExportPfc) {
  TempDir dir;
  EXPECT_EQ(run_cli({"export", "strict", "--format=pfc", "-o", dir.file("f.pfc")}), 0);
  const std::string text = slurp(dir.file("f.pfc"));
  EXPECT_NE(text.find("pseudo filter code"), std::string::npos);
  EXPECT_NE(text.find("if (arg1 & 0xffffffff == 0x5401) action ALLOW;"), std::string::npos) << text;
}

TEST(Commands, BadPolicyThrowsProfileErrors) {
  EXPECT_THROW(run_cli({"show", "no-such-policy"}), profile::ProfileErrors);
  EXPECT_THROW(run_cli({"export", "default", "--format", "elf"}), CLI::ParseError);
}

constexpr const char *k_docker_json = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "archMap": [
    { "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
    { "architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"] }
  ],
  "syscalls": [
    { "names": ["read", "write", "exit_group", "socketcall", "arm_fadvise64_64"],
      "action": "SCMP_ACT_ALLOW" },
    { "names": ["personality"], "action": "SCMP_ACT_ALLOW",
      "args": [{ "index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ" }] },
    { "names": ["clone"], "action": "SCMP_ACT_ALLOW",
      "args": [{ "index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ" }],
      "excludes": { "caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"] },
      "comment": "s390 parameter ordering for clone is different" },
    { "names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": { "caps": ["CAP_SYS_ADMIN"] } },
    { "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
      "excludes": { "caps": ["CAP_SYS_ADMIN"] } },
    { "names": ["s390_pci_mmio_read"], "action": "SCMP_ACT_ALLOW",
      "includes": { "arches": ["s390x"] } }
  ]
})";

TEST(Commands, ImportDockerProfileGivesALoadablePolicy) {
  TempDir dir;
  { std::ofstream(dir.file("docker.json")) << k_docker_json; }
  EXPECT_EQ(run_cli({"import", dir.file("docker.json"), "-o", dir.file("d.toml")}), 0);
  const std::string toml_text = slurp(dir.file("d.toml"));
  EXPECT_NE(toml_text.find("compat = { i386 = \"filter\", x32 = \"filter\", arm = \"deny\" }"),
            std::string::npos)
      << toml_text;
  EXPECT_NE(toml_text.find("#   syscalls = [\"mount\"]"), std::string::npos) << toml_text;

  Settings s;
  s.policy = dir.file("d.toml");
  profile::Diagnostics diags;
  PolicyContext ctx = real_files();
  ctx.syscall_known = [](std::string_view n) { return syscall_known(n); };
  auto policy = resolve_policy(s, ctx, diags);
  ASSERT_TRUE(policy) << diag_text(diags) << toml_text;
  EXPECT_EQ(policy->skipped, std::vector<std::string>{"arm_fadvise64_64"});
  const auto find = [&](std::string_view name) -> const SyscallRule * {
    for (const auto &r : policy->syscalls)
      if (r.name == name)
        return &r;
    return nullptr;
  };
  ASSERT_TRUE(find("clone"));
  EXPECT_EQ(find("clone")->conditional.at(0).args.at(0),
            (ArgCondition{0, CmpOp::masked_eq, 0, 2114060288}));
  EXPECT_EQ(find("clone3")->action, (Action{ActionKind::errno_, 38}));
  EXPECT_FALSE(find("mount"));
  EXPECT_FALSE(compile_filter(*policy).program.empty());
}

TEST(Commands, ImportRejectsMalformedJsonWithPosition) {
  try {
    import_docker_profile("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [,]\n}",
                          "x.json");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.line(), "x.json:3:16: expected a JSON value") << e.line();
  }
  EXPECT_THROW(import_docker_profile(R"({"defaultAction": "SCMP_ACT_NOTIFY"})", "y.json"), Error);
  EXPECT_THROW(import_docker_profile(R"({"defaultAction": "SCMP_ACT_ALLOW"} x)", "z.json"), Error);
  EXPECT_THROW(import_docker_profile(R"({"defaultAction": "SCMP_ACT_ALLOW", "a": 01})", "z.json"),
               Error);
}

} // namespace
} // namespace sandbox::seccomp::test
