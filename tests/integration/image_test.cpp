// SPDX-License-Identifier: Apache-2.0
// `sandbox image import|list|rm` as the unprivileged test user, on a private store
// (XDG_DATA_HOME): root filesystem tarballs (plain and compressed), OCI image layouts (as a
// directory and as a tar) and `docker save` archives with whiteouts, runs on the imported
// root, and failures that must leave nothing in the store.
#include "image_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <tuple>

using namespace sbx::test;
namespace fs = std::filesystem;

namespace {

bool busybox_available() {
  return access("/bin/busybox", X_OK) == 0;
}

// A root filesystem the default profile can run on: busybox, and the mount points it needs
// (/proc, /dev, /tmp, /run and the user's home; the root stays read-only).
void write_busybox_rootfs(TarWriter &w, const User &user) {
  w.dir("bin").file("bin/busybox", read_file("/bin/busybox"), 0755).symlink("bin/sh", "busybox");
  w.dir("etc").file("etc/hostname", "from-image\n");
  for (const char *d : {"proc", "dev", "run", "home"})
    w.dir(d);
  w.dir("tmp", 01777);
  w.dir(user.home.substr(1), 0700);
}

bool contains_line_starting(const std::string &text, const std::string &prefix) {
  for (const auto &line : split(text, '\n'))
    if (line.rfind(prefix, 0) == 0)
      return true;
  return false;
}

} // namespace

class Image : public ImageTest {};

