// SPDX-License-Identifier: Apache-2.0
// `sandbox image import` of hostile archives: path traversal ("../", CVE-2007-4131-style tar
// traversal), absolute names, a symlink planted by the archive and then written through
// (CVE-2018-20685-style, and the "zip slip" family), hard links out of the image or through a
// symlink, device nodes, and OCI whiteouts aimed through a symlink or at "..". Each attack
// checks the REAL host path it aims at (a directory of the test user, who runs the import), and
// that a refused import leaves nothing in the store. The Control_ tests extract the same archive
// with a naive extractor (libarchive's archive_write_disk without its SECURE flags) and show
// that the check then sees the escape.
#include "image_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using namespace sbx::test;
namespace fs = std::filesystem;

namespace {

std::string up_to_root() {
  std::string s;
  for (int i = 0; i < 32; ++i)
    s += "../";
  return s;
}

bool lexists(const std::string &p) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(p, ec));
}

nlink_t links_of(const std::string &p) {
  struct stat st {};
  return lstat(p.c_str(), &st) == 0 ? st.st_nlink : 0;
}

} // namespace

class ImageEscape : public ImageTest {
protected:
  // A host directory of the test user that an escaping entry would write into.
  std::string target_dir() {
    const std::string d = path("target-dir");
    if (!fs::exists(d)) {
      fs::create_directories(d);
      if (running_as_root())
        (void)!chown(d.c_str(), user().uid, user().gid);
    }
    return d;
  }
  // A file of the test user that a hard link would steal; nlink 1 until something links it.
  std::string secret() {
    const std::string f = path("secret");
    if (!fs::exists(f))
      write_file_as(f, "secret\n", user(), 0600);
    return f;
  }
  // The import either failed and left nothing, or succeeded: says which.
  bool import_refused(const RunResult &r) {
    if (r.exit_code == 0)
      return false;
    EXPECT_EQ(r.exit_code, 125) << r;
    EXPECT_NE(r.err.find("hint:"), std::string::npos) << "no hint: " << r;
    EXPECT_TRUE(store_entries().empty()) << "left behind: " << join(store_entries(), " ");
    return true;
  }
  std::string naive_dir() { return path("naive/a/b/c"); }
};

// ---- "../" ------------------------------------------------------------------------------------

TEST_F(ImageEscape, DotDotEntryCannotWriteOutside) {
  const std::string target = target_dir() + "/dotdot-pwned";
  {
    TarWriter w(path("dotdot.tar"));
    w.file("ok", "x").file(up_to_root() + target.substr(1), "pwned\n");
  }
  RunResult r = image({"import", "evil", path("dotdot.tar")});
  EXPECT_FALSE(lexists(target)) << target << " was written on the host";
  EXPECT_TRUE(import_refused(r)) << "a \"..\" entry was accepted: " << r;
  EXPECT_NE(r.err.find("\"..\""), std::string::npos) << r;
}

TEST_F(ImageEscape, Control_DotDotEntryEscapesANaiveExtractor) {
  const std::string target = target_dir() + "/dotdot-pwned";
  {
    TarWriter w(path("dotdot.tar"));
    w.file(up_to_root() + target.substr(1), "pwned\n");
  }
  unsafe_extract(path("dotdot.tar"), naive_dir());
  EXPECT_TRUE(lexists(target)) << "the check cannot see a \"..\" escape";
}

// ---- absolute names ---------------------------------------------------------------------------

TEST_F(ImageEscape, AbsoluteNameLandsInsideTheImage) {
  const std::string target = target_dir() + "/abs-pwned";
  {
    TarWriter w(path("abs.tar"));
    w.file(target, "inside\n");
  }
  RunResult r = image({"import", "abs", path("abs.tar")});
  EXPECT_FALSE(lexists(target)) << target << " was written on the host";
  ASSERT_EQ(r.exit_code, 0) << "an absolute name is neutralised, as tar does: " << r;
  EXPECT_EQ(read_file(rootfs("abs") + target), "inside\n");
  EXPECT_NE(r.err.find("removed the leading '/'"), std::string::npos) << r;
}

TEST_F(ImageEscape, Control_AbsoluteNameEscapesANaiveExtractor) {
  const std::string target = target_dir() + "/abs-pwned";
  {
    TarWriter w(path("abs.tar"));
    w.file(target, "pwned\n");
  }
  unsafe_extract(path("abs.tar"), naive_dir());
  EXPECT_TRUE(lexists(target)) << "the check cannot see an absolute-path escape";
}

// ---- a planted symlink, then an entry below it ------------------------------------------------

