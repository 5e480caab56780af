// SPDX-License-Identifier: Apache-2.0
// Resource exhaustion through [rlimits]: a fork bomb is stopped by nproc, a disk filler by
// fsize. Controls: the same attempt without the limit goes through.
#include "escape_support.hpp"

#include <filesystem>

using namespace sbx::test;

class LimitsEscape : public Escape {};

TEST_F(LimitsEscape, ForkBombStoppedByNproc) {
  std::string p = write_profile("nproc.toml", "[profile]\nextends = \"default\"\n"
                                              "[rlimits]\nnproc = 32\n");
  RunResult r = probe({"forkbomb", "200", "+", "facts"}, {p});
  ASSERT_EQ(r.exit_code, 0) << r;
  Facts f(r.out);
  EXPECT_EQ(f["rlimit.nproc"], "32:32") << r;
  EXPECT_EQ(r.results().front(), "errno=EAGAIN") << r;
  EXPECT_LT(std::stoi("0" + f["forked"]), 32) << r;
}

TEST_F(LimitsEscape, Control_ForkWithoutNprocLimitSucceeds) {
  RunResult r = probe({"forkbomb", "200"});
  EXPECT_EQ(r.result(), "ok") << r;
  EXPECT_EQ(Facts(r.out)["forked"], "200") << r;
}

TEST_F(LimitsEscape, FileSizeLimitedByFsize) {
  std::string p = write_profile("fsize.toml", "[profile]\nextends = \"default\"\n"
                                              "[rlimits]\nfsize = 1048576\n");
  RunResult r =
      probe({"fsize", "/tmp/big", "4194304", "+", "fsize", work() + "/big", "4194304"}, {p});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto res = r.results();
  ASSERT_EQ(res.size(), 2U) << r;
  EXPECT_EQ(res[0], "errno=EFBIG") << r;
  EXPECT_EQ(res[1], "errno=EFBIG") << r;
  EXPECT_LE(std::filesystem::file_size(work() + "/big"), 1048576U);
}

TEST_F(LimitsEscape, Control_FileSizeUnlimitedWithoutFsize) {
  RunResult r = probe({"fsize", "/tmp/big", "4194304"});
  EXPECT_EQ(r.result(), "ok") << r;
}
