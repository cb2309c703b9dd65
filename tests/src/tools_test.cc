// The data tools on a real (temporary) workspace: what the model sends, what it gets back.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "json/json_text.h"
#include "tests/src/fake_ports.h"
#include "tools/timestamp.h"
#include "tools/tool_catalog.h"
#include "tools/workspace.h"

namespace agentreplay {
namespace {

using ::testing::ElementsAre;
using testing::FixedClock;
using ::testing::HasSubstr;
using testing::RunSync;

constexpr std::chrono::sys_seconds kOrigin{std::chrono::seconds(1767225600)};  // 2026-01-01

class DataToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ws = Workspace::CreateTemporary();
    ASSERT_TRUE(ws) << ws.error();
    ws_ = std::move(*ws);
    context_ = ToolContext{&clock_, kOrigin, ws_.get()};
  }

  ToolResult Call(std::string_view tool, std::string arguments) {
    Tool* t = catalog_.Find(tool);
    if (t == nullptr) return ToolResult{"no such tool", true};
    return RunSync(t->Run(std::move(arguments), context_));
  }
  // The output of a call that must succeed.
  std::string Ok(std::string_view tool, std::string arguments) {
    ToolResult r = Call(tool, arguments);
    EXPECT_FALSE(r.is_error) << tool << " " << arguments << " → " << r.output;
    return r.output;
  }
  // The ids get_filtered_data returns, in order.
  std::vector<int64_t> Ids(std::string arguments) {
    rapidjson::Document doc;
    const std::string out = Ok("get_filtered_data", std::move(arguments));
    doc.Parse(out.c_str());
    std::vector<int64_t> ids;
    if (!doc.IsObject() || !doc.HasMember("entries")) return ids;
    for (const auto& e : doc["entries"].GetArray()) ids.push_back(e["id"].GetInt64());
    EXPECT_EQ(doc["count"].GetUint64(), ids.size());
    return ids;
  }
  void Advance(double ms) { clock_.now += FromMillis(ms); }

  FixedClock clock_;
  ToolCatalog catalog_ = MakeDefaultCatalog();
  std::unique_ptr<Workspace> ws_;
  ToolContext context_;
};

std::string Err(std::string_view type, std::string_view message) {
  return ToolError(type, message).output;
}

TEST_F(DataToolsTest, CatalogOffersEveryToolWithAClosedSchema) {
  std::vector<std::string> names;
  for (const auto& spec : catalog_.Specs()) {
    names.push_back(spec.name);
    rapidjson::Document doc;
    ASSERT_TRUE(json::Parse(spec.parameters, doc)) << spec.name;
    EXPECT_EQ(json::Compact(doc), spec.parameters) << spec.name << " is sent compact";
    EXPECT_EQ(json::GetString(doc, "type"), "object") << spec.name;
    ASSERT_TRUE(doc.HasMember("additionalProperties")) << spec.name;
    EXPECT_FALSE(doc["additionalProperties"].GetBool()) << spec.name;
    const auto* props = json::GetObject(doc, "properties");
    ASSERT_NE(props, nullptr) << spec.name;
    for (const auto& p : props->GetObject()) {
      EXPECT_FALSE(json::GetString(p.value, "description").empty())
          << spec.name << "." << p.name.GetString();
    }
    if (const auto* required = json::GetArray(doc, "required")) {
      for (const auto& r : required->GetArray()) {
        EXPECT_TRUE(props->HasMember(r)) << spec.name << " requires " << r.GetString();
      }
    }
    EXPECT_FALSE(spec.description.empty()) << spec.name;
  }
  EXPECT_THAT(names, ElementsAre("get_current_time", "add_new_data", "get_filtered_data",
                                 "update_data_entry", "remove_data_entry", "list_blobs",
                                 "read_blob_file", "upload_data_or_file", "manage_files"));
}

