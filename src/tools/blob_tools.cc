#include "tools/blob_tools.h"

#include <fmt/format.h>

#include <limits>

#include "tools/base64.h"
#include "tools/tool_args.h"
#include "tools/workspace.h"

namespace agentreplay {
namespace {

// Paths are not limited while reading the arguments: the store refuses empty, long and
// otherwise bad paths itself, all with the one error type invalid_path.
constexpr size_t kAnyLength = std::numeric_limits<size_t>::max();
constexpr int64_t kMaxReadBytes = 1 << 20;
constexpr int64_t kDefaultReadBytes = 64 << 10;
constexpr size_t kMaxUploadBytes = 8 << 20;
// base64 of kMaxUploadBytes, with room for line breaks.
constexpr size_t kMaxUploadChars = kMaxUploadBytes / 3 * 4 + (1 << 20);

constexpr const char* kListParameters =
    R"({"type":"object","properties":{)"
    R"("prefix":{"type":"string","maxLength":1024,"description":)"
    R"("Only files whose path starts with this, e.g. reports/2025-03/. Omit to list all."}},)"
    R"("additionalProperties":false})";

constexpr const char* kReadParameters =
    R"({"type":"object","properties":{)"
    R"("path":{"type":"string","minLength":1,"maxLength":1024,"description":)"
    R"("Path of the file, relative to the file store, as list_blobs shows it."},)"
    R"("max_bytes":{"type":"integer","minimum":1,"maximum":1048576,"default":65536,)"
    R"("description":"Read at most this many bytes; longer files come back truncated."}},)"
    R"("required":["path"],"additionalProperties":false})";

constexpr const char* kUploadParameters =
    R"({"type":"object","properties":{)"
    R"("path":{"type":"string","minLength":1,"maxLength":1024,"description":)"
    R"("Where to write, relative to the file store, e.g. exports/orders.csv. )"
    R"(Missing folders are created."},)"
    R"("content":{"type":"string","description":)"
    R"("The file's content: text, or base64 when encoding is base64. At most 8 MiB."},)"
    R"("encoding":{"type":"string","enum":["utf8","base64"],"default":"utf8","description":)"
    R"("utf8 for text, base64 for binary content."},)"
    R"("overwrite":{"type":"boolean","default":false,"description":)"
    R"("Replace the file if it exists. Without it an existing file is an error."}},)"
    R"("required":["path","content"],"additionalProperties":false})";

constexpr const char* kManageParameters =
    R"({"type":"object","properties":{)"
    R"("action":{"type":"string","enum":["move","copy","delete"],"description":)"
    R"("move (or rename) a file or folder, copy a file, or delete a file or empty folder."},)"
    R"("path":{"type":"string","minLength":1,"maxLength":1024,"description":)"
    R"("The file or folder to act on, relative to the file store."},)"
    R"("to":{"type":"string","minLength":1,"maxLength":1024,"description":)"
    R"("Destination path for move and copy; it must not exist yet."}},)"
    R"("required":["action","path"],"additionalProperties":false})";

ToolResult Failed(const BlobError& error) { return ToolError(error.type, error.message); }

class ListBlobsTool : public WorkspaceTool {
 public:
  ListBlobsTool()
      : WorkspaceTool("list_blobs",
                      "Lists the files in the file store with their size and last change, "
                      "sorted by path.",
                      kListParameters) {}

 protected:
  ToolResult Execute(ArgReader& args, Workspace& ws, const ToolContext&) override {
    args.OnlyKeys({"prefix"});
    const auto prefix = args.String("prefix", Need::kOptional, 0, BlobStore::kMaxPathBytes);
    if (!args.ok()) return args.Error();
    bool truncated = false;
    BlobError error;
    const auto files = ws.blobs().List(prefix.value_or(""), &truncated, &error);
    if (!error.type.empty()) return Failed(error);
    JsonOutput out;
    auto& w = out.writer;
    w.StartObject();
    json::Key(w, "files");
    w.StartArray();
    for (const auto& f : files) {
      w.StartObject();
      json::Key(w, "path");
      json::String(w, f.path);
      json::Key(w, "size");
      w.Uint64(f.size);
      json::Key(w, "modified");
      json::String(w, f.modified);
      w.EndObject();
    }
    w.EndArray();
    json::Key(w, "count");
    w.Uint64(files.size());
    json::Key(w, "truncated");
    w.Bool(truncated);
    w.EndObject();
    return out.Result();
  }
};

class ReadBlobFileTool : public WorkspaceTool {
 public:
  ReadBlobFileTool()
      : WorkspaceTool("read_blob_file",
                      "Reads a file from the file store. Text comes back as is; binary content "
                      "comes back base64-encoded.",
                      kReadParameters) {}

