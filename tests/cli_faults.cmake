# SPDX-License-Identifier: GPL-3.0-or-later
# Fault paths of `render` that need a shell: standard output closed or full
# with `-o -` (streamed, never renamed over), and a read-only directory.
# Each must exit non-zero with one clear line and leave no file behind.
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_faults.cmake

set(session "${SRC}/tests/data/render-basic.yoga")
set(dir "${BIN}/faults")
file(REMOVE_RECURSE "${dir}")
file(MAKE_DIRECTORY "${dir}")

function(expect_fail what cmd needle)
  execute_process(COMMAND sh -c "${cmd}" WORKING_DIRECTORY "${dir}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    message(SEND_ERROR "${what}: exited 0\n${err}")
  endif()
  string(FIND "${err}" "${needle}" at)
  if(at EQUAL -1)
    message(SEND_ERROR "${what}: stderr lacks '${needle}':\n${err}")
  endif()
  string(REGEX MATCHALL "\n" lines "${err}")
  list(LENGTH lines n)
  if(NOT n EQUAL 1)
    message(SEND_ERROR "${what}: want one line on stderr, got ${n}:\n${err}")
  endif()
  file(GLOB left "${dir}/*" "${dir}/.*")
  list(FILTER left EXCLUDE REGEX "/ro$")
  if(left)
    message(SEND_ERROR "${what}: left files behind: ${left}")
  endif()
endfunction()

expect_fail("stdout closed" "'${ASANAVOX}' render '${session}' -o - >&-" "cannot write -")
expect_fail("stdout is /dev/full" "'${ASANAVOX}' render '${session}' -o - >/dev/full"
            "No space left on device")

# A read-only directory: chmod is enough for a normal user; root ignores
# permissions, so as root mount a read-only tmpfs (or, failing that, make
# the directory immutable).  If neither works here, say so.
file(MAKE_DIRECTORY "${dir}/ro")
execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
set(undo "")
if(NOT uid STREQUAL "0")
  execute_process(COMMAND chmod 0555 "${dir}/ro")
  set(undo chmod 0755 "${dir}/ro")
else()
  execute_process(COMMAND mount -t tmpfs -o ro,size=1m none "${dir}/ro" RESULT_VARIABLE rc
                  ERROR_QUIET)
  if(rc EQUAL 0)
    set(undo umount "${dir}/ro")
  else()
    execute_process(COMMAND chattr +i "${dir}/ro" RESULT_VARIABLE rc ERROR_QUIET)
    if(rc EQUAL 0)
      set(undo chattr -i "${dir}/ro")
    endif()
  endif()
endif()
if(undo)
  execute_process(COMMAND sh -c "'${ASANAVOX}' render '${session}' -o '${dir}/ro/out.wav'"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  file(GLOB inside "${dir}/ro/*" "${dir}/ro/.*")
  execute_process(COMMAND ${undo})
  if(NOT rc EQUAL 1)
    message(SEND_ERROR "read-only directory: exit ${rc}, want 1\n${err}")
  endif()
  if(NOT err MATCHES "^asanavox render: [^\n]+\n$")
    message(SEND_ERROR "read-only directory: want one line, got:\n${err}")
  endif()
  if(inside)
    message(SEND_ERROR "read-only directory: files appeared: ${inside}")
  endif()
else()
  message(WARNING "read-only directory case not run: cannot make a read-only directory here")
endif()
file(REMOVE_RECURSE "${dir}")
