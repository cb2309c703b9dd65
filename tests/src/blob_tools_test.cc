// The file tools on a real (temporary) workspace, and the confinement of their paths.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "json/json_text.h"
#include "tests/src/fake_ports.h"
#include "tools/base64.h"
#include "tools/tool_args.h"
#include "tools/tool_catalog.h"
#include "tools/workspace.h"

namespace agentreplay {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::FixedClock;
using ::testing::MatchesRegex;
using testing::ReadFile;
using testing::RunSync;

class BlobToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ws = Workspace::CreateTemporary();
    ASSERT_TRUE(ws) << ws.error();
    ws_ = std::move(*ws);
    auto outside = Workspace::CreateTemporary();  // a directory beside the store
    ASSERT_TRUE(outside) << outside.error();
    outside_ = std::move(*outside);
    context_ = ToolContext{&clock_, {}, ws_.get()};
    blobs_ = ws_->dir() / "blobs";
  }

  ToolResult Call(std::string_view tool, std::string arguments) {
    return RunSync(catalog_.Find(tool)->Run(std::move(arguments), context_));
  }
  std::string Ok(std::string_view tool, std::string arguments) {
    ToolResult r = Call(tool, arguments);
    EXPECT_FALSE(r.is_error) << tool << " " << arguments << " → " << r.output;
    return r.output;
  }
  // The structured error type of a call ("" when it succeeded).
  std::string ErrorType(std::string_view tool, std::string arguments) {
    const ToolResult r = Call(tool, std::move(arguments));
    rapidjson::Document doc;
    doc.Parse(r.output.c_str());
    const auto* error = json::GetObject(doc, "error");
    EXPECT_EQ(r.is_error, error != nullptr) << r.output;
    return error != nullptr ? std::string(json::GetString(*error, "type")) : std::string();
  }
  std::vector<std::string> Listed(std::string arguments = "{}") {
    rapidjson::Document doc;
    doc.Parse(Ok("list_blobs", std::move(arguments)).c_str());
    std::vector<std::string> paths;
    for (const auto& f : doc["files"].GetArray()) {
      paths.emplace_back(f["path"].GetString());
      EXPECT_THAT(
          f["modified"].GetString(),
          MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"));
    }
    EXPECT_EQ(doc["count"].GetUint64(), paths.size());
    return paths;
  }
  static void WriteFile(const fs::path& path, std::string_view content) {
    std::ofstream(path, std::ios::binary) << content;
  }

  FixedClock clock_;
  ToolCatalog catalog_ = MakeDefaultCatalog();
  std::unique_ptr<Workspace> ws_;
  std::unique_ptr<Workspace> outside_;
  ToolContext context_;
  fs::path blobs_;
};

std::string Err(std::string_view type, std::string_view message) {
  return ToolError(type, message).output;
}

