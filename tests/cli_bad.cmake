# SPDX-License-Identifier: GPL-3.0-or-later
# The bad-input corpus: every tests/bad/NAME.yoga must make `asanavox check`
# exit with status 2, and the first line it prints must be exactly
# tests/bad/NAME.expect.  Two more inputs are made here rather than
# committed: a file just over 1 MiB and a 50 MB one.  Run with
# UPDATE_GOLDEN=1 to (re)write the .expect files; review them.
#
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_bad.cmake

if(DEFINED ENV{UPDATE_GOLDEN})
  set(UPDATE 1)
endif()

file(MAKE_DIRECTORY "${BIN}/bad-generated")
string(REPEAT "say Breathe.\n" 80660 big)       # 1 MiB + a little
file(WRITE "${BIN}/bad-generated/just-over-1mib.yoga" "${big}")
execute_process(COMMAND truncate -s 50M "${BIN}/bad-generated/fifty-megabytes.yoga")

file(GLOB committed RELATIVE "${SRC}" "${SRC}/tests/bad/*.yoga")
set(cases ${committed}
    "${BIN}/bad-generated/just-over-1mib.yoga" "${BIN}/bad-generated/fifty-megabytes.yoga")
list(LENGTH committed n)
if(n LESS 40)
  message(SEND_ERROR "the corpus has ${n} files; it should have at least 40")
endif()

foreach(session ${cases})
  get_filename_component(base "${session}" NAME_WE)
  execute_process(COMMAND "${ASANAVOX}" check "${session}"
                  WORKING_DIRECTORY "${SRC}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 2)
    message(SEND_ERROR "${session}: check exited ${rc}, want 2\n${out}${err}")
  endif()
  string(FIND "${err}" "\n" nl)
  string(SUBSTRING "${err}" 0 ${nl} first)
  # Generated files live in the build tree; compare without that prefix.
  string(REPLACE "${BIN}/" "BUILD/" first "${first}")
  set(expect_file "${SRC}/tests/bad/${base}.expect")
  if(UPDATE)
    file(WRITE "${expect_file}" "${first}\n")
  elseif(NOT EXISTS "${expect_file}")
    message(SEND_ERROR "${session}: no ${expect_file}")
  else()
    file(READ "${expect_file}" want)
    string(STRIP "${want}" want)
    if(NOT first STREQUAL want)
      message(SEND_ERROR "${session}:\n  got:  ${first}\n  want: ${want}")
    endif()
  endif()
endforeach()
file(REMOVE_RECURSE "${BIN}/bad-generated")