TEST_F(Image, ImportListRunRemove) {
  if (!busybox_available())
    GTEST_SKIP() << "busybox-static is not installed";
  {
    TarWriter w(path("root.tar"));
    write_busybox_rootfs(w, user());
  }
  RunResult imp = image({"import", "tiny", path("root.tar")});
  ASSERT_EQ(imp.exit_code, 0) << imp;
  EXPECT_NE(imp.out.find("imported tiny: root filesystem tarball"), std::string::npos) << imp;
  EXPECT_EQ(read_file(rootfs("tiny") + "/etc/hostname"), "from-image\n");

  RunResult list = image({"list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  EXPECT_TRUE(contains_line_starting(list.out, "tiny ")) << list;
  EXPECT_NE(list.out.find("MiB"), std::string::npos) << "no size: " << list;

  RunResult run =
      sandbox({"run", "--root", "image:tiny", "--", "/bin/busybox", "echo", "hi"}, image_opts());
  ASSERT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "hi\n") << run;
  RunResult cat = sandbox({"run", "--root", "image:tiny", "--", "/bin/sh", "-c",
                           "cat /etc/hostname; test -e /etc/passwd || echo no-host-passwd"},
                          image_opts());
  EXPECT_EQ(cat.out, "from-image\nno-host-passwd\n") << cat;

  RunResult rm = image({"rm", "tiny"});
  ASSERT_EQ(rm.exit_code, 0) << rm;
  RunResult after = image({"list"});
  EXPECT_EQ(after.exit_code, 0) << after;
  EXPECT_FALSE(contains_line_starting(after.out, "tiny ")) << after;
  EXPECT_TRUE(store_entries().empty()) << join(store_entries(), " ");
  RunResult gone = sandbox({"run", "--root", "image:tiny", "--", "/bin/true"}, image_opts());
  EXPECT_EQ(gone.exit_code, 125) << gone;
  EXPECT_NE(gone.err.find("no image named \"tiny\""), std::string::npos) << gone;
}

TEST_F(Image, SandboxImageFindsItsProgramAndForwardsHelp) {
  RunResult help = image({"--help"});
  EXPECT_EQ(help.exit_code, 0) << help;
  EXPECT_NE(help.out.find("import"), std::string::npos) << help;
  RunResult bad = image({"frobnicate"});
  EXPECT_EQ(bad.exit_code, 125) << bad;
}

class ImageCompressed : public ImageTest, public ::testing::WithParamInterface<const char *> {};

TEST_P(ImageCompressed, Imports) {
  {
    TarWriter w(path("root.tar.x"), GetParam());
    w.dir("etc").file("etc/os-release", "ID=test\n").file("usr/bin/tool", "#!/bin/sh\n", 0755);
  }
  RunResult imp = image({"import", "-v", "c", path("root.tar.x")});
  ASSERT_EQ(imp.exit_code, 0) << imp;
  EXPECT_NE(imp.out.find(GetParam()), std::string::npos) << "the filter is not named: " << imp;
  EXPECT_EQ(read_file(rootfs("c") + "/etc/os-release"), "ID=test\n");
  struct stat st {};
  ASSERT_EQ(stat((rootfs("c") + "/usr/bin/tool").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755U);
  EXPECT_EQ(st.st_uid, user().uid) << "files belong to the importing user";
}

INSTANTIATE_TEST_SUITE_P(Filters, ImageCompressed,
                         ::testing::Values("gzip", "xz", "zstd", "bzip2"));

TEST_F(Image, ExistingNameNeedsForceAndForceReplaces) {
  {
    TarWriter w(path("v1.tar"));
    w.file("version", "1\n");
  }
  {
    TarWriter w(path("v2.tar"));
    w.file("version", "2\n");
  }
  ASSERT_EQ(image({"import", "img", path("v1.tar")}).exit_code, 0);
  RunResult again = image({"import", "img", path("v2.tar")});
  EXPECT_EQ(again.exit_code, 125) << again;
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again;
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again;
  EXPECT_EQ(read_file(rootfs("img") + "/version"), "1\n");
  RunResult force = image({"import", "--force", "img", path("v2.tar")});
  ASSERT_EQ(force.exit_code, 0) << force;
  EXPECT_EQ(read_file(rootfs("img") + "/version"), "2\n");
  EXPECT_EQ(store_entries(), std::vector<std::string>{"img"}) << "the old image stayed behind";
}

TEST_F(Image, InvalidNamesAreRefused) {
  {
    TarWriter w(path("r.tar"));
    w.file("f", "x");
  }
  for (const char *name : {"../x", "a/b", ".hidden", "", "-dash"}) {
    RunResult r = image({"import", "--", name, path("r.tar")});
    EXPECT_EQ(r.exit_code, 125) << name << ": " << r;
    EXPECT_NE(r.err.find("invalid image name"), std::string::npos) << r;
  }
  EXPECT_TRUE(store_entries().empty()) << join(store_entries(), " ");
}

TEST_F(Image, RmRemovesReadOnlyTreesAndReportsMissingNames) {
  {
    TarWriter w(path("ro.tar"));
    w.dir("locked", 0555).file("locked/file", "x", 0444).dir("locked/inner", 0500);
    w.file("locked/inner/deep", "y", 0400);
  }
  ASSERT_EQ(image({"import", "ro", path("ro.tar")}).exit_code, 0);
  struct stat st {};
  ASSERT_EQ(stat((rootfs("ro") + "/locked").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0555U) << "the directory's mode from the archive";
  RunResult rm = image({"rm", "ro", "never-imported"});
  EXPECT_EQ(rm.exit_code, 1) << rm;
  EXPECT_NE(rm.err.find("no image named \"never-imported\""), std::string::npos) << rm;
  EXPECT_TRUE(store_entries().empty()) << join(store_entries(), " ");
}

// ---- layered images --------------------------------------------------------------------------

namespace {

// Layer 1 and layer 2 of the test image; layer 2 deletes etc/gone (whiteout), makes opq/
// opaque (after adding opq/new in the same layer: it stays) and replaces etc/replaced.
void write_layers(const std::string &l1, const std::string &l2, const std::string &l2_filter) {
  {
    TarWriter w(l1);
    w.dir("etc").file("etc/keep", "keep\n").file("etc/gone", "gone\n").file("etc/replaced", "v1\n");
    w.dir("opq").file("opq/old", "old\n").dir("opq/sub").file("opq/sub/deep", "deep\n");
  }
  TarWriter w(l2, l2_filter);
  w.dir("etc").file("etc/.wh.gone", "").file("etc/replaced", "v2\n");
  w.dir("opq").file("opq/new", "new\n").file("opq/.wh..wh..opq", "");
}

void expect_layered_result(const std::string &root) {
  EXPECT_EQ(read_file(root + "/etc/keep"), "keep\n");
  EXPECT_EQ(read_file(root + "/etc/replaced"), "v2\n");
  EXPECT_FALSE(fs::exists(root + "/etc/gone")) << "the whiteout did not delete etc/gone";
  EXPECT_FALSE(fs::exists(root + "/etc/.wh.gone")) << "the whiteout itself was extracted";
  EXPECT_FALSE(fs::exists(root + "/opq/old")) << "the opaque directory kept a lower entry";
  EXPECT_FALSE(fs::exists(root + "/opq/sub")) << "the opaque directory kept a lower entry";
  EXPECT_EQ(read_file(root + "/opq/new"), "new\n") << "the opaque marker hid its own layer";
  EXPECT_FALSE(fs::exists(root + "/opq/.wh..wh..opq"));
}

} // namespace

class ImageLayers : public ImageTest {
protected:
  // An OCI layout in aux()/oci with the two test layers (the second gzip-compressed).
  std::string make_oci() {
    write_layers(path("l1.tar"), path("l2.tar.gz"), "gzip");
    OciLayout oci(path("oci"));
    std::string m =
        oci.add_manifest({{path("l1.tar"), "application/vnd.oci.image.layer.v1.tar"},
                          {path("l2.tar.gz"), "application/vnd.oci.image.layer.v1.tar+gzip"}});
    oci.write_index({{m, ""}});
    return oci.dir();
  }
  void chown_tree(const std::string &dir) {
    if (!running_as_root())
      return;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it)
      (void)!lchown(it->path().c_str(), user().uid, user().gid);
    (void)!lchown(dir.c_str(), user().uid, user().gid);
  }
};

TEST_F(ImageLayers, OciLayoutDirectory) {
  const std::string dir = make_oci();
  chown_tree(dir);
  RunResult r = image({"import", "-v", "oci", dir});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("using manifest sha256:"), std::string::npos) << r;
  EXPECT_NE(r.out.find("applied layer 2/2"), std::string::npos) << r;
  expect_layered_result(rootfs("oci"));
}

TEST_F(ImageLayers, OciLayoutTar) {
  tar_directory(make_oci(), path("oci.tar"));
  RunResult r = image({"import", "ocitar", path("oci.tar")});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("OCI image layout, 2 layers"), std::string::npos) << r;
  expect_layered_result(rootfs("ocitar"));
  EXPECT_FALSE(fs::exists(rootfs("ocitar") + "/index.json")) << "the layout itself was imported";
  EXPECT_EQ(store_entries(), std::vector<std::string>{"ocitar"});
}

