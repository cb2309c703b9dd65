# The fuzz targets and where each one's seed inputs come from, shared by fuzz/CMakeLists.txt
# (which builds them and registers their short CTest runs) and run_fuzzer.cmake (which runs
# one, for CTest or for scripts/fuzz).
#
# agentreplay_fuzz_targets: the target names; fuzz/<name>.cc is each one's source.
# agentreplay_fuzz_<name>_seeds: globs, relative to the source tree, of the files its corpus
#   starts from; "bodies:" before a glob of .NET SDK session records takes their response bodies
#   instead (run_fuzzer.cmake). The fixtures and shipped scenarios serve where they exist;
#   fuzz/seeds/<name>/ (always added when present) holds the few inputs nothing else provides.
# agentreplay_fuzz_<name>_dict: the libFuzzer dictionary in fuzz/dicts/.
# agentreplay_fuzz_<name>_max_len (optional): the largest input libFuzzer makes; by default the
#   largest seed. Set where the seeds are large and smaller inputs reach the same code faster.
set(agentreplay_fuzz_targets
  sse_decoder
  responses_stream
  chat_stream
  assistants_stream
  scenario_loader
  cassette_reader
  import
  results_json
  results_journal
  http_request)

set(agentreplay_fuzz_sse_decoder_seeds
  "tests/fixtures/recorded/*.sse" "bodies:tests/fixtures/recorded/dotnet-*-streaming*.json")
set(agentreplay_fuzz_sse_decoder_dict sse.dict)
set(agentreplay_fuzz_responses_stream_seeds
  "tests/fixtures/recorded/responses-*.sse" "bodies:tests/fixtures/recorded/dotnet-responses-*.json")
set(agentreplay_fuzz_responses_stream_dict sse.dict)
set(agentreplay_fuzz_chat_stream_seeds "tests/fixtures/recorded/python-chat-*.sse")
set(agentreplay_fuzz_chat_stream_dict sse.dict)
set(agentreplay_fuzz_assistants_stream_seeds "bodies:tests/fixtures/recorded/dotnet-assistants-*.json")
set(agentreplay_fuzz_assistants_stream_dict sse.dict)
set(agentreplay_fuzz_scenario_loader_seeds "scenarios/*.json")
set(agentreplay_fuzz_scenario_loader_dict json.dict)
set(agentreplay_fuzz_cassette_reader_seeds "scenarios/recordings/*.cassette.jsonl")
set(agentreplay_fuzz_cassette_reader_dict json.dict)
# The shipped cassettes are up to 115 KB of whole conversations; their first exchanges hold
# every kind of line, and a cut last line is what the reader's recovery mode is for.
set(agentreplay_fuzz_cassette_reader_max_len 16384)
set(agentreplay_fuzz_import_seeds
  "tests/fixtures/recorded/*.sse" "tests/fixtures/recorded/*.har"
  "tests/fixtures/recorded/*.json" "scenarios/recordings/*.cassette.jsonl")
set(agentreplay_fuzz_import_dict json.dict)
set(agentreplay_fuzz_results_json_seeds "")
set(agentreplay_fuzz_results_json_dict json.dict)
set(agentreplay_fuzz_results_journal_seeds "")
set(agentreplay_fuzz_results_journal_dict json.dict)
set(agentreplay_fuzz_http_request_seeds "")
set(agentreplay_fuzz_http_request_dict http.dict)
