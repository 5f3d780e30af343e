# SPDX-License-Identifier: GPL-3.0-or-later
# The manual pages: groff formats both without a single warning, and
# asanavox(1) documents every command and every option that the commands'
# --help lists (both come from the same option tables, so this keeps the
# manual in step with the program).
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_man.cmake

if(NOT EXISTS "${BIN}/man/asanavox.1")
  message(STATUS "manual pages not built (ASANAVOX_MAN=OFF): nothing to check")
  return()
endif()

foreach(page asanavox.1 asanavox-session.5)
  execute_process(COMMAND groff -ww -z -man "${BIN}/man/${page}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT "${out}${err}" STREQUAL "")
    message(SEND_ERROR "groff -ww -z -man ${page}: exit ${rc}\n${out}${err}")
  endif()
endforeach()

file(READ "${BIN}/man/asanavox.1" man)
foreach(cmd list check plan render play devices voices phrases config history help)
  string(FIND "${man}" "\\fB${cmd}\\fR" at)
  if(at EQUAL -1)
    message(SEND_ERROR "asanavox.1 does not describe the command '${cmd}'")
  endif()
endforeach()
foreach(cmd list check plan render play devices voices config history)
  execute_process(COMMAND "${ASANAVOX}" ${cmd} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  string(REGEX MATCHALL "--[a-z][a-z-]*" opts "${help}")
  list(REMOVE_DUPLICATES opts)
  list(LENGTH opts n)
  if(NOT rc EQUAL 0 OR n LESS 2)
    message(SEND_ERROR "${cmd} --help: exit ${rc}, ${n} options:\n${help}")
  endif()
  foreach(opt ${opts})
    string(FIND "${man}" "\\fB${opt}\\fR" at)
    if(at EQUAL -1)
      message(SEND_ERROR "asanavox.1 does not document ${cmd} ${opt}")
    endif()
  endforeach()
endforeach()