TEST_F(ImageLayers, DockerSaveArchive) {
  const std::string dir = path("docker");
  fs::create_directories(dir + "/aaa");
  fs::create_directories(dir + "/bbb");
  write_layers(dir + "/aaa/layer.tar", dir + "/bbb/layer.tar", "none");
  OciLayout::write(dir + "/cfg.json", "{}");
  OciLayout::write(dir + "/manifest.json", R"([{"Config":"cfg.json","RepoTags":["test/img:1"],)"
                                           R"("Layers":["aaa/layer.tar","bbb/layer.tar"]}])");
  tar_directory(dir, path("docker.tar"));
  RunResult r = image({"import", "dock", path("docker.tar")});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("using image test/img:1"), std::string::npos) << r;
  expect_layered_result(rootfs("dock"));
  EXPECT_FALSE(fs::exists(rootfs("dock") + "/manifest.json"));
}

TEST_F(ImageLayers, IndexPicksTheNativePlatform) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the test's index names amd64";
#endif
  {
    TarWriter w(path("arm.tar"));
    w.file("arch", "arm64\n");
  }
  {
    TarWriter w(path("amd.tar"));
    w.file("arch", "amd64\n");
  }
  OciLayout oci(path("multi"));
  std::string arm = oci.add_manifest({{path("arm.tar"), "application/vnd.oci.image.layer.v1.tar"}});
  std::string amd = oci.add_manifest({{path("amd.tar"), "application/vnd.oci.image.layer.v1.tar"}});
  oci.write_index({{arm, "linux/arm64"}, {amd, "linux/amd64"}});
  tar_directory(oci.dir(), path("multi.tar"));
  RunResult r = image({"import", "multi", path("multi.tar")});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("using manifest " + amd + " (linux/amd64, 2 of 2 manifests)"),
            std::string::npos)
      << r;
  EXPECT_EQ(read_file(rootfs("multi") + "/arch"), "amd64\n");
}

