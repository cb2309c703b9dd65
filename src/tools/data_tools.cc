#include "tools/data_tools.h"

#include <fmt/format.h>

#include <cstdint>
#include <limits>

#include "tools/timestamp.h"
#include "tools/tool_args.h"
#include "tools/workspace.h"

namespace agentreplay {
namespace {

constexpr size_t kMaxCategory = 100;
constexpr size_t kMaxTitle = 300;
constexpr size_t kMaxContent = 1 << 20;  // characters; an entry is a record, not a file
constexpr size_t kMaxTags = 32;
constexpr size_t kMaxTag = 64;
constexpr int64_t kMaxId = std::numeric_limits<int64_t>::max();

// The schemas as the model sees them: compact JSON, one property per line here.
constexpr const char* kAddParameters =
    R"({"type":"object","properties":{)"
    R"("category":{"type":"string","minLength":1,"maxLength":100,"description":)"
    R"("Collection the entry belongs to, e.g. invoices, orders, notes. Matched exactly."},)"
    R"("title":{"type":"string","minLength":1,"maxLength":300,"description":)"
    R"("Short human-readable title, searched by get_filtered_data's title_contains."},)"
    R"("content":{"type":"string","maxLength":1048576,"description":)"
    R"("The entry's body, stored verbatim as text: plain text, Markdown or JSON text. )"
    R"(May be empty unless content_type is json."},)"
    R"("content_type":{"type":"string","enum":["text","markdown","json"],"description":)"
    R"("What content is. With json it must be valid JSON and is checked before storing. )"
    R"(Default text."},)"
    R"("tags":{"type":"array","maxItems":32,"items":{"type":"string","minLength":1,)"
    R"("maxLength":64},"description":"Labels to filter by later (get_filtered_data's tag)."}},)"
    R"("required":["category","title","content"],"additionalProperties":false})";

constexpr const char* kGetParameters =
    R"({"type":"object","properties":{)"
    R"("category":{"type":"string","minLength":1,"maxLength":100,"description":)"
    R"("Only entries of this category (exact match). Omit to search every category."},)"
    R"("filters":{"type":"object","properties":{)"
    R"("title_contains":{"type":"string","minLength":1,"maxLength":300,"description":)"
    R"("Text the title contains, case-insensitive."},)"
    R"("tag":{"type":"string","minLength":1,"maxLength":64,"description":)"
    R"("Only entries carrying this tag."},)"
    R"("created_after":{"type":"string","description":)"
    R"("Only entries created after this date (2025-03-01) or UTC date-time )"
    R"((2025-03-01T12:00:00Z)."}},)"
    R"("additionalProperties":false,"description":"Conditions that must all hold."},)"
    R"("limit":{"type":"integer","minimum":1,"maximum":100,"default":20,"description":)"
    R"("Most entries to return."},)"
    R"("order":{"type":"string","enum":["newest","oldest"],"default":"newest","description":)"
    R"("Newest or oldest entries first."}},)"
    R"("additionalProperties":false})";

constexpr const char* kUpdateParameters =
    R"({"type":"object","properties":{)"
    R"("id":{"type":"integer","minimum":1,"description":)"
    R"("Id of the entry, as returned by add_new_data or get_filtered_data."},)"
    R"("title":{"type":"string","minLength":1,"maxLength":300,"description":"New title."},)"
    R"("content":{"type":"string","maxLength":1048576,"description":)"
    R"("New body, replacing the old one; stored verbatim as text."},)"
    R"("content_type":{"type":"string","enum":["text","markdown","json"],"description":)"
    R"("What the new content is. With json it must be valid JSON. Default text."},)"
    R"("tags":{"type":"array","maxItems":32,"items":{"type":"string","minLength":1,)"
    R"("maxLength":64},"description":"New tags, replacing all old ones."}},)"
    R"("required":["id"],"additionalProperties":false})";

constexpr const char* kRemoveParameters =
    R"({"type":"object","properties":{)"
    R"("id":{"type":"integer","minimum":1,"description":"Id of the entry to delete."}},)"
    R"("required":["id"],"additionalProperties":false})";

std::string Now(const ToolContext& context) { return FormatUtcTimestamp(context.WallNow()); }