TEST_F(BlobToolsTest, UploadListReadCopyMoveDelete) {
  EXPECT_EQ(Ok("upload_data_or_file", R"({"path":"reports/2025-03/summary.md","content":"# M\n"})"),
            R"({"path":"reports/2025-03/summary.md","size":4,"created":true})");
  EXPECT_EQ(
      Call("upload_data_or_file", R"({"path":"reports/2025-03/summary.md","content":"x"})").output,
      Err("already_exists",
          "'reports/2025-03/summary.md' already exists; pass "
          "\"overwrite\": true to replace it"));
  EXPECT_EQ(Ok("upload_data_or_file",
               R"({"path":"reports/2025-03/summary.md","content":"# March\n","overwrite":true})"),
            R"({"path":"reports/2025-03/summary.md","size":8,"created":false})");
  // "\x89PNG\r\n\x1a\n", the PNG signature.
  EXPECT_EQ(Ok("upload_data_or_file",
               R"({"path":"logo.png","content":"iVBORw0KGgo=","encoding":"base64"})"),
            R"({"path":"logo.png","size":8,"created":true})");
  EXPECT_EQ(ReadFile((blobs_ / "logo.png").string()), "\x89PNG\r\n\x1a\n");

  EXPECT_THAT(Listed(), ElementsAre("logo.png", "reports/2025-03/summary.md"));
  EXPECT_THAT(Listed(R"({"prefix":"reports/"})"), ElementsAre("reports/2025-03/summary.md"));
  EXPECT_THAT(Listed(R"({"prefix":"nothing/"})"), ElementsAre());
  EXPECT_EQ(Ok("read_blob_file", R"({"path":"reports/2025-03/summary.md"})"),
            R"({"path":"reports/2025-03/summary.md","size":8,"encoding":"utf8",)"
            R"("content":"# March\n","truncated":false})");
  EXPECT_EQ(Ok("read_blob_file", R"({"path":"logo.png"})"),
            R"({"path":"logo.png","size":8,"encoding":"base64","content":"iVBORw0KGgo=",)"
            R"("truncated":false})");

  EXPECT_EQ(Ok("manage_files",
               R"({"action":"copy","path":"reports/2025-03/summary.md","to":"archive/s.md"})"),
            R"({"action":"copy","path":"reports/2025-03/summary.md","to":"archive/s.md"})");
  EXPECT_EQ(Ok("manage_files", R"({"action":"move","path":"logo.png","to":"img/logo.png"})"),
            R"({"action":"move","path":"logo.png","to":"img/logo.png"})");
  EXPECT_THAT(Listed(), ElementsAre("archive/s.md", "img/logo.png", "reports/2025-03/summary.md"));
  EXPECT_EQ(ReadFile((blobs_ / "archive/s.md").string()), "# March\n");
  EXPECT_EQ(Ok("manage_files", R"({"action":"delete","path":"archive/s.md"})"),
            R"({"action":"delete","path":"archive/s.md"})");
  EXPECT_EQ(ErrorType("manage_files", R"({"action":"delete","path":"reports"})"), "invalid_path");
  Ok("manage_files", R"({"action":"delete","path":"archive"})");  // empty now
  EXPECT_FALSE(fs::exists(blobs_ / "archive"));
  EXPECT_THAT(Listed(), ElementsAre("img/logo.png", "reports/2025-03/summary.md"));
}

TEST_F(BlobToolsTest, ReadsTextBinaryAndTruncatedFiles) {
  WriteFile(blobs_ / "text.txt", "h\xC3\xA9llo");  // "héllo": é is two bytes
  WriteFile(blobs_ / "nul.bin", std::string("\0\1\2", 3));
  WriteFile(blobs_ / "latin1.txt", "caf\xE9");  // not UTF-8
  EXPECT_EQ(Ok("read_blob_file", R"({"path":"text.txt","max_bytes":2})"),
            R"({"path":"text.txt","size":6,"encoding":"utf8","content":"h","truncated":true})");
  EXPECT_EQ(Ok("read_blob_file", R"({"path":"text.txt","max_bytes":3})"),
            "{\"path\":\"text.txt\",\"size\":6,\"encoding\":\"utf8\",\"content\":\"h\xC3\xA9\","
            "\"truncated\":true}");
  EXPECT_EQ(
      Ok("read_blob_file", R"({"path":"nul.bin"})"),
      R"({"path":"nul.bin","size":3,"encoding":"base64","content":"AAEC","truncated":false})");
  EXPECT_EQ(Ok("read_blob_file", R"({"path":"latin1.txt"})"),
            R"({"path":"latin1.txt","size":4,"encoding":"base64","content":"Y2Fm6Q==",)"
            R"("truncated":false})");
  EXPECT_EQ(Call("read_blob_file", R"({"path":"text.txt","max_bytes":0})").output,
            Err("invalid_arguments", "'max_bytes' must be an integer from 1 to 1048576 (got 0)"));
  EXPECT_EQ(Call("read_blob_file", R"({"path":"missing.txt"})").output,
            Err("not_found", "no file 'missing.txt' in the store; list_blobs shows what there is"));
  fs::create_directories(blobs_ / "docs");
  EXPECT_EQ(Call("read_blob_file", R"({"path":"docs"})").output,
            Err("invalid_path", "'docs' is a directory, not a file"));
}

TEST_F(BlobToolsTest, BadArgumentsAndContent) {
  EXPECT_EQ(
      Call("upload_data_or_file", R"({"path":"a.bin","content":"%%%","encoding":"base64"})").output,
      Err("invalid_content",
          "content is not valid base64 (RFC 4648, with '=' padding); send text with encoding "
          "utf8 instead, or fix the encoding"));
  EXPECT_FALSE(fs::exists(blobs_ / "a.bin"));
  EXPECT_EQ(
      Call("upload_data_or_file", R"({"path":"a.txt","content":"x","overwrite":"yes"})").output,
      Err("invalid_arguments", "'overwrite' must be true or false"));
  EXPECT_EQ(Call("upload_data_or_file", R"({"path":"a.txt"})").output,
            Err("invalid_arguments", "missing required argument 'content'"));
  EXPECT_EQ(Call("list_blobs", R"({"container":"invoices","prefix":"2025-03/"})").output,
            Err("invalid_arguments", "unknown argument 'container'; allowed arguments: prefix"));
  EXPECT_EQ(Call("list_blobs", R"({"prefix":5})").output,
            Err("invalid_arguments", "'prefix' must be a string"));
  EXPECT_EQ(Call("manage_files", R"({"action":"move","path":"a.txt"})").output,
            Err("invalid_arguments", "missing required argument 'to' (the destination of move)"));
  EXPECT_EQ(Call("manage_files", R"({"action":"delete","path":"a.txt","to":"b.txt"})").output,
            Err("invalid_arguments", "'to' is only for move and copy; delete takes just 'path'"));
  EXPECT_EQ(
      Call("manage_files", R"({"action":"search","query":"inventory"})").output,
      Err("invalid_arguments", "unknown argument 'query'; allowed arguments: action, path, to"));
  EXPECT_EQ(
      Call("manage_files", R"({"action":"rename","path":"a.txt"})").output,
      Err("invalid_arguments", R"('action' must be one of: move, copy, delete (got "rename"))"));
  for (const char* tool : {"list_blobs", "read_blob_file", "upload_data_or_file", "manage_files"}) {
    for (const char* args : {"", "{\"path\":", "[]", "null", "{\"path\":[\"a\"]}"}) {
      EXPECT_EQ(ErrorType(tool, args), "invalid_arguments") << tool << " " << args;
    }
  }
}

TEST_F(BlobToolsTest, ManageFilesRefusesWhatItCannotDo) {
  WriteFile(blobs_ / "a.txt", "a");
  WriteFile(blobs_ / "b.txt", "b");
  fs::create_directories(blobs_ / "docs/sub");
  EXPECT_EQ(Call("manage_files", R"({"action":"copy","path":"nope.txt","to":"c.txt"})").output,
            Err("not_found", "no file 'nope.txt' in the store; list_blobs shows what there is"));
  EXPECT_EQ(Call("manage_files", R"({"action":"move","path":"a.txt","to":"b.txt"})").output,
            Err("already_exists", "'b.txt' already exists"));
  EXPECT_EQ(ErrorType("manage_files", R"({"action":"copy","path":"docs","to":"docs2"})"),
            "invalid_path");
  EXPECT_EQ(ErrorType("manage_files", R"({"action":"move","path":"docs","to":"docs/sub/x"})"),
            "invalid_path");
  EXPECT_EQ(ErrorType("upload_data_or_file", R"({"path":"docs","content":"x","overwrite":true})"),
            "invalid_path");
  EXPECT_EQ(ErrorType("upload_data_or_file", R"({"path":"a.txt/inner.txt","content":"x"})"),
            "storage_error");
  Ok("manage_files", R"({"action":"move","path":"docs","to":"archive/docs"})");
  EXPECT_TRUE(fs::is_directory(blobs_ / "archive/docs/sub"));
  EXPECT_EQ(ReadFile((blobs_ / "a.txt").string()), "a");
  EXPECT_EQ(ReadFile((blobs_ / "b.txt").string()), "b");
}

TEST_F(BlobToolsTest, PathsCannotLeaveTheStore) {
  WriteFile(blobs_ / "ok.txt", "ok");
  struct Case {
    std::string json_path;  // as written inside the JSON string
    std::string message;
  };
  const Case cases[] = {
      {"../etc/passwd", "'../etc/passwd' contains '..'; paths may not leave the file store"},
      {"/etc/passwd",
       "'/etc/passwd' is absolute; give a path relative to the file store, e.g. reports/q1.csv"},
      {"a/../../x", "'a/../../x' contains '..'; paths may not leave the file store"},
      {"a/..", "'a/..' contains '..'; paths may not leave the file store"},
      {"..", "'..' contains '..'; paths may not leave the file store"},
      {"", "the path is empty; give a path relative to the store"},
      {".", "'.' names the store itself, not a file"},
      {".//./", "'.//./' names the store itself, not a file"},
      {"a\\u0000b", "the path contains a NUL byte"},
      {"ok.txt\\u0000.png", "the path contains a NUL byte"},
      {std::string(1025, 'x'), "the path is longer than 1024 bytes"},
  };
  for (const auto& c : cases) {
    const std::string p = c.json_path;
    const std::string calls[][2] = {
        {"read_blob_file", R"({"path":")" + p + "\"}"},
        {"upload_data_or_file", R"({"path":")" + p + R"(","content":"pwned","overwrite":true})"},
        {"manage_files", R"({"action":"delete","path":")" + p + "\"}"},
        {"manage_files", R"({"action":"move","path":")" + p + R"(","to":"moved"})"},
        {"manage_files", R"({"action":"copy","path":"ok.txt","to":")" + p + "\"}"},
    };
    for (const auto& call : calls) {
      EXPECT_EQ(Call(call[0], call[1]).output, Err("invalid_path", c.message)) << call[1];
    }
  }
  EXPECT_FALSE(fs::exists(ws_->dir() / "x"));
  EXPECT_FALSE(fs::exists(ws_->dir() / "moved"));
  EXPECT_THAT(Listed(), ElementsAre("ok.txt"));
  EXPECT_EQ(ReadFile((blobs_ / "ok.txt").string()), "ok");
}