// ---- failures leave nothing behind -----------------------------------------------------------

TEST_F(Image, TruncatedArchiveLeavesNothing) {
  {
    TarWriter w(path("full.tar"));
    w.file("first", "1").file("big", std::string(1 << 20, 'x')).file("last", "2");
  }
  const std::string full = read_file(path("full.tar"));
  OciLayout::write(path("cut.tar"), full.substr(0, full.size() / 2)); // inside "big"
  RunResult r = image({"import", "cut", path("cut.tar")});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r;
  EXPECT_TRUE(store_entries().empty()) << "left behind: " << join(store_entries(), " ");
}

TEST_F(Image, CorruptCompressedArchiveLeavesNothing) {
  {
    TarWriter w(path("ok.tar.gz"), "gzip");
    w.file("a", std::string(100000, 'a')).file("b", "b");
  }
  std::string bytes = read_file(path("ok.tar.gz"));
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 64 && i < bytes.size(); ++i)
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  OciLayout::write(path("bad.tar.gz"), bytes);
  RunResult r = image({"import", "bad", path("bad.tar.gz")});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_TRUE(store_entries().empty()) << "left behind: " << join(store_entries(), " ");
}

TEST_F(Image, NotAnArchiveOrEmptyLeavesNothing) {
  OciLayout::write(path("text.txt"), "this is not a tar archive\n");
  RunResult r = image({"import", "text", path("text.txt")});
  EXPECT_EQ(r.exit_code, 125) << r;
  { TarWriter w(path("empty.tar")); }
  RunResult e = image({"import", "empty", path("empty.tar")});
  EXPECT_EQ(e.exit_code, 125) << e;
  RunResult missing = image({"import", "missing", path("does-not-exist.tar")});
  EXPECT_EQ(missing.exit_code, 125) << missing;
  EXPECT_NE(missing.err.find("ENOENT"), std::string::npos) << missing;
  EXPECT_TRUE(store_entries().empty()) << "left behind: " << join(store_entries(), " ");
}

TEST_F(Image, MissingSandboxImageProgramIsAClearError) {
  // A copy of sandbox alone in a directory: `sandbox image` cannot find its program.
  const std::string dir = path("lonely");
  fs::create_directories(dir);
  fs::copy_file(sandbox_bin(), dir + "/sandbox");
  chmod((dir + "/sandbox").c_str(), 0755);
  RunOptions o = image_opts();
  o.raw = true;
  RunResult r = sandbox({dir + "/sandbox", "image", "list"}, o);
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("exec " + dir + "/sandbox-image"), std::string::npos) << r;
  EXPECT_NE(r.err.find("ENOENT"), std::string::npos) << r;
  EXPECT_NE(r.err.find("hint: "), std::string::npos) << r;
}

// ---- ownership: kept with subordinate ids, else the caller's --------------------------------

namespace {

bool newidmap_installed() {
  for (const char *dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"})
    if (access((std::string(dir) + "newuidmap").c_str(), X_OK) == 0 &&
        access((std::string(dir) + "newgidmap").c_str(), X_OK) == 0)
      return true;
  return false;
}

struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
  friend bool operator==(const Owner &, const Owner &) = default;
};

std::ostream &operator<<(std::ostream &os, const Owner &o) {
  return os << o.uid << ":" << o.gid;
}

Owner owner_of(const std::string &path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0)
    return {static_cast<uid_t>(-1), static_cast<gid_t>(-1)};
  return {st.st_uid, st.st_gid};
}

} // namespace