 protected:
  ToolResult Execute(ArgReader& args, Workspace& ws, const ToolContext&) override {
    args.OnlyKeys({"path", "max_bytes"});
    const auto path = args.String("path", Need::kRequired, 0, kAnyLength);
    const auto max_bytes = args.Integer("max_bytes", Need::kOptional, 1, kMaxReadBytes);
    if (!args.ok()) return args.Error();
    BlobError error;
    const auto data = ws.blobs().Read(
        *path, static_cast<uint64_t>(max_bytes.value_or(kDefaultReadBytes)), &error);
    if (!data) return Failed(error);

    // Text when the bytes are UTF-8 without NUL; a cut through the last character of a
    // truncated read is dropped rather than making the file look binary.
    const Utf8Scan scan = ScanUtf8(data->bytes);
    const bool text =
        data->bytes.find('\0') == std::string::npos &&
        (scan.valid == data->bytes.size() || (data->truncated && scan.incomplete_tail));
    const std::string encoded = text ? std::string() : Base64Encode(data->bytes);
    JsonOutput out;
    auto& w = out.writer;
    w.StartObject();
    json::Key(w, "path");
    json::String(w, *path);
    json::Key(w, "size");
    w.Uint64(data->size);
    json::Key(w, "encoding");
    json::String(w, text ? "utf8" : "base64");
    json::Key(w, "content");
    json::String(w, text ? std::string_view(data->bytes).substr(0, scan.valid) : encoded);
    json::Key(w, "truncated");
    w.Bool(data->truncated);
    w.EndObject();
    return out.Result();
  }
};

class UploadDataOrFileTool : public WorkspaceTool {
 public:
  UploadDataOrFileTool()
      : WorkspaceTool("upload_data_or_file",
                      "Writes a file into the file store, from text or base64-encoded bytes.",
                      kUploadParameters) {}

 protected:
  ToolResult Execute(ArgReader& args, Workspace& ws, const ToolContext& context) override {
    args.OnlyKeys({"path", "content", "encoding", "overwrite"});
    const auto path = args.String("path", Need::kRequired, 0, kAnyLength);
    auto content = args.String("content", Need::kRequired, 0, kMaxUploadChars);
    const auto encoding = args.Enum("encoding", Need::kOptional, {"utf8", "base64"});
    const bool overwrite = args.Bool("overwrite").value_or(false);
    if (!args.ok()) return args.Error();
    if (encoding == "base64") {
      auto bytes = Base64Decode(*content);
      if (!bytes) {
        return ToolError("invalid_content",
                         "content is not valid base64 (RFC 4648, with '=' padding); send text "
                         "with encoding utf8 instead, or fix the encoding");
      }
      content = std::move(bytes);
    }
    if (content->size() > kMaxUploadBytes) {
      return ToolError("invalid_content",
                       fmt::format("the file would be {} bytes; at most {} are allowed",
                                   content->size(), kMaxUploadBytes));
    }
    bool created = false;
    BlobError error;
    if (!ws.blobs().Write(*path, *content, overwrite, &created, &error, context.WallNow())) {
      return Failed(error);
    }
    JsonOutput out;
    auto& w = out.writer;
    w.StartObject();
    json::Key(w, "path");
    json::String(w, *path);
    json::Key(w, "size");
    w.Uint64(content->size());
    json::Key(w, "created");
    w.Bool(created);
    w.EndObject();
    return out.Result();
  }
};

class ManageFilesTool : public WorkspaceTool {
 public:
  ManageFilesTool()
      : WorkspaceTool("manage_files", "Moves, copies or deletes files in the file store.",
                      kManageParameters) {}

 protected:
  ToolResult Execute(ArgReader& args, Workspace& ws, const ToolContext& context) override {
    args.OnlyKeys({"action", "path", "to"});
    const auto action = args.Enum("action", Need::kRequired, {"move", "copy", "delete"});
    const auto path = args.String("path", Need::kRequired, 0, kAnyLength);
    const auto to = args.String("to", Need::kOptional, 0, kAnyLength);
    if (args.ok() && *action != "delete" && !to) {
      args.Fail(fmt::format("missing required argument 'to' (the destination of {})", *action));
    }
    if (args.ok() && *action == "delete" && to) {
      args.Fail("'to' is only for move and copy; delete takes just 'path'");
    }
    if (!args.ok()) return args.Error();
    const BlobAction kind = *action == "move"   ? BlobAction::kMove
                            : *action == "copy" ? BlobAction::kCopy
                                                : BlobAction::kDelete;
    BlobError error;
    if (!ws.blobs().Manage(kind, *path, to.value_or(""), &error, context.WallNow())) {
      return Failed(error);
    }
    JsonOutput out;
    auto& w = out.writer;
    w.StartObject();
    json::Key(w, "action");
    json::String(w, *action);
    json::Key(w, "path");
    json::String(w, *path);
    if (to) {
      json::Key(w, "to");
      json::String(w, *to);
    }
    w.EndObject();
    return out.Result();
  }
};

}  // namespace

std::unique_ptr<Tool> MakeListBlobsTool() { return std::make_unique<ListBlobsTool>(); }
std::unique_ptr<Tool> MakeReadBlobFileTool() { return std::make_unique<ReadBlobFileTool>(); }
std::unique_ptr<Tool> MakeUploadDataOrFileTool() {
  return std::make_unique<UploadDataOrFileTool>();
}
std::unique_ptr<Tool> MakeManageFilesTool() { return std::make_unique<ManageFilesTool>(); }

void AddBlobTools(ToolCatalog& catalog) {
  catalog.Add(MakeListBlobsTool());
  catalog.Add(MakeReadBlobFileTool());
  catalog.Add(MakeUploadDataOrFileTool());
  catalog.Add(MakeManageFilesTool());
}

}  // namespace agentreplay