TEST_F(BlobToolsTest, SymlinksOutOfTheStoreAreRefused) {
  const fs::path outside = outside_->dir();
  WriteFile(outside / "secret.txt", "TOP SECRET");
  WriteFile(blobs_ / "real.md", "inside");
  fs::create_symlink(outside / "secret.txt", blobs_ / "leak.txt");
  fs::create_directory_symlink(outside, blobs_ / "out");
  fs::create_symlink(outside / "planted.txt", blobs_ / "dangling.txt");  // target missing
  fs::create_symlink("real.md", blobs_ / "alias.md");                    // stays inside

  const std::pair<std::string, std::string> refused[] = {
      {"read_blob_file", R"({"path":"leak.txt"})"},
      {"read_blob_file", R"({"path":"out/secret.txt"})"},
      {"read_blob_file", R"({"path":"out/../blobs/real.md"})"},
      {"upload_data_or_file", R"({"path":"out/new.txt","content":"x"})"},
      {"upload_data_or_file", R"({"path":"leak.txt","content":"x","overwrite":true})"},
      {"upload_data_or_file", R"({"path":"dangling.txt","content":"x"})"},
      {"manage_files", R"({"action":"copy","path":"leak.txt","to":"copy.txt"})"},
      {"manage_files", R"({"action":"copy","path":"real.md","to":"out/real.md"})"},
      {"manage_files", R"({"action":"move","path":"real.md","to":"out/real.md"})"},
      {"manage_files", R"({"action":"move","path":"out","to":"moved"})"},
      {"manage_files", R"({"action":"delete","path":"out/secret.txt"})"},
      {"manage_files", R"({"action":"delete","path":"leak.txt"})"},
  };
  for (const auto& [tool, args] : refused) {
    EXPECT_EQ(ErrorType(tool, args), "invalid_path") << tool << " " << args;
  }
  EXPECT_EQ(Call("read_blob_file", R"({"path":"leak.txt"})").output,
            Err("invalid_path", "'leak.txt' resolves outside the file store"));
  EXPECT_EQ(Call("upload_data_or_file", R"({"path":"dangling.txt","content":"x"})").output,
            Err("invalid_path",
                "'dangling.txt' goes through a symbolic link that cannot be "
                "followed"));

  EXPECT_EQ(ReadFile((outside / "secret.txt").string()), "TOP SECRET");
  EXPECT_FALSE(fs::exists(outside / "new.txt"));
  EXPECT_FALSE(fs::exists(outside / "planted.txt"));
  EXPECT_FALSE(fs::exists(outside / "real.md"));
  EXPECT_TRUE(fs::exists(blobs_ / "real.md"));
  // Links are not listed (a link out would reveal its target's size); a link that stays
  // inside still reads.
  EXPECT_THAT(Listed(), ElementsAre("real.md"));
  EXPECT_EQ(
      Ok("read_blob_file", R"({"path":"alias.md"})"),
      R"({"path":"alias.md","size":6,"encoding":"utf8","content":"inside","truncated":false})");
}