TEST_F(DataToolsTest, AddGetUpdateRemove) {
  EXPECT_EQ(Ok("add_new_data",
               R"({"category":"invoices","title":"INV-20931 Nordlicht","content":"{\"amount\": )"
               R"(1200}","content_type":"json","tags":["unpaid","q1"]})"),
            R"({"id":1,"category":"invoices","title":"INV-20931 Nordlicht",)"
            R"("created_at":"2026-01-01T00:00:00.000Z"})");
  Advance(1500);
  EXPECT_EQ(Ok("add_new_data", R"({"category":"notes","title":"Call Nordlicht",)"
                               R"("content":"# Call\n\n- ask about *INV-20931*"})"),
            R"({"id":2,"category":"notes","title":"Call Nordlicht",)"
            R"("created_at":"2026-01-01T00:00:01.500Z"})");

  EXPECT_EQ(Ok("get_filtered_data", "{}"),
            R"({"entries":[{"id":2,"category":"notes","title":"Call Nordlicht",)"
            R"("content":"# Call\n\n- ask about *INV-20931*","tags":[],)"
            R"("created_at":"2026-01-01T00:00:01.500Z","updated_at":"2026-01-01T00:00:01.500Z"},)"
            R"({"id":1,"category":"invoices","title":"INV-20931 Nordlicht",)"
            R"("content":"{\"amount\": 1200}","tags":["unpaid","q1"],)"
            R"("created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-01T00:00:00.000Z"}],)"
            R"("count":2,"has_more":false})");

  Advance(2000);
  EXPECT_EQ(Ok("update_data_entry", R"({"id":1,"title":"INV-20931 Nordlicht, paid",)"
                                    R"("tags":["paid"]})"),
            R"({"id":1,"updated":["title","tags"],"updated_at":"2026-01-01T00:00:03.500Z"})");
  EXPECT_EQ(Ok("get_filtered_data", R"({"category":"invoices"})"),
            R"({"entries":[{"id":1,"category":"invoices","title":"INV-20931 Nordlicht, paid",)"
            R"("content":"{\"amount\": 1200}","tags":["paid"],)"
            R"("created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-01T00:00:03.500Z"}],)"
            R"("count":1,"has_more":false})");

  EXPECT_EQ(Ok("remove_data_entry", R"({"id":2})"), R"({"id":2,"removed":true})");
  EXPECT_EQ(Call("remove_data_entry", R"({"id":2})").output,
            Err("not_found", "no data entry with id 2; get_filtered_data lists the entries"));
  EXPECT_THAT(Ids("{}"), ElementsAre(1));
}

// The production bug: content was parsed as JSON, so Markdown or an empty body crashed with
// "Expecting value: line 1 column 1". Content is text unless declared otherwise.
TEST_F(DataToolsTest, MarkdownEmptyAndNonJsonContentIsStoredVerbatim) {
  const std::string bodies[] = {
      R"(# Weekly report\n\n| item | qty |\n|---|---|\n| tape | 40 |\n\n> **note**: `code`)",
      "",
      "Expecting value: line 1 column 1 (char 0)",
      "{not json",
      "  ",
      R"(\u00e9t\u00e9 \ud83d\ude00)"};
  int64_t id = 0;
  for (const auto& body : bodies) {
    for (const char* type : {"", R"(,"content_type":"markdown")", R"(,"content_type":"text")"}) {
      const std::string out = Ok("add_new_data", R"({"category":"notes","title":"t","content":")" +
                                                     body + "\"" + type + "}");
      EXPECT_THAT(out, HasSubstr(fmt::format("\"id\":{}", ++id)));
    }
  }
  rapidjson::Document doc;
  doc.Parse(Ok("get_filtered_data", R"({"order":"oldest","limit":100})").c_str());
  ASSERT_EQ(doc["count"].GetInt(), 18);
  EXPECT_EQ(std::string(doc["entries"][0]["content"].GetString()),
            "# Weekly report\n\n| item | qty |\n|---|---|\n| tape | 40 |\n\n> **note**: `code`");
  EXPECT_EQ(std::string(doc["entries"][3]["content"].GetString()), "");
  EXPECT_EQ(std::string(doc["entries"][9]["content"].GetString()), "{not json");
  EXPECT_EQ(std::string(doc["entries"][15]["content"].GetString()),
            "\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST_F(DataToolsTest, ContentDeclaredJsonMustBeValidJson) {
  EXPECT_EQ(Call("add_new_data",
                 R"({"category":"c","title":"t","content":"{\"a\":\n }","content_type":"json"})")
                .output,
            Err("invalid_content",
                "content is not valid JSON: Invalid value. at offset 7 (line 2, column 2). Fix "
                "the JSON, or send content_type text or markdown to store it as text"));
  EXPECT_EQ(
      Call("add_new_data", R"({"category":"c","title":"t","content":"","content_type":"json"})")
          .output,
      Err("invalid_content",
          "content is not valid JSON: The document is empty. at offset 0 (line 1, column 1). Fix "
          "the JSON, or send content_type text or markdown to store it as text"));
  Ok("add_new_data", R"({"category":"c","title":"t","content":"[1, 2]","content_type":"json"})");
  EXPECT_EQ(
      Call("update_data_entry", R"({"id":1,"content":"# no","content_type":"json"})").is_error,
      true);
  Ok("update_data_entry", R"({"id":1,"content":"# yes","content_type":"markdown"})");
  EXPECT_EQ(*ws_->CountEntries("c", ""), 1);
}

TEST_F(DataToolsTest, FiltersOrderAndLimit) {
  const char* adds[] = {
      R"({"category":"invoices","title":"INV-1 Nordlicht","content":"","tags":["unpaid"]})",
      R"({"category":"invoices","title":"INV-2 Acme","content":"","tags":["paid"]})",
      R"({"category":"invoices","title":"inv-3 nordlicht","content":"","tags":["unpaid","urgent"]})",
      R"({"category":"orders","title":"Order 7 for Nordlicht","content":"","tags":["open"]})",
      R"({"category":"invoices","title":"INV-4 Zephyr","content":""})",
  };
  for (const char* add : adds) {
    Ok("add_new_data", add);
    Advance(1000);  // entry n is created at n-1 seconds past the origin
  }
  EXPECT_THAT(Ids(R"({"category":"invoices"})"), ElementsAre(5, 3, 2, 1));
  EXPECT_THAT(Ids(R"({"category":"invoices","filters":{"title_contains":"nordlicht"}})"),
              ElementsAre(3, 1));
  EXPECT_THAT(Ids(R"({"filters":{"title_contains":"NORDLICHT"}})"), ElementsAre(4, 3, 1));
  EXPECT_THAT(Ids(R"({"filters":{"tag":"unpaid"}})"), ElementsAre(3, 1));
  EXPECT_THAT(Ids(R"({"filters":{"tag":"unpa"}})"), ElementsAre());
  EXPECT_THAT(Ids(R"({"filters":{"created_after":"2026-01-01T00:00:02Z"}})"), ElementsAre(5, 4));
  EXPECT_THAT(Ids(R"({"filters":{"created_after":"2026-01-01T01:00:01+01:00"}})"),
              ElementsAre(5, 4, 3));
  EXPECT_THAT(Ids(R"({"filters":{"created_after":"2025-12-31"}})"), ElementsAre(5, 4, 3, 2, 1));
  EXPECT_THAT(Ids(R"({"category":"invoices","filters":{"tag":"unpaid","title_contains":"inv-1"}})"),
              ElementsAre(1));
  EXPECT_THAT(Ids(R"({"category":"nothing"})"), ElementsAre());
  EXPECT_THAT(Ids(R"({"order":"oldest","limit":2})"), ElementsAre(1, 2));
  EXPECT_THAT(Ok("get_filtered_data", R"({"order":"oldest","limit":2})"),
              HasSubstr(R"("count":2,"has_more":true})"));
  EXPECT_THAT(Ok("get_filtered_data", R"({"limit":5})"), HasSubstr(R"("has_more":false)"));
  EXPECT_THAT(Ids(R"({"limit":3.0,"category":null})"), ElementsAre(5, 4, 3));
}

TEST_F(DataToolsTest, BadArgumentsGetStructuredErrorsNamingTheField) {
  Ok("add_new_data", R"({"category":"a","title":"b","content":"c"})");
  struct Case {
    const char* tool;
    std::string arguments;
    std::string message;
  };
  const Case bad[] = {
      {"add_new_data", "",
       "the arguments are not valid JSON: The document is empty. at offset 0 (line 1, column 1); "
       "send one JSON object"},
      {"add_new_data", R"({"category":"a","title":"b","content":"c")",
       "the arguments are not valid JSON: Missing a comma or '}' after an object member. at offset "
       "41 (line 1, column 42); send one JSON object"},
      {"add_new_data", "category=a",
       "the arguments are not valid JSON: Invalid value. at offset 0 "
       "(line 1, column 1); send one JSON object"},
      {"add_new_data", "[1,2]", "the arguments must be a JSON object"},
      {"add_new_data", R"("text")", "the arguments must be a JSON object"},
      {"add_new_data", R"({"category":1,"title":"b","content":"c"})",
       "'category' must be a string"},
      {"add_new_data", R"({"title":"b","content":"c"})", "missing required argument 'category'"},
      {"add_new_data", R"({"category":"a","title":"b"})", "missing required argument 'content'"},
      {"add_new_data", R"({"category":"a","title":"b","content":{"x":1}})",
       "'content' must be a string"},
      {"add_new_data", R"({"category":"a","title":"","content":"c"})", "'title' must not be empty"},
      {"add_new_data", R"({"category":"a","title":"b","content":"c","tags":"x"})",
       "'tags' must be an array of strings"},
      {"add_new_data", R"({"category":"a","title":"b","content":"c","tags":[""]})",
       "'tags' must hold non-empty strings of at most 64 characters"},
      {"add_new_data", R"({"category":"a","title":"b","content":"c","color":"red"})",
       "unknown argument 'color'; allowed arguments: category, title, content, content_type, tags"},
      {"add_new_data", R"({"category":"a","title":"b","content":"c","content_type":"yaml"})",
       R"('content_type' must be one of: text, markdown, json (got "yaml"))"},
      {"add_new_data",
       R"({"category":"a","title":")" + std::string(301, 'x') + R"(","content":""})",
       "'title' is longer than 300 characters"},
      {"get_filtered_data", R"({"filters":{"status":"open"}})",
       "unknown filter 'status'; allowed filters: title_contains, tag, created_after"},
      {"get_filtered_data", R"({"filters":{"below_reorder_level":true}})",
       "unknown filter 'below_reorder_level'; allowed filters: title_contains, tag, created_after"},
      {"get_filtered_data", R"({"filters":[]})", "'filters' must be an object"},
      {"get_filtered_data", R"({"filters":{"tag":5}})", "'filters.tag' must be a string"},
      {"get_filtered_data", R"({"filters":{"created_after":"yesterday"}})",
       "'filters.created_after' must be a date (2025-03-01) or a UTC date-time "
       "(2025-03-01T12:00:00Z)"},
      {"get_filtered_data", R"({"limit":0})", "'limit' must be an integer from 1 to 100 (got 0)"},
      {"get_filtered_data", R"({"limit":101})",
       "'limit' must be an integer from 1 to 100 (got 101)"},
      {"get_filtered_data", R"({"limit":"5"})",
       R"('limit' must be an integer from 1 to 100 (got "5"))"},
      {"get_filtered_data", R"({"limit":2.5})",
       "'limit' must be an integer from 1 to 100 (got 2.5)"},
      {"get_filtered_data", R"({"order":"random"})",
       R"('order' must be one of: newest, oldest (got "random"))"},
      {"get_filtered_data", R"({"container":"invoices"})",
       "unknown argument 'container'; allowed arguments: category, filters, limit, order"},
      {"update_data_entry", R"({"id":1})",
       "give at least one of 'title', 'content', 'tags' to change"},
      {"update_data_entry", R"({"id":"1","title":"x"})",
       R"('id' must be a positive integer (got "1"))"},
      {"update_data_entry", R"({"id":1,"title":"x","content_type":"json"})",
       "'content_type' describes 'content'; send it together with 'content'"},
      {"remove_data_entry", R"({"id":-3})", "'id' must be a positive integer (got -3)"},
      {"remove_data_entry", R"({})", "missing required argument 'id'"},
      {"remove_data_entry", R"({"id":null})", "missing required argument 'id'"},
      {"remove_data_entry", R"({"id":"1 OR 1=1"})",
       R"('id' must be a positive integer (got "1 OR 1=1"))"},
  };
  for (const auto& c : bad) {
    const ToolResult r = Call(c.tool, c.arguments);
    EXPECT_TRUE(r.is_error) << c.tool << " " << c.arguments;
    EXPECT_EQ(r.output, Err("invalid_arguments", c.message)) << c.tool << " " << c.arguments;
  }
  EXPECT_EQ(Call("update_data_entry", R"({"id":999,"title":"x"})").output,
            Err("not_found", "no data entry with id 999; get_filtered_data lists the entries"));
  EXPECT_EQ(*ws_->CountEntries("", ""), 1);  // nothing bad was stored
}

TEST_F(DataToolsTest, HostileArgumentsNeverCrash) {
  for (std::string args :
       {std::string(200000, '['), std::string(200000, '{'),
        std::string(100000, '[') + std::string(100000, ']'),
        std::string("{\"category\":\"\xFF\xFE\",\"title\":\"t\",\"content\":\"\"}"),
        std::string("{\"category\":\"a") + '\0' + "b\",\"title\":\"t\",\"content\":\"\"}"}) {
    for (const char* tool : {"add_new_data", "get_filtered_data", "update_data_entry"}) {
      const ToolResult r = Call(tool, args);
      EXPECT_TRUE(r.is_error) << tool;
      EXPECT_THAT(r.output, HasSubstr("invalid_arguments")) << tool;
    }
  }
}

TEST_F(DataToolsTest, SqlInjectionIsStoredAndMatchedLiterally) {
  Ok("add_new_data", R"({"category":"x' OR 1=1 --","title":"Robert'); DROP TABLE entries;--",)"
                     R"("content":"'; DELETE FROM entries; --","tags":["x' OR '1'='1"]})");
  Ok("add_new_data", R"({"category":"invoices","title":"100% paid_in_full","content":""})");
  Ok("add_new_data", R"({"category":"invoices","title":"1000 paid in full","content":""})");

  EXPECT_THAT(Ids(R"({"category":"x' OR 1=1 --"})"), ElementsAre(1));
  EXPECT_THAT(Ids(R"({"category":"invoices' OR '1'='1"})"), ElementsAre());
  EXPECT_THAT(Ids(R"({"category":"invoices\" OR \"1\"=\"1"})"), ElementsAre());
  EXPECT_THAT(Ids(R"({"filters":{"title_contains":"%"}})"), ElementsAre(2));
  EXPECT_THAT(Ids(R"({"filters":{"title_contains":"paid_in"}})"), ElementsAre(2));
  EXPECT_THAT(Ids(R"({"filters":{"title_contains":"\\"}})"), ElementsAre());
  EXPECT_THAT(Ids(R"({"filters":{"title_contains":"') OR 1=1 --"}})"), ElementsAre());
  EXPECT_THAT(Ids(R"({"filters":{"tag":"x' OR '1'='1"}})"), ElementsAre(1));
  EXPECT_THAT(Ids(R"({"filters":{"tag":"' OR 1=1) --"}})"), ElementsAre());
  Ok("update_data_entry", R"({"id":2,"title":"x', content = 'pwned"})");
  EXPECT_THAT(Ids(R"({"filters":{"title_contains":"pwned"}})"), ElementsAre(2));

  EXPECT_THAT(Ids("{}"), ElementsAre(3, 2, 1));  // nothing dropped, nothing deleted
  EXPECT_EQ(*ws_->CountEntries("x' OR 1=1 --", ""), 1);
  EXPECT_EQ(*ws_->CountEntries("invoices", "paid in"), 1);
  rapidjson::Document doc;
  doc.Parse(Ok("get_filtered_data", R"({"order":"oldest","limit":1})").c_str());
  EXPECT_STREQ(doc["entries"][0]["content"].GetString(), "'; DELETE FROM entries; --");
  EXPECT_STREQ(doc["entries"][0]["title"].GetString(), "Robert'); DROP TABLE entries;--");
}

TEST_F(DataToolsTest, WithoutAWorkspaceTheToolsSaySo) {
  context_.workspace = nullptr;
  for (const char* tool :
       {"add_new_data", "get_filtered_data", "update_data_entry", "remove_data_entry", "list_blobs",
        "read_blob_file", "upload_data_or_file", "manage_files"}) {
    EXPECT_EQ(Call(tool, "{}").output,
              Err("no_workspace", "this agent has no workspace; data and file tools are off"))
        << tool;
  }
  EXPECT_FALSE(Call("get_current_time", R"({"timezone":"UTC"})").is_error);
}

// A real-world server may call tools from several threads at once; the store serialises.
TEST_F(DataToolsTest, ConcurrentCallsFromThreads) {
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> outputs(8);
  for (size_t t = 0; t < outputs.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        outputs[t].push_back(
            RunSync(
                catalog_.Find("add_new_data")
                    ->Run(fmt::format(R"({{"category":"t{}","title":"n{}","content":""}})", t, i),
                          context_))
                .output);
        (void)RunSync(catalog_.Find("get_filtered_data")->Run(R"({"limit":5})", context_));
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> ids;
  for (const auto& per_thread : outputs) {
    for (const auto& out : per_thread) {
      rapidjson::Document doc;
      doc.Parse(out.c_str());
      ASSERT_TRUE(doc.IsObject() && doc.HasMember("id")) << out;
      ids.insert(doc["id"].GetInt64());
    }
  }
  EXPECT_EQ(ids.size(), 200u);
  EXPECT_EQ(*ws_->CountEntries("", ""), 200);
  EXPECT_EQ(*ws_->CountEntries("t3", ""), 25);
}

TEST(TimestampTest, NormalizesWhatAModelWrites) {
  EXPECT_EQ(NormalizeTimestamp("2025-03-01"), "2025-03-01T00:00:00.000Z");
  EXPECT_EQ(NormalizeTimestamp("2025-03-01T12:30:00Z"), "2025-03-01T12:30:00.000Z");
  EXPECT_EQ(NormalizeTimestamp("2025-03-01 12:30"), "2025-03-01T12:30:00.000Z");
  EXPECT_EQ(NormalizeTimestamp("2025-03-01T00:30:00.25+02:00"), "2025-02-28T22:30:00.250Z");
  EXPECT_EQ(NormalizeTimestamp("2025-03-01T23:00:00.123456-01:30"), "2025-03-02T00:30:00.123Z");
  for (const char* bad : {"", "yesterday", "2025-02-30", "2025-3-1", "2025-03-01T25:00",
                          "2025-03-01T12:00:00+2", "2025-03-01T12:00:00Zjunk", "2025-03-01T"}) {
    EXPECT_EQ(NormalizeTimestamp(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(FormatUtcTimestamp(std::chrono::system_clock::time_point{}),
            "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace agentreplay
