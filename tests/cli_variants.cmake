# SPDX-License-Identifier: GPL-3.0-or-later
# Variants of one file (issue 11): --length and --skip on plan, render and
# play, and session names (suggestions, unique prefixes, names with spaces).
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_variants.cmake

include("${SRC}/tests/support_run.cmake")

# --length: the plan says what was asked and what it came to.
set(v tests/data/variants.yoga)
run(0 "(--length 20:00: the holds are scaled" plan --length 20m ${v})
string(REGEX MATCH "— ([0-9]+):([0-9.]+)," m "${last_out}")
if(NOT CMAKE_MATCH_1 STREQUAL "20" AND NOT CMAKE_MATCH_1 STREQUAL "19")
  message(SEND_ERROR "plan --length 20m lasts ${CMAKE_MATCH_1}:${CMAKE_MATCH_2}")
endif()
run(0 "\"length_asked\": 600.000000" plan --json --length 10m ${v})
run(2 "--length wants a time" plan --length soon ${v})
run(2 "--length wants a time" plan --length 0s ${v})
run(2 "--length wants a time" render --length "4 breaths" ${v})
run(2 "--length needs a value" play --length)

# --skip: case-insensitive, repeatable; an unknown name is an error.  The
# rest after a skipped step goes too, and "Next:" names the step after.
run(0 "" plan --skip "cat COW" --skip "low cobra" ${v})
foreach(gone "Low cobra" "Cat cow" "Next: Low cobra")
  string(FIND "${last_out}" "${gone}" at)
  if(NOT at EQUAL -1)
    message(SEND_ERROR "--skip left '${gone}' in:\n${last_out}")
  endif()
endforeach()
if(NOT last_out MATCHES "Variants — [0-9:.]+, 2 steps")
  message(SEND_ERROR "--skip: want the breathe step and the silence only:\n${last_out}")
endif()
run(2 "--skip 'Headstand': the session has no pose, flow or breathe step" plan --skip Headstand ${v})

# render takes them too: 1 minute asked makes a file much shorter than the
# session as written (5:05, 58 MB at 48 kHz stereo 16-bit).
set(wav "${BIN}/variants-short.wav")
run(0 "" render --length 1m --skip "Low cobra" ${v} -o "${wav}")
file(SIZE "${wav}" size)
if(size GREATER 30000000)
  message(SEND_ERROR "render --length 1m wrote ${size} bytes")
endif()
file(REMOVE "${wav}")

# Session names.
run(2 "no session named 'morning5'; did you mean 'morning-5'?" plan morning5)
run(2 "no session named 'Morning-5'; did you mean 'morning-5'?" plan Morning-5)
run(0 "Morning five" plan morn)
set(lib "${BIN}/variants-lib")
file(REMOVE_RECURSE "${lib}")
file(MAKE_DIRECTORY "${lib}")
file(WRITE "${lib}/My Flow.yoga" "title: Mine\npose Child's pose, 2 breaths\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E env "ASANAVOX_PATH=${lib}" "${ASANAVOX}" list
                WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
string(FIND "${out}" "My Flow" at)
if(at EQUAL -1)
  message(SEND_ERROR "list does not show 'My Flow':\n${out}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env "ASANAVOX_PATH=${lib}" "${ASANAVOX}" plan "My Flow"
                WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^Mine")
  message(SEND_ERROR "plan 'My Flow' (as list shows it): exit ${rc}\n${out}${err}")
endif()
file(REMOVE_RECURSE "${lib}")