// upload_data_or_file writes beside its target first: a symlink planted at that temporary name
// (or a file a crashed write left there) is replaced, never followed out of the store.
TEST_F(BlobToolsTest, ASymlinkAtTheUploadsTemporaryNameIsNotFollowed) {
  const fs::path outside = outside_->dir();
  WriteFile(outside / "victim.txt", "UNTOUCHED");
  fs::create_symlink(outside / "victim.txt", blobs_ / ".report.md.upload-tmp");
  fs::create_symlink(outside / "planted.txt", blobs_ / ".notes.md.upload-tmp");  // dangling
  WriteFile(blobs_ / ".stale.md.upload-tmp", "left by a crashed write");
  Ok("upload_data_or_file", R"({"path":"report.md","content":"inside"})");
  Ok("upload_data_or_file", R"({"path":"notes.md","content":"inside too"})");
  Ok("upload_data_or_file", R"({"path":"stale.md","content":"fresh"})");
  EXPECT_EQ(ReadFile((outside / "victim.txt").string()), "UNTOUCHED");
  EXPECT_FALSE(fs::exists(outside / "planted.txt"));
  EXPECT_EQ(ReadFile((blobs_ / "report.md").string()), "inside");
  EXPECT_EQ(ReadFile((blobs_ / "notes.md").string()), "inside too");
  EXPECT_EQ(ReadFile((blobs_ / "stale.md").string()), "fresh");
  EXPECT_FALSE(fs::is_symlink(blobs_ / "report.md"));
  EXPECT_THAT(Listed(), ElementsAre("notes.md", "report.md", "stale.md"));
}

