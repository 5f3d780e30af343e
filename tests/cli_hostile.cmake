# SPDX-License-Identifier: GPL-3.0-or-later
# The hostile-input corpus: session files made to exhaust time or memory,
# escape their directory or write to the terminal.  Every case must end
# with `asanavox check` exiting 2 within 2 seconds under `ulimit -v` (256 MiB
# of address space), and its first error line must be exactly the expected
# one: tests/hostile/NAME.expect for the committed files (tests/hostile/
# part-*.yoga are only included by others), inline below for the cases made
# here (huge files, symbolic links, FIFOs, devices).  The limit on address
# space is skipped in sanitizer builds (ASan reserves terabytes of it), and
# the time limit is then 20 s.  UPDATE_GOLDEN=1 (re)writes the .expect files.
#
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... [-DSANITIZE=ON] -P cli_hostile.cmake

if(DEFINED ENV{UPDATE_GOLDEN})
  set(UPDATE 1)
endif()
set(max_ms 2000)
set(vlimit "ulimit -v 262144;")
if(SANITIZE)
  set(max_ms 20000)
  set(vlimit "")
endif()

set(gen "${BIN}/hostile-generated")
file(REMOVE_RECURSE "${gen}")
file(MAKE_DIRECTORY "${gen}")

# Run `check` on one file; sets rc, first (the first error line, with the
# build directory shown as BUILD/), ms (wall clock) and cpu_ms (user +
# system time of the program, from the shell's `times`) in the caller's
# scope.  The 2 s limit applies to CPU time, which other work on a shared
# machine does not inflate; wall time only has to stay under 5x that.
function(run_check session)
  string(TIMESTAMP t0 "%s%f")
  execute_process(COMMAND sh -c "${vlimit} \"$0\" check \"$1\"; rc=$?; times >&2; exit $rc"
                          "${ASANAVOX}" "${session}"
                  WORKING_DIRECTORY "${SRC}" TIMEOUT 60
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
  string(TIMESTAMP t1 "%s%f")
  math(EXPR elapsed "(${t1} - ${t0}) / 1000")
  # The last line of `times` is the children's "XmY.ZZZs XmY.ZZZs".
  string(REGEX MATCH "([0-9]+)m([0-9]+)\\.([0-9]+)s ([0-9]+)m([0-9]+)\\.([0-9]+)s\n?$" t "${err}")
  set(cpu 0)
  if(t)
    foreach(k 1 4)
      math(EXPR k1 "${k} + 1")
      math(EXPR k2 "${k} + 2")
      string(SUBSTRING "${CMAKE_MATCH_${k2}}000" 0 3 frac)
      math(EXPR cpu "${cpu} + ${CMAKE_MATCH_${k}} * 60000 + ${CMAKE_MATCH_${k1}} * 1000 + ${frac}")
    endforeach()
    string(REGEX REPLACE "[^\n]*\n[^\n]*\n?$" "" err "${err}")
  endif()
  set(line "")
  string(REGEX MATCH "[^\n]*: error: [^\n]*" line "${err}")
  if(line STREQUAL "" AND NOT err STREQUAL "")
    string(FIND "${err}" "\n" nl)
    string(SUBSTRING "${err}" 0 ${nl} line)
  endif()
  string(REPLACE "${BIN}/" "BUILD/" line "${line}")
  set(rc "${code}" PARENT_SCOPE)
  set(first "${line}" PARENT_SCOPE)
  set(ms "${elapsed}" PARENT_SCOPE)
  set(cpu_ms "${cpu}" PARENT_SCOPE)
  set(all "${out}${err}" PARENT_SCOPE)
endfunction()

function(expect_case session want)
  run_check("${session}")
  if(NOT rc EQUAL 2)
    message(SEND_ERROR "${session}: check exited ${rc}, want 2\n${all}")
  endif()
  math(EXPR max_wall "${max_ms} * 5")
  if(cpu_ms GREATER max_ms OR ms GREATER max_wall)
    message(SEND_ERROR "${session}: check took ${cpu_ms} ms of CPU, ${ms} ms in all (limit ${max_ms} ms of CPU)")
  endif()
  if(NOT first STREQUAL want)
    message(SEND_ERROR "${session}:\n  got:  ${first}\n  want: ${want}")
  endif()
  message(STATUS "${cpu_ms} ms CPU, ${ms} ms wall  ${session}")
endfunction()

# --- committed cases ----------------------------------------------------------
file(GLOB committed RELATIVE "${SRC}" "${SRC}/tests/hostile/*.yoga")
list(FILTER committed EXCLUDE REGEX "/part-[^/]*$")
foreach(session ${committed})
  get_filename_component(base "${session}" NAME_WE)
  set(expect_file "${SRC}/tests/hostile/${base}.expect")
  if(UPDATE)
    run_check("${session}")
    file(WRITE "${expect_file}" "${first}\n")
    continue()
  endif()
  if(NOT EXISTS "${expect_file}")
    message(SEND_ERROR "${session}: no ${expect_file}")
    continue()
  endif()
  file(READ "${expect_file}" want)
  string(STRIP "${want}" want)
  expect_case("${session}" "${want}")
endforeach()

# --- made here: too big to commit -------------------------------------------------

# A 1 MiB file with one step, included a million times.
string(REPEAT "# padding to make this file one mebibyte long, more or less.\n" 17000 pad)
file(WRITE "${gen}/part-big.yoga" "pose Mountain, 1 breath\n${pad}")
file(WRITE "${gen}/repeat-big-include.yoga" "repeat 1000\nrepeat 1000\ninclude part-big\nend\nend\n")
expect_case("${gen}/repeat-big-include.yoga"
  "BUILD/hostile-generated/part-big.yoga:1:1: error: the session expands to more than 300000 steps and repeat passes (an empty repeat counts too)")

# The same without the step.
file(WRITE "${gen}/part-big-empty.yoga" "${pad}")
file(WRITE "${gen}/repeat-big-empty-include.yoga" "repeat 1000\nrepeat 1000\ninclude part-big-empty\nend\nend\n")
expect_case("${gen}/repeat-big-empty-include.yoga"
  "BUILD/hostile-generated/repeat-big-empty-include.yoga:2:1: error: the session expands to more than 300000 steps and repeat passes (an empty repeat counts too)")

# Twenty-four hours of distinct `say` lines (about 1 MiB).  The line where
# the budget runs out depends on the default voice's speed (en-us+klatt2, 170 wpm).
set(says "")
foreach(i RANGE 1 16000)
  string(APPEND says "say Breathe slowly and let the shoulders soften, number ${i}.\n")
endforeach()
file(WRITE "${gen}/distinct-says.yoga" "${says}")
expect_case("${gen}/distinct-says.yoga"
  "BUILD/hostile-generated/distinct-says.yoga:235:1: error: the session's distinct spoken text passes 15 minutes here")

# 100 KB of cue lines for one pose: one ten-hour text.
string(REPEAT "  a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a\n" 2100 cues)
file(WRITE "${gen}/cue-lines-100k.yoga" "pose Chair, 1 min\n${cues}")
expect_case("${gen}/cue-lines-100k.yoga"
  "BUILD/hostile-generated/cue-lines-100k.yoga:1:1: error: the session's distinct spoken text passes 32768 bytes here (this text is 100806)")

# --- files that are not what they claim, and links out of the directory ------------

# `include secret` where secret.yoga is a link to /etc/passwd: its lines
# must never be shown; likewise /proc/self/environ.
file(CREATE_LINK /etc/passwd "${gen}/secret.yoga" SYMBOLIC)
file(WRITE "${gen}/include-passwd.yoga" "include secret\n")
expect_case("${gen}/include-passwd.yoga"
  "BUILD/hostile-generated/include-passwd.yoga:1:9: error: cannot include 'secret': it is a symbolic link that leads outside its directory")
file(CREATE_LINK /proc/self/environ "${gen}/environ.yoga" SYMBOLIC)
file(WRITE "${gen}/include-environ.yoga" "include environ\n")
expect_case("${gen}/include-environ.yoga"
  "BUILD/hostile-generated/include-environ.yoga:1:9: error: cannot include 'environ': it is a symbolic link that leads outside its directory")
# A sound that is a link out of the session's directory.
file(CREATE_LINK "${SRC}/sounds/bowl.wav" "${gen}/outside.wav" SYMBOLIC)
file(WRITE "${gen}/bell-outside.yoga" "bell outside\n")
expect_case("${gen}/bell-outside.yoga"
  "BUILD/hostile-generated/bell-outside.yoga:1:6: error: sound 'outside' cannot be read: a symbolic link leads outside its directory")
# An include that is a FIFO (nobody writes to it: opening must not wait).
execute_process(COMMAND mkfifo "${gen}/pipe.yoga")
file(WRITE "${gen}/include-fifo.yoga" "include pipe\n")
expect_case("${gen}/include-fifo.yoga"
  "BUILD/hostile-generated/include-fifo.yoga:1:9: error: cannot include 'pipe': it is a FIFO, not a session file")
# Sessions that are not files at all.
expect_case("${gen}/pipe.yoga"
  "asanavox check: BUILD/hostile-generated/pipe.yoga is a FIFO, not a session file")
expect_case("/dev/zero" "asanavox check: /dev/zero is a character device, not a session file")
file(MAKE_DIRECTORY "${gen}/folder.yoga")
# An include that is a directory is named like the session path's too.
file(WRITE "${gen}/include-folder.yoga" "include folder\n")
expect_case("${gen}/include-folder.yoga"
  "BUILD/hostile-generated/include-folder.yoga:1:9: error: cannot include 'folder': it is a directory, not a session file")
expect_case("${gen}/folder.yoga"
  "asanavox check: BUILD/hostile-generated/folder.yoga is a directory, not a session file")
file(CREATE_LINK /dev/zero "${gen}/zero.yoga" SYMBOLIC)
expect_case("${gen}/zero.yoga"
  "asanavox check: BUILD/hostile-generated/zero.yoga is a character device, not a session file")

# What stays allowed: a link inside the directory, and a session named on
# the command line that is a link to anywhere.
file(WRITE "${gen}/part-real.yoga" "pose Mountain, 2 breaths\n")
file(CREATE_LINK "part-real.yoga" "${gen}/alias.yoga" SYMBOLIC)
file(WRITE "${gen}/include-alias.yoga" "include alias\n")
file(MAKE_DIRECTORY "${gen}/elsewhere")
file(CREATE_LINK "${gen}/part-real.yoga" "${gen}/elsewhere/link.yoga" SYMBOLIC)
foreach(ok "${gen}/include-alias.yoga" "${gen}/elsewhere/link.yoga")
  run_check("${ok}")
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "${ok}: check exited ${rc}, want 0\n${all}")
  endif()
endforeach()

file(REMOVE_RECURSE "${gen}")