// Content declared as JSON must parse; the message says what is wrong and where, and how else
// the model could store it.
std::optional<ToolResult> CheckContent(const std::optional<std::string>& content_type,
                                       const std::string& content) {
  if (content_type != "json") return std::nullopt;
  rapidjson::Document doc;
  if (auto parsed = ParseUntrustedJson(content, doc); !parsed) {
    return ToolError("invalid_content",
                     fmt::format("content is not valid JSON: {}. Fix the JSON, or send "
                                 "content_type text or markdown to store it as text",
                                 parsed.error()));
  }
  return std::nullopt;
}

ToolResult NotFound(int64_t id) {
  return ToolError(
      "not_found",
      fmt::format("no data entry with id {}; get_filtered_data lists the entries", id));
}

void WriteEntry(json::Writer& w, const Entry& e) {
  w.StartObject();
  json::Key(w, "id");
  w.Int64(e.id);
  json::Key(w, "category");
  json::String(w, e.category);
  json::Key(w, "title");
  json::String(w, e.title);
  json::Key(w, "content");
  json::String(w, e.content);
  json::Key(w, "tags");
  w.StartArray();
  for (const auto& tag : e.tags) json::String(w, tag);
  w.EndArray();
  json::Key(w, "created_at");
  json::String(w, e.created_at);
  json::Key(w, "updated_at");
  json::String(w, e.updated_at);
  w.EndObject();
}

class AddNewDataTool : public WorkspaceTool {
 public:
  AddNewDataTool()
      : WorkspaceTool("add_new_data",
                      "Stores a new data entry (a record with a category, a title, a text body "
                      "and tags) and returns its id.",
                      kAddParameters) {}

 protected:
  ToolResult Execute(ArgReader& args, Workspace& ws, const ToolContext& context) override {
    args.OnlyKeys({"category", "title", "content", "content_type", "tags"});
    auto category = args.String("category", Need::kRequired, 1, kMaxCategory);
    auto title = args.String("title", Need::kRequired, 1, kMaxTitle);
    auto content = args.String("content", Need::kRequired, 0, kMaxContent);
    const auto content_type =
        args.Enum("content_type", Need::kOptional, {"text", "markdown", "json"});
    auto tags = args.StringList("tags", kMaxTags, kMaxTag);
    if (!args.ok()) return args.Error();
    if (auto bad = CheckContent(content_type, *content)) return *bad;

    const EntrySeed entry{std::move(*category), std::move(*title), std::move(*content),
                          tags ? std::move(*tags) : std::vector<std::string>{}};
    const std::string now = Now(context);
    const auto id = ws.entries().Add(entry, now);
    if (!id) return ToolError("storage_error", id.error());

    JsonOutput out;
    out.writer.StartObject();
    json::Key(out.writer, "id");
    out.writer.Int64(*id);
    json::Key(out.writer, "category");
    json::String(out.writer, entry.category);
    json::Key(out.writer, "title");
    json::String(out.writer, entry.title);
    json::Key(out.writer, "created_at");
    json::String(out.writer, now);
    out.writer.EndObject();
    return out.Result();
  }
};

class GetFilteredDataTool : public WorkspaceTool {
 public:
  GetFilteredDataTool()
      : WorkspaceTool("get_filtered_data",
                      "Lists stored data entries, newest first by default, optionally only one "
                      "category and only entries matching filters.",
                      kGetParameters) {}

 protected:
  ToolResult Execute(ArgReader& args, Workspace& ws, const ToolContext&) override {
    args.OnlyKeys({"category", "filters", "limit", "order"});
    EntryQuery query;
    query.category = args.String("category", Need::kOptional, 1, kMaxCategory);
    const rapidjson::Value* filters = args.Object("filters");
    query.limit = args.Integer("limit", Need::kOptional, 1, 100).value_or(20);
    query.newest_first = args.Enum("order", Need::kOptional, {"newest", "oldest"}) != "oldest";
    if (!args.ok()) return args.Error();
    if (filters != nullptr) {
      ArgReader f(*filters, "filters.");
      f.OnlyKeys({"title_contains", "tag", "created_after"}, "filter");
      query.title_contains = f.String("title_contains", Need::kOptional, 1, kMaxTitle);
      query.tag = f.String("tag", Need::kOptional, 1, kMaxTag);
      if (auto after = f.String("created_after", Need::kOptional, 1, 64)) {
        query.created_after = NormalizeTimestamp(*after);
        if (!query.created_after) {
          f.Fail(
              "'filters.created_after' must be a date (2025-03-01) or a UTC date-time "
              "(2025-03-01T12:00:00Z)");
        }
      }
      if (!f.ok()) return f.Error();
    }

    const auto page = ws.entries().Query(query);
    if (!page) return ToolError("storage_error", page.error());
    JsonOutput out;
    out.writer.StartObject();
    json::Key(out.writer, "entries");
    out.writer.StartArray();
    for (const auto& e : page->entries) WriteEntry(out.writer, e);
    out.writer.EndArray();
    json::Key(out.writer, "count");
    out.writer.Uint64(page->entries.size());
    json::Key(out.writer, "has_more");
    out.writer.Bool(page->has_more);
    out.writer.EndObject();
    return out.Result();
  }
};