class ImageOwners : public ImageTest {
protected:
  void SetUp() override {
    ImageTest::SetUp();
    if (IsSkipped() || HasFatalFailure())
      return;
    std::tie(m_uid_start, m_uid_count) = subid_range("/etc/subuid", user());
    std::tie(m_gid_start, m_gid_count) = subid_range("/etc/subgid", user());
    if (m_uid_count < 65536 || m_gid_count < 65536 || !newidmap_installed()) {
      if (running_as_root())
        FAIL() << user().name << " needs a 65536-id range in /etc/subuid and /etc/subgid and "
               << "newuidmap/newgidmap: run tests/support/setup-test-users.sh";
      GTEST_SKIP() << user().name << " has no subordinate ids (or no newuidmap)";
    }
  }
  // Where archive id `id` (1..65535) lands on the host; 0 is the caller.
  [[nodiscard]] Owner host_owner(unsigned id) const {
    if (id == 0)
      return {user().uid, user().gid};
    return {static_cast<uid_t>(m_uid_start + id - 1), static_cast<gid_t>(m_gid_start + id - 1)};
  }
  [[nodiscard]] std::string info(const std::string &name) const {
    return read_file(store() + "/" + name + "/info");
  }

  unsigned long m_uid_start = 0, m_uid_count = 0, m_gid_start = 0, m_gid_count = 0;
};

