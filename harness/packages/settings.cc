#include "harness/packages/settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <functional>

#include "core/random.h"

namespace agentreplay::harness {
namespace {

using Setter = std::function<std::optional<std::string>(VariantSettings&, const SettingValue&)>;

std::optional<std::string> Expect(const char* what) { return fmt::format("expected {}", what); }

Setter Bool(bool VariantSettings::*field) {
  return [field](VariantSettings& s, const SettingValue& v) -> std::optional<std::string> {
    if (!std::holds_alternative<bool>(v)) return Expect("true or false");
    s.*field = std::get<bool>(v);
    return std::nullopt;
  };
}

// A number from 0 to `max` handed to `set`. Every setting has a bound: a count or a duration
// of 1e308 would otherwise overflow where it is converted (to an int, to nanoseconds).
Setter Number(double max, const std::function<void(VariantSettings&, double)>& set) {
  return [max, set](VariantSettings& s, const SettingValue& v) -> std::optional<std::string> {
    if (!std::holds_alternative<double>(v) || std::get<double>(v) < 0 ||
        !std::isfinite(std::get<double>(v)) || std::get<double>(v) > max) {
      return fmt::format("expected a number from 0 to {:.0f}", max);
    }
    set(s, std::get<double>(v));
    return std::nullopt;
  };
}

// A duration in milliseconds, at most the hour every input duration is bounded by.
Setter Millis(const std::function<void(VariantSettings&, Duration)>& set) {
  return Number(kMaxInputDurationMs,
                [set](VariantSettings& s, double ms) { set(s, FromMillis(ms)); });
}

// One of two words, mapped to a flag.
Setter Choice(std::string_view yes, std::string_view no,
              std::function<void(VariantSettings&, bool)> set) {
  return [=](VariantSettings& s, const SettingValue& v) -> std::optional<std::string> {
    const auto* str = std::get_if<std::string>(&v);
    if (str == nullptr || (*str != yes && *str != no)) {
      return fmt::format("expected \"{}\" or \"{}\"", yes, no);
    }
    set(s, *str == yes);
    return std::nullopt;
  };
}

struct Entry {
  std::string_view name;
  Setter set;
};

const std::vector<Entry>& Table() {
  static const std::vector<Entry> kTable = {
      {"runtime",
       [](VariantSettings& s, const SettingValue& v) -> std::optional<std::string> {
         const auto* str = std::get_if<std::string>(&v);
         const auto runtime = str ? ParseRuntime(*str) : std::nullopt;
         if (!runtime) return Expect("\"assistants\", \"responses\" or \"chat\"");
         s.runtime = *runtime;
         return std::nullopt;
       }},
      {"stream", Bool(&VariantSettings::stream)},
      {"background", Bool(&VariantSettings::background)},
      {"poll_interval_ms",
       Millis([](VariantSettings& s, Duration d) { s.assistants.poll_interval = d; })},
      {"poll_backoff", Number(100, [](VariantSettings& s,
                                      double v) { s.assistants.poll_backoff = std::max(1.0, v); })},
      {"poll_interval_max_ms",
       Millis([](VariantSettings& s, Duration d) { s.assistants.poll_interval_max = d; })},
      {"pause_before_submit_ms",
       Millis([](VariantSettings& s, Duration d) { s.assistants.pause_before_submit = d; })},
      {"list_runs_before_create",
       [](VariantSettings& s, const SettingValue& v) -> std::optional<std::string> {
         if (!std::holds_alternative<bool>(v)) return Expect("true or false");
         s.assistants.list_runs_before_create = std::get<bool>(v);
         return std::nullopt;
       }},
      {"list_messages_each_state_change",
       [](VariantSettings& s, const SettingValue& v) -> std::optional<std::string> {
         if (!std::holds_alternative<bool>(v)) return Expect("true or false");
         s.assistants.list_messages_each_state_change = std::get<bool>(v);
         return std::nullopt;
       }},
      {"vector_store", Bool(&VariantSettings::vector_store)},
      {"tool_dispatch", Choice("proxy", "in_process",
                               [](VariantSettings& s, bool proxy) { s.proxy_dispatch = proxy; })},
      {"tool_selection",
       Choice("intent", "all",
              [](VariantSettings& s, bool intent) { s.intent_tool_selection = intent; })},
      {"parallel_tools", Bool(&VariantSettings::parallel_tools)},
      {"max_parallel_tools",
       Number(1024, [](VariantSettings& s,
                       double v) { s.max_parallel_tools = std::max(1, static_cast<int>(v)); })},
      {"retry_max_attempts",
       Number(100, [](VariantSettings& s,
                      double v) { s.retry.max_attempts = std::max(1, static_cast<int>(v)); })},
      {"retry_base_ms", Millis([](VariantSettings& s, Duration d) { s.retry.base_delay = d; })},
      {"retry_max_ms", Millis([](VariantSettings& s, Duration d) { s.retry.max_delay = d; })},
      {"retry_jitter", Number(1, [](VariantSettings& s, double v) { s.retry.jitter = v; })},
      {"batch_max_chars",
       Number(1 << 30,
              [](VariantSettings& s, double v) { s.batching.max_chars = static_cast<size_t>(v); })},
      {"batch_max_age_ms", Millis([](VariantSettings& s, Duration d) { s.batching.max_age = d; })},
      {"max_idle_connections",
       Number(1024,
              [](VariantSettings& s, double v) { s.max_idle_connections = static_cast<int>(v); })},
  };
  return kTable;
}

}  // namespace

Status ApplySetting(VariantSettings& settings, std::string_view name, const SettingValue& value) {
  for (const auto& entry : Table()) {
    if (entry.name != name) continue;
    if (auto problem = entry.set(settings, value)) return Fail(std::move(*problem));
    return {};
  }
  return Fail(fmt::format("unknown setting '{}'", name));
}

std::vector<std::string_view> SettingNames() {
  std::vector<std::string_view> names;
  for (const auto& entry : Table()) names.push_back(entry.name);
  return names;
}

AgentOptions MakeAgentOptions(const VariantSettings& settings, uint64_t seed) {
  AgentOptions options;
  options.runtime = settings.runtime;
  options.llm.stream = settings.stream;
  options.llm.background = settings.background;
  options.llm.assistants = settings.assistants;
  options.llm.vector_store.attach = settings.vector_store;
  options.parallel_tools = settings.parallel_tools;
  options.max_parallel_tools = settings.max_parallel_tools;
  options.retry = settings.retry;
  options.retry.seed = DeriveSeed(seed, "retry-jitter");
  options.batching = settings.batching;
  return options;
}

}  // namespace agentreplay::harness
