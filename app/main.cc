// agentreplay: wiring only. Parse the command line, set up logging, run one subcommand.
#include <cstdio>
#include <variant>

#include "app/commands.h"
#include "app/options.h"
#include "log/log.h"

int main(int argc, char** argv) {
  using namespace agentreplay::app;
  ParsedCommandLine parsed;
  if (auto exit_code = ParseCommandLine(argc, argv, parsed)) return *exit_code;
  agentreplay::ConfigureLogging(parsed.log_level);
  if (const auto* run = std::get_if<RunOptions>(&parsed.command)) {
    return RunCommand(*run, parsed.command_line);
  }
  if (const auto* load = std::get_if<LoadOptions>(&parsed.command)) {
    return LoadCommand(*load, parsed.command_line);
  }
  if (const auto* validate = std::get_if<ValidateOptions>(&parsed.command)) {
    return ValidateCommand(*validate);
  }
  if (const auto* list = std::get_if<ListOptions>(&parsed.command)) return ListCommand(*list);
  if (const auto* i = std::get_if<ImportOptions>(&parsed.command)) return ImportCommand(*i);
  if (const auto* c = std::get_if<CompareOptions>(&parsed.command)) return CompareCommand(*c);
  if (const auto* r = std::get_if<ReportOptions>(&parsed.command)) return ReportCommand(*r);
  if (const auto* m = std::get_if<MergeOptions>(&parsed.command)) return MergeCommand(*m);
  if (const auto* s = std::get_if<ServeOptions>(&parsed.command)) return ServeCommand(*s);
  if (const auto* c = std::get_if<ChatOptions>(&parsed.command)) return ChatCommand(*c);
  if (const auto* r = std::get_if<RecordOptions>(&parsed.command)) return RecordCommand(*r);
  std::fputs("agentreplay: no command given; see --help\n", stderr);
  return kExitBadInput;
}
