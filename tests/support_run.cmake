# SPDX-License-Identifier: GPL-3.0-or-later
# run(EXPECT_RC EXPECT_OUT ARGS...): the script tests' one way to run the
# program from the source tree.  It fails the test (SEND_ERROR, so every
# failure of a script is reported) when the exit status differs or when
# EXPECT_OUT is not empty and not found in standard output + error; the
# caller gets both outputs in last_out and last_err.  Included by
# cli_commands, cli_config, cli_language and cli_variants (named so that
# the cli_*.cmake glob does not run it as a test of its own).
function(run expect_rc expect_out)
  execute_process(COMMAND "${ASANAVOX}" ${ARGN}
                  WORKING_DIRECTORY "${SRC}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL expect_rc)
    message(SEND_ERROR "asanavox ${ARGN}: exit ${rc}, want ${expect_rc}\n${out}${err}")
  endif()
  if(NOT "${expect_out}" STREQUAL "")
    string(FIND "${out}${err}" "${expect_out}" at)
    if(at EQUAL -1)
      message(SEND_ERROR "asanavox ${ARGN}: output lacks '${expect_out}':\n${out}${err}")
    endif()
  endif()
  set(last_out "${out}" PARENT_SCOPE)
  set(last_err "${err}" PARENT_SCOPE)
endfunction()