class UpdateDataEntryTool : public WorkspaceTool {
 public:
  UpdateDataEntryTool()
      : WorkspaceTool("update_data_entry",
                      "Changes the title, content or tags of a stored data entry, by id. Give "
                      "at least one of them; the others stay as they are.",
                      kUpdateParameters) {}

 protected:
  ToolResult Execute(ArgReader& args, Workspace& ws, const ToolContext& context) override {
    args.OnlyKeys({"id", "title", "content", "content_type", "tags"});
    const auto id = args.Integer("id", Need::kRequired, 1, kMaxId);
    EntryUpdate update;
    update.title = args.String("title", Need::kOptional, 1, kMaxTitle);
    update.content = args.String("content", Need::kOptional, 0, kMaxContent);
    const auto content_type =
        args.Enum("content_type", Need::kOptional, {"text", "markdown", "json"});
    update.tags = args.StringList("tags", kMaxTags, kMaxTag);
    if (args.ok() && !update.title && !update.content && !update.tags) {
      args.Fail("give at least one of 'title', 'content', 'tags' to change");
    }
    if (args.ok() && content_type && !update.content) {
      args.Fail("'content_type' describes 'content'; send it together with 'content'");
    }
    if (!args.ok()) return args.Error();
    if (update.content) {
      if (auto bad = CheckContent(content_type, *update.content)) return *bad;
    }

    const std::string now = Now(context);
    const auto updated = ws.entries().Update(*id, update, now);
    if (!updated) return ToolError("storage_error", updated.error());
    if (*updated == StoreStatus::kNotFound) return NotFound(*id);
    JsonOutput out;
    out.writer.StartObject();
    json::Key(out.writer, "id");
    out.writer.Int64(*id);
    json::Key(out.writer, "updated");
    out.writer.StartArray();
    if (update.title) json::String(out.writer, "title");
    if (update.content) json::String(out.writer, "content");
    if (update.tags) json::String(out.writer, "tags");
    out.writer.EndArray();
    json::Key(out.writer, "updated_at");
    json::String(out.writer, now);
    out.writer.EndObject();
    return out.Result();
  }
};

class RemoveDataEntryTool : public WorkspaceTool {
 public:
  RemoveDataEntryTool()
      : WorkspaceTool("remove_data_entry", "Deletes a stored data entry, by id.",
                      kRemoveParameters) {}

 protected:
  ToolResult Execute(ArgReader& args, Workspace& ws, const ToolContext&) override {
    args.OnlyKeys({"id"});
    const auto id = args.Integer("id", Need::kRequired, 1, kMaxId);
    if (!args.ok()) return args.Error();
    const auto removed = ws.entries().Remove(*id);
    if (!removed) return ToolError("storage_error", removed.error());
    if (*removed == StoreStatus::kNotFound) return NotFound(*id);
    JsonOutput out;
    out.writer.StartObject();
    json::Key(out.writer, "id");
    out.writer.Int64(*id);
    json::Key(out.writer, "removed");
    out.writer.Bool(true);
    out.writer.EndObject();
    return out.Result();
  }
};

}  // namespace

std::unique_ptr<Tool> MakeAddNewDataTool() { return std::make_unique<AddNewDataTool>(); }
std::unique_ptr<Tool> MakeGetFilteredDataTool() { return std::make_unique<GetFilteredDataTool>(); }
std::unique_ptr<Tool> MakeUpdateDataEntryTool() { return std::make_unique<UpdateDataEntryTool>(); }
std::unique_ptr<Tool> MakeRemoveDataEntryTool() { return std::make_unique<RemoveDataEntryTool>(); }

void AddDataTools(ToolCatalog& catalog) {
  catalog.Add(MakeAddNewDataTool());
  catalog.Add(MakeGetFilteredDataTool());
  catalog.Add(MakeUpdateDataEntryTool());
  catalog.Add(MakeRemoveDataEntryTool());
}

}  // namespace agentreplay
