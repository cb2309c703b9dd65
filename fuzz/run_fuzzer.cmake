# Runs one fuzz target: CTest's short bounded run (fuzz/CMakeLists.txt) and scripts/fuzz's long
# one. Usage:
#   cmake -DROOT=<source tree> -DNAME=<target> -DFUZZER=<executable> -DCORPUS=<dir>
#         -DARTIFACTS=<dir> -DSECONDS=<n> [-DFRESH=ON] [-DJOBS=<n>] -P fuzz/run_fuzzer.cmake
# CORPUS keeps what the run finds (FRESH empties it, and ARTIFACTS, first); the seeds are
# gathered anew into CORPUS.seeds each time from the globs in targets.cmake and
# fuzz/seeds/<NAME>/, so the source tree is only read. A crash, leak, timeout or sanitizer
# report leaves the input that caused it in ARTIFACTS and fails the run.
cmake_minimum_required(VERSION 3.25)
foreach(var ROOT NAME FUZZER CORPUS ARTIFACTS SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}=... is required")
  endif()
endforeach()
include(${ROOT}/fuzz/targets.cmake)
if(NOT NAME IN_LIST agentreplay_fuzz_targets)
  message(FATAL_ERROR "run_fuzzer.cmake: no fuzz target '${NAME}' (${agentreplay_fuzz_targets})")
endif()

if(FRESH)
  file(REMOVE_RECURSE ${CORPUS} ${ARTIFACTS})
endif()
set(seeds ${CORPUS}.seeds)
file(REMOVE_RECURSE ${seeds})
file(MAKE_DIRECTORY ${CORPUS} ${seeds} ${ARTIFACTS})

# A glob prefixed "bodies:" names .NET SDK session records (tests/fixtures/recorded): their
# response bodies are what the decoders read, an SSE stream (recorded as a list of lines) or a
# whole JSON object. Every other glob's files are seeds as they are.
foreach(spec IN LISTS agentreplay_fuzz_${NAME}_seeds)
  set(bodies OFF)
  if(spec MATCHES "^bodies:(.*)$")
    set(bodies ON)
    set(spec "${CMAKE_MATCH_1}")
  endif()
  file(GLOB files LIST_DIRECTORIES false ${ROOT}/${spec})
  foreach(file IN LISTS files)
    get_filename_component(base ${file} NAME)
    if(NOT bodies)
      file(COPY_FILE ${file} ${seeds}/${base})
      continue()
    endif()
    file(READ ${file} record)
    string(JSON entries ERROR_VARIABLE error LENGTH "${record}" Entries)
    if(error OR entries EQUAL 0)
      continue()
    endif()
    math(EXPR last "${entries} - 1")
    foreach(i RANGE ${last})
      string(JSON type ERROR_VARIABLE error TYPE "${record}" Entries ${i} ResponseBody)
      if(type STREQUAL "OBJECT")
        string(JSON body GET "${record}" Entries ${i} ResponseBody)
      elseif(type STREQUAL "ARRAY")
        string(JSON lines LENGTH "${record}" Entries ${i} ResponseBody)
        set(body "")
        if(lines GREATER 0)
          math(EXPR last_line "${lines} - 1")
          foreach(j RANGE ${last_line})
            string(JSON line GET "${record}" Entries ${i} ResponseBody ${j})
            string(APPEND body "${line}")
          endforeach()
        endif()
      else()
        continue()
      endif()
      file(WRITE ${seeds}/${base}.${i} "${body}")
    endforeach()
  endforeach()
endforeach()

set(dirs ${CORPUS} ${seeds})
if(IS_DIRECTORY ${ROOT}/fuzz/seeds/${NAME})
  list(APPEND dirs ${ROOT}/fuzz/seeds/${NAME})
endif()
set(options
  -max_total_time=${SECONDS}
  # Far above what any input of these readers needs; a leak or a runaway allocation hits it.
  -rss_limit_mb=2048
  # One input taking this long (seconds) is a hang worth a report.
  -timeout=10
  -dict=${ROOT}/fuzz/dicts/${agentreplay_fuzz_${NAME}_dict}
  -artifact_prefix=${ARTIFACTS}/
  -print_final_stats=1)
if(DEFINED agentreplay_fuzz_${NAME}_max_len)
  list(APPEND options -max_len=${agentreplay_fuzz_${NAME}_max_len})
endif()
if(DEFINED JOBS AND JOBS GREATER 1)
  # Workers in parallel, each merging what it finds into CORPUS; going on after a crash keeps
  # a long run useful (every crash still leaves its artifact).
  list(APPEND options -fork=${JOBS} -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
endif()
# UBSan prints no stack unless asked; a report without one names only the line at fault.
if(NOT DEFINED ENV{UBSAN_OPTIONS})
  set(ENV{UBSAN_OPTIONS} "print_stacktrace=1")
endif()
# Failing inputs of earlier runs stay where they are; only new ones fail this run.
file(GLOB before LIST_DIRECTORIES false ${ARTIFACTS}/*)
execute_process(COMMAND ${FUZZER} ${options} ${dirs} RESULT_VARIABLE result)
file(GLOB found LIST_DIRECTORIES false ${ARTIFACTS}/*)
if(before)
  list(REMOVE_ITEM found ${before})
endif()
if(NOT result EQUAL 0 OR found)
  message(FATAL_ERROR "fuzz target ${NAME} failed (exit ${result}); inputs that failed it are "
                      "in ${ARTIFACTS}/ (reproduce: ${FUZZER} <file>)")
endif()