TEST(Base64Test, RoundTripsAndRefusesGarbage) {
  const std::pair<std::string, std::string> pairs[] = {
      {"", ""},        {"f", "Zg=="},        {"fo", "Zm8="},
      {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {std::string("\0\xFF\x10", 3), "AP8Q"}};
  for (const auto& [bytes, text] : pairs) {
    EXPECT_EQ(Base64Encode(bytes), text);
    EXPECT_EQ(Base64Decode(text), bytes) << text;
  }
  EXPECT_EQ(Base64Decode("Zm9v\r\nYg==\n"), "foob");
  for (const char* bad : {"Zm9", "Zm=v", "Zg==Zg==", "Z===", "Zm9v!A==", "====", "Zm9vY"}) {
    EXPECT_EQ(Base64Decode(bad), std::nullopt) << bad;
  }
}

TEST(Utf8Test, ScanFindsTheValidPrefix) {
  EXPECT_TRUE(IsValidUtf8("plain h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  const Utf8Scan cut = ScanUtf8("ab\xE2\x82");    // "ab" then 2 of the 3 bytes of '€'
  EXPECT_EQ(cut.valid, 2u);
  EXPECT_TRUE(cut.incomplete_tail);
  const Utf8Scan broken = ScanUtf8("ab\xE2(x");
  EXPECT_EQ(broken.valid, 2u);
  EXPECT_FALSE(broken.incomplete_tail);
}

}  // namespace
}  // namespace agentreplay