TEST_F(ImageEscape, PlantedSymlinkIsNotFollowedOutOfTheImage) {
  const std::string dir = target_dir();
  const std::vector<std::pair<std::string, std::string>> links = {
      {dir, "abs-link"},                          // evil -> /tmp/.../target-dir
      {up_to_root() + dir.substr(1), "rel-link"}, // evil -> ../../../tmp/...
      {"/" + fs::path(dir).parent_path().string().substr(1), "parent-link"}}; // then target-dir/x
  for (const auto &[link, tag] : links) {
    const std::string tar = path(tag + ".tar");
    {
      TarWriter w(tar);
      w.dir("etc").symlink("evil", link);
      if (tag == "parent-link")
        w.file("evil/target-dir/pwned-" + tag, "pwned\n");
      else
        w.file("evil/pwned-" + tag, "pwned\n");
    }
    RunResult r = image({"import", tag, tar});
    EXPECT_FALSE(lexists(dir + "/pwned-" + tag)) << tag << ": written through the symlink: " << r;
    EXPECT_NE(r.err.find("evil/"), std::string::npos) << tag << ": not refused at the entry: " << r;
    if (!import_refused(r)) {
      // Neutralised: the symlink resolved inside the image.
      EXPECT_TRUE(lexists(rootfs(tag) + "/evil")) << r;
    }
  }
}

TEST_F(ImageEscape, Control_PlantedSymlinkEscapesANaiveExtractor) {
  const std::string dir = target_dir();
  {
    TarWriter w(path("sym.tar"));
    w.symlink("evil", dir).file("evil/pwned-abs-link", "pwned\n");
  }
  unsafe_extract(path("sym.tar"), naive_dir());
  EXPECT_TRUE(lexists(dir + "/pwned-abs-link")) << "the check cannot see a symlink escape";
}

// ---- hard links -------------------------------------------------------------------------------

TEST_F(ImageEscape, HardLinkCannotReachAHostFile) {
  const std::string file = secret();
  const nlink_t passwd_links = links_of("/etc/passwd");
  struct Case {
    std::string tag;
    std::function<void(TarWriter &)> fill;
  };
  const std::vector<Case> cases = {
      {"absolute", [&](TarWriter &w) { w.hardlink("stolen", file); }},
      {"dotdot", [&](TarWriter &w) { w.hardlink("stolen", up_to_root() + file.substr(1)); }},
      {"through-symlink",
       [&](TarWriter &w) { w.symlink("s", aux()).hardlink("stolen", "s/secret"); }},
      {"etc-passwd", [&](TarWriter &w) { w.hardlink("passwd", "/etc/passwd"); }},
  };
  for (const auto &c : cases) {
    const std::string tar = path(c.tag + ".tar");
    {
      TarWriter w(tar);
      w.file("ok", "x");
      c.fill(w);
    }
    RunResult r = image({"import", c.tag, tar});
    EXPECT_EQ(links_of(file), 1U) << c.tag << ": the host file got a hard link: " << r;
    EXPECT_EQ(links_of("/etc/passwd"), passwd_links) << c.tag << ": " << r;
    EXPECT_TRUE(import_refused(r)) << c.tag << ": a hard link out of the image was accepted: " << r;
    EXPECT_NE(r.err.find("link "), std::string::npos)
        << c.tag << ": refused for another reason: " << r;
  }
}

TEST_F(ImageEscape, Control_HardLinksEscapeANaiveExtractor) {
  const std::string file = secret();
  {
    TarWriter w(path("abs.tar"));
    w.hardlink("stolen", file);
  }
  unsafe_extract(path("abs.tar"), naive_dir() + "/1");
  EXPECT_EQ(links_of(file), 2U) << "the check cannot see an absolute hard link";
  {
    TarWriter w(path("sym.tar"));
    w.symlink("s", aux()).hardlink("stolen", "s/secret");
  }
  unsafe_extract(path("sym.tar"), naive_dir() + "/2");
  EXPECT_EQ(links_of(file), 3U) << "the check cannot see a hard link through a symlink";
}

// ---- kept owners: chown never follows a symlink ----------------------------------------------