TEST_F(ImageOwners, ArchiveOwnersMapToSubidsAndShowInsideASubidsSandbox) {
  if (!busybox_available())
    GTEST_SKIP() << "busybox-static is not installed";
  {
    TarWriter w(path("owned.tar"));
    // busybox belongs to 1000: with map = "single" it is the overflow id inside, and still
    // runs (0755).
    w.dir("bin").owner(1000, 1000).file("bin/busybox", read_file("/bin/busybox"), 0755);
    w.owner(0, 0).symlink("bin/sh", "busybox");
    for (const char *d : {"proc", "dev", "run", "home", "etc"})
      w.dir(d);
    w.dir("tmp", 01777);
    w.dir(user().home.substr(1), 0700);
    w.file("f0", "0");
    w.owner(1000, 1000).file("f1000", "1000").dir("d1000", 0750).symlink("l1000", "f0");
    w.owner(65534, 65534).file("f65534", "65534");
    w.owner(1000, 65534).file("mixed", "m", 04755);
    w.owner(70000, 5).file("far", "beyond the map");
  }
  RunResult imp = image({"import", "own", path("owned.tar")});
  ASSERT_EQ(imp.exit_code, 0) << imp;
  EXPECT_NE(imp.err.find("1 entry has a uid or gid beyond the 65535:65535 ids"), std::string::npos)
      << imp;
  EXPECT_EQ(imp.err.find("no subordinate ids"), std::string::npos) << imp;

  const std::string root = rootfs("own");
  EXPECT_EQ(owner_of(root + "/f0"), host_owner(0));
  EXPECT_EQ(owner_of(root + "/bin"), host_owner(0));
  EXPECT_EQ(owner_of(root + "/f1000"), host_owner(1000));
  EXPECT_EQ(owner_of(root + "/d1000"), host_owner(1000)) << "a directory";
  EXPECT_EQ(owner_of(root + "/l1000"), host_owner(1000)) << "a symlink, itself";
  EXPECT_EQ(owner_of(root + "/f0"), host_owner(0)) << "the symlink's target was not chown'd";
  EXPECT_EQ(owner_of(root + "/f65534"), host_owner(65534));
  EXPECT_EQ(owner_of(root + "/mixed"), (Owner{host_owner(1000).uid, host_owner(65534).gid}));
  EXPECT_EQ(owner_of(root + "/far"), (Owner{host_owner(0).uid, host_owner(5).gid}))
      << "an id beyond the map becomes the caller's; the other is kept";
  struct stat st {};
  ASSERT_EQ(stat((root + "/mixed").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755U) << "chown must not have cleared setuid";
  ASSERT_EQ(stat((root + "/d1000").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750U);
  EXPECT_NE(info("own").find("\nowners=subids\n"), std::string::npos) << info("own");
  RunResult list = image({"list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  EXPECT_TRUE(contains_line_starting(list.out, "own ")) << list;
  EXPECT_NE(list.out.find("  subids\n"), std::string::npos) << list;

  // user.map = "subids" with uid 0 is the import's own map: the archive's ids come back.
  std::string p = write_profile("subids.toml", "[profile]\nextends = \"default\"\n"
                                               "[user]\nmap = \"subids\"\nuid = 0\ngid = 0\n");
  RunResult ids =
      sandbox({"run", p, "--root", "image:own", "--", "/bin/busybox", "stat", "-c", "%u:%g", "/f0",
               "/f1000", "/d1000", "/f65534", "/mixed", "/far", "/bin/busybox"},
              image_opts());
  ASSERT_EQ(ids.exit_code, 0) << ids;
  EXPECT_EQ(ids.out, "0:0\n1000:1000\n1000:1000\n65534:65534\n1000:65534\n0:5\n1000:1000\n") << ids;
  // The default profile (map = "single"): only the caller is mapped, the rest is the overflow
  // id, and busybox (owned by 1000, mode 0755) still runs.
  RunResult single = sandbox({"run", "--root", "image:own", "--", "/bin/busybox", "stat", "-c",
                              "%u", "/f0", "/f1000", "/bin/busybox"},
                             image_opts());
  ASSERT_EQ(single.exit_code, 0) << single;
  EXPECT_EQ(single.out, std::to_string(user().uid) + "\n65534\n65534\n") << single;

  RunResult rm = image({"rm", "own"});
  ASSERT_EQ(rm.exit_code, 0) << rm;
  EXPECT_FALSE(fs::exists(store() + "/own"));
  EXPECT_TRUE(store_entries().empty()) << join(store_entries(), " ");
}

// A subid-owned tree the caller cannot delete itself (the control): rm, and the replace done
// by import --force, still remove it.
TEST_F(ImageOwners, RmAndForceReplaceRemoveSubidTrees) {
  auto write_locked = [](const std::string &tar, const std::string &version) {
    TarWriter w(tar);
    w.file("version", version);
    w.owner(1000, 1000).dir("locked", 0500).file("locked/file", "x", 0400);
    w.dir("locked/inner", 0500).file("locked/inner/deep", "y", 0400);
  };
  write_locked(path("v1.tar"), "1\n");
  write_locked(path("v2.tar"), "2\n");
  ASSERT_EQ(image({"import", "img", path("v1.tar")}).exit_code, 0);
  ASSERT_EQ(owner_of(rootfs("img") + "/locked/inner"), host_owner(1000));
  RunResult control =
      run_as_user({"/bin/rm", "-rf", rootfs("img") + "/locked/inner"}, image_opts());
  EXPECT_NE(control.exit_code, 0) << "the caller could delete a subid-owned tree: " << control;
  ASSERT_TRUE(fs::exists(rootfs("img") + "/locked/inner/deep"));

  // Replaced by an import that does not keep owners: the old tree is removed in the namespace.
  RunResult plain = image({"import", "--force", "--no-subids", "img", path("v2.tar")});
  ASSERT_EQ(plain.exit_code, 0) << plain;
  EXPECT_NE(plain.err.find("--no-subids: files are owned by " + user().name), std::string::npos)
      << plain;
  EXPECT_EQ(read_file(rootfs("img") + "/version"), "2\n");
  EXPECT_EQ(owner_of(rootfs("img") + "/locked/inner"), host_owner(0));
  EXPECT_NE(info("img").find("\nowners=caller\n"), std::string::npos) << info("img");
  EXPECT_EQ(store_entries(), std::vector<std::string>{"img"}) << "the old image stayed behind";

  // And back: a subids import replacing a caller-owned image, then replacing itself.
  ASSERT_EQ(image({"import", "--force", "img", path("v1.tar")}).exit_code, 0);
  ASSERT_EQ(image({"import", "--force", "img", path("v2.tar")}).exit_code, 0);
  EXPECT_EQ(read_file(rootfs("img") + "/version"), "2\n");
  EXPECT_EQ(owner_of(rootfs("img") + "/locked/inner/deep"), host_owner(1000));
  EXPECT_EQ(store_entries(), std::vector<std::string>{"img"}) << "the old image stayed behind";

  RunResult rm = image({"rm", "img"});
  ASSERT_EQ(rm.exit_code, 0) << rm;
  EXPECT_FALSE(fs::exists(store() + "/img"));
  EXPECT_TRUE(store_entries().empty()) << join(store_entries(), " ");
}

TEST_F(ImageOwners, TruncatedArchiveLeavesNothing) {
  {
    TarWriter w(path("full.tar"));
    w.owner(1000, 1000).dir("locked", 0500).file("locked/first", "1", 0400);
    w.file("locked/big", std::string(1 << 20, 'x')).file("last", "2");
  }
  const std::string full = read_file(path("full.tar"));
  OciLayout::write(path("cut.tar"), full.substr(0, full.size() / 2)); // inside "big"
  RunResult r = image({"import", "cut", path("cut.tar")});
  EXPECT_EQ(r.exit_code, 125) << r;
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r;
  ASSERT_EQ(r.err_lines().size(), 1U) << "one error line" << r;
  EXPECT_TRUE(store_entries().empty()) << "left behind: " << join(store_entries(), " ");
}

TEST_F(ImageOwners, WithoutSubidsFilesBelongToTheCaller) {
  if (!running_as_root())
    GTEST_SKIP() << "needs root to run as the user 'sbxnosub' (no /etc/subuid entry)";
  auto nosub = lookup_user("sbxnosub");
  if (!nosub)
    FAIL() << "user sbxnosub is missing: run tests/support/setup-test-users.sh";
  TempDir dir("sbxnosub");
  {
    TarWriter w(dir.path() + "/r.tar");
    w.file("f0", "0").owner(1000, 1000).file("f1000", "1000").dir("d1000", 0700);
  }
  chmod((dir.path() + "/r.tar").c_str(), 0644);
  RunOptions o;
  o.user = "sbxnosub";
  o.cwd = dir.path();
  o.env = {"XDG_DATA_HOME=" + dir.path() + "/xdg"};
  RunResult imp = sandbox({"image", "import", "n", dir.path() + "/r.tar"}, o);
  ASSERT_EQ(imp.exit_code, 0) << imp;
  EXPECT_NE(imp.err.find("sandbox: note: no subordinate ids for sbxnosub: files are owned by "
                         "sbxnosub\n"),
            std::string::npos)
      << imp;
  const std::string root = dir.path() + "/xdg/sandbox/images/n/rootfs";
  const Owner caller{nosub->uid, nosub->gid};
  EXPECT_EQ(owner_of(root + "/f0"), caller);
  EXPECT_EQ(owner_of(root + "/f1000"), caller);
  EXPECT_EQ(owner_of(root + "/d1000"), caller);
  RunResult list = sandbox({"image", "list"}, o);
  ASSERT_EQ(list.exit_code, 0) << list;
  EXPECT_TRUE(contains_line_starting(list.out, "n ")) << list;
  EXPECT_NE(list.out.find("  caller\n"), std::string::npos) << list;
  RunResult rm = sandbox({"image", "rm", "n"}, o);
  ASSERT_EQ(rm.exit_code, 0) << rm;
  EXPECT_FALSE(fs::exists(dir.path() + "/xdg/sandbox/images/n"));
}
