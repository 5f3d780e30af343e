# SPDX-License-Identifier: GPL-3.0-or-later
# Golden plans: `plan --json` and the table for every tests/golden/plan-*.yoga
# and two library sessions, made by tests/golden_plan (the compiler with
# real files and sounds but speech lengths fixed by the text, so an
# espeak-ng upgrade changes none of them), plus ONE plan made by the real
# program with espeak-ng (session-upper-back-flow: it changes when the voice
# engine does, and is then regenerated on purpose), and `check` output for
# every tests/golden/check-*.yoga.  Run with -DUPDATE=1 (or the
# environment variable UPDATE_GOLDEN=1) to rewrite the reference files after
# an intended change; review the diff before committing.
#
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -P cli_golden.cmake

if(DEFINED ENV{UPDATE_GOLDEN})
  set(UPDATE 1)
endif()

set(failures 0)

function(compare name actual expected_file)
  if(UPDATE)
    file(WRITE "${expected_file}" "${actual}")
    message(STATUS "updated ${expected_file}")
    return()
  endif()
  if(NOT EXISTS "${expected_file}")
    message(SEND_ERROR "${name}: missing reference ${expected_file} (run with UPDATE_GOLDEN=1)")
    return()
  endif()
  file(READ "${expected_file}" expected)
  if(NOT actual STREQUAL expected)
    file(WRITE "${BIN}/golden-actual-${name}" "${actual}")
    execute_process(COMMAND diff -u "${expected_file}" "${BIN}/golden-actual-${name}"
                    OUTPUT_VARIABLE d)
    message(SEND_ERROR "${name}: output differs from ${expected_file}\n${d}")
  endif()
endfunction()

# The golden sessions, and two from the library (the default one and one
# that spans an hour with `at`).
file(GLOB plans RELATIVE "${SRC}" "${SRC}/tests/golden/plan-*.yoga")
list(APPEND plans sessions/upper-back-flow.yoga sessions/workday-rescue.yoga)
foreach(session ${plans})
  get_filename_component(base "${session}" NAME_WE)
  if(session MATCHES "^sessions/")
    set(base "session-${base}")
  endif()
  # The one espeak-ng golden; the rest are hermetic.
  if(session STREQUAL "sessions/upper-back-flow.yoga")
    set(planner "${ASANAVOX}" plan)
  else()
    set(planner "${GOLDEN_PLAN}")
  endif()
  execute_process(COMMAND ${planner} --json "${session}"
                  WORKING_DIRECTORY "${SRC}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "plan --json ${session} failed (${rc}): ${err}")
  endif()
  compare("${base}.json" "${out}" "${SRC}/tests/golden/${base}.json")
  execute_process(COMMAND ${planner} "${session}"
                  WORKING_DIRECTORY "${SRC}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  compare("${base}.txt" "${out}" "${SRC}/tests/golden/${base}.txt")
  # Determinism: a second run gives the same bytes.
  execute_process(COMMAND "${ASANAVOX}" plan --json "${session}"
                  WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE again)
  execute_process(COMMAND "${ASANAVOX}" plan --json "${session}"
                  WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE first)
  if(NOT again STREQUAL first)
    message(SEND_ERROR "plan --json ${session} is not deterministic")
  endif()
endforeach()

file(GLOB checks RELATIVE "${SRC}" "${SRC}/tests/golden/check-*.yoga")
foreach(session ${checks})
  get_filename_component(base "${session}" NAME_WE)
  execute_process(COMMAND "${ASANAVOX}" check "${session}"
                  WORKING_DIRECTORY "${SRC}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  compare("${base}.txt" "exit ${rc}\n${out}${err}" "${SRC}/tests/golden/${base}.txt")
endforeach()