// With subordinate ids the import runs as root of a user namespace that maps the caller (as 0):
// a chown that followed a symlink could give the caller's own host files to a subordinate id.
// Entries owned by 1000 that are, or lead through, symlinks to a host file and directory of the
// test user must leave them as they are.
TEST_F(ImageEscape, KeptOwnersNeverChownThroughASymlink) {
  const std::string file = secret();
  const std::string dir = target_dir();
  {
    TarWriter w(path("own.tar"));
    w.owner(1000, 1000);
    w.symlink("abs", file).symlink("rel", up_to_root() + file.substr(1));
    w.symlink("absdir", dir).symlink("relp", up_to_root() + dir.substr(1));
    w.hardlink("linked", "abs");                // a hard link to the symlink itself
    w.symlink("evil", dir).dir("evil", 0700);   // replaced by a directory of the image
    w.symlink("evil2", dir).file("evil2", "x"); // replaced by a file of the image
  }
  struct stat st {};
  ASSERT_EQ(lstat(dir.c_str(), &st), 0);
  const mode_t dir_mode = st.st_mode;
  RunResult r = image({"import", "own", path("own.tar")});
  ASSERT_EQ(lstat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, user().uid) << "the host file was chown'd: " << r;
  EXPECT_EQ(st.st_gid, user().gid) << r;
  ASSERT_EQ(lstat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, user().uid) << "the host directory was chown'd: " << r;
  EXPECT_EQ(st.st_mode, dir_mode) << "the host directory was chmod'ed: " << r;
  if (!import_refused(r)) {
    EXPECT_TRUE(lexists(rootfs("own") + "/abs")) << r;
    ASSERT_EQ(lstat((rootfs("own") + "/evil").c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << "evil is the image's own directory";
  }
  EXPECT_EQ(image({"rm", "own"}).exit_code, r.exit_code == 0 ? 0 : 1);
}

// ---- device nodes -----------------------------------------------------------------------------

TEST_F(ImageEscape, DeviceNodesAndFifosAreSkipped) {
  {
    TarWriter w(path("dev.tar"));
    w.dir("dev").chardev("dev/evil-mem").chardev("dev/evil-kmsg").fifo("evil-fifo").file("ok", "x");
  }
  RunResult r = image({"import", "dev", path("dev.tar")});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("skipped 2 device nodes"), std::string::npos) << r;
  EXPECT_NE(r.err.find("skipped 1 fifo"), std::string::npos) << r;
  EXPECT_FALSE(lexists(rootfs("dev") + "/dev/evil-mem"));
  EXPECT_FALSE(lexists(rootfs("dev") + "/evil-fifo"));
  EXPECT_EQ(read_file(rootfs("dev") + "/ok"), "x");
}

// ---- OCI whiteouts ----------------------------------------------------------------------------

class ImageWhiteoutEscape : public ImageEscape {
protected:
  std::string victim() {
    const std::string f = target_dir() + "/victim";
    if (!fs::exists(f))
      write_file_as(f, "victim\n", user());
    return f;
  }
  // A one-manifest OCI layout tar of these layers (each filled by a callback).
  std::string layout(const std::string &tag,
                     const std::vector<std::function<void(TarWriter &)>> &layers) {
    OciLayout oci(path(tag + "-oci"));
    std::vector<std::pair<std::string, std::string>> tars;
    for (size_t i = 0; i < layers.size(); ++i) {
      const std::string t = path(tag + "-layer" + std::to_string(i) + ".tar");
      {
        TarWriter w(t);
        layers[i](w);
      }
      tars.emplace_back(t, "application/vnd.oci.image.layer.v1.tar");
    }
    oci.write_index({{oci.add_manifest(tars), ""}});
    tar_directory(oci.dir(), path(tag + ".tar"));
    return path(tag + ".tar");
  }
};

TEST_F(ImageWhiteoutEscape, WhiteoutThroughAPlantedSymlinkDeletesNothingOnTheHost) {
  const std::string v = victim();
  const std::string tar = layout("wh", {[&](TarWriter &w) { w.symlink("evil", target_dir()); },
                                        [&](TarWriter &w) { w.file("evil/.wh.victim", ""); }});
  RunResult r = image({"import", "wh", tar});
  EXPECT_TRUE(lexists(v)) << "the whiteout deleted a host file: " << r;
  const std::string opq = layout("opq", {[&](TarWriter &w) { w.symlink("evil", target_dir()); },
                                         [&](TarWriter &w) { w.file("evil/.wh..wh..opq", ""); }});
  RunResult o = image({"import", "opq", opq});
  EXPECT_TRUE(lexists(v)) << "the opaque marker emptied a host directory: " << o;
}

TEST_F(ImageWhiteoutEscape, Control_NaiveWhiteoutDeletesThroughTheSymlink) {
  const std::string v = victim();
  {
    TarWriter w(path("l1.tar"));
    w.symlink("evil", target_dir());
  }
  unsafe_extract(path("l1.tar"), naive_dir());
  // What a naive applier does with "evil/.wh.victim": remove the joined path.
  fs::remove(naive_dir() + "/evil/victim");
  EXPECT_FALSE(lexists(v)) << "the check cannot see a whiteout escape";
}

TEST_F(ImageWhiteoutEscape, WhiteoutOfDotDotIsRefused) {
  const std::string v = victim();
  for (const char *name : {"a/.wh..", "a/.wh...", ".wh."}) {
    const std::string tag =
        "dots" + std::to_string(name[2] == '.' ? 1 : 2) + std::to_string(std::string(name).size());
    const std::string tar = layout(tag, {[&](TarWriter &w) { w.dir("a").file("a/f", "f"); },
                                         [&](TarWriter &w) { w.file(name, ""); }});
    RunResult r = image({"import", tag, tar});
    EXPECT_TRUE(import_refused(r)) << name << ": an invalid whiteout was accepted: " << r;
    EXPECT_TRUE(lexists(v));
  }
}
