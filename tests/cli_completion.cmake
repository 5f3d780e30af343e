# SPDX-License-Identifier: GPL-3.0-or-later
# Shell completion: bash, fish and zsh complete commands, options and
# session names for real (each shell runs the script against the built
# program; zsh in a pseudo-terminal, tests/zsh_complete.zsh).  All three must offer every option that each
# command's --help lists.  A shell that is not installed is skipped with a
# note (./dev installs all three).
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_completion.cmake

get_filename_component(exe_dir "${ASANAVOX}" DIRECTORY)
set(ENV{PATH} "${exe_dir}:$ENV{PATH}")
set(dir "${SRC}/completions")

function(expect what got needle)
  string(FIND "${got}" "${needle}" at)
  if(at EQUAL -1)
    message(SEND_ERROR "${what}: lacks '${needle}':\n${got}")
  endif()
endfunction()

# Every option of every command is in every script.
foreach(script asanavox.bash _asanavox asanavox.fish)
  file(READ "${dir}/${script}" text)
  foreach(cmd list check plan render play devices)
    execute_process(COMMAND "${ASANAVOX}" ${cmd} --help OUTPUT_VARIABLE help)
    string(REGEX MATCHALL "--[a-z][a-z-]*" opts "${help}")
    list(REMOVE_DUPLICATES opts)
    foreach(opt ${opts})
      string(REGEX REPLACE "^--" "" name "${opt}")
      # bash and zsh spell options out; fish as "-l NAME".
      if(NOT text MATCHES "--${name}[^a-z-]" AND NOT text MATCHES "-l ${name}[^a-z-]")
        message(SEND_ERROR "${script} does not complete ${cmd} ${opt}")
      endif()
    endforeach()
  endforeach()
endforeach()

find_program(BASH bash)
if(BASH AND EXISTS /usr/share/bash-completion/bash_completion)
  set(t [=[
source /usr/share/bash-completion/bash_completion
source "$1"
t() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
      COMPREPLY=(); _asanavox; echo "[$*] ${COMPREPLY[*]}"; }
t asanavox pl
t asanavox plan upper-back-f
t asanavox render --mo
t asanavox play --fr
t asanavox help ren
t asanavox list --
]=])
  execute_process(COMMAND "${BASH}" -c "${t}" bash "${dir}/asanavox.bash"
                  WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE out ERROR_VARIABLE err)
  expect("bash" "${out}${err}" "[asanavox pl] plan play\n")
  # The session and its translations (docs/SESSIONS.md).
  expect("bash" "${out}" "[asanavox plan upper-back-f] upper-back-flow upper-back-flow.de upper-back-flow.es upper-back-flow.fr\n")
  expect("bash" "${out}" "[asanavox render --mo] --mono\n")
  expect("bash" "${out}" "[asanavox play --fr] --from\n")
  expect("bash" "${out}" "[asanavox help ren] render\n")
  expect("bash" "${out}" "[asanavox list --] --json --names --no-cache --help --version\n")
else()
  message(STATUS "bash-completion is not installed: bash completion not run")
endif()

find_program(FISH fish)
if(FISH)
  execute_process(COMMAND "${FISH}" --no-config -c
                    "source '${dir}/asanavox.fish'; complete -C 'asanavox pl'; complete -C 'asanavox plan upper-back-f'; complete -C 'asanavox render --mo'; complete -C 'asanavox play --st'"
                  WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE out ERROR_VARIABLE err)
  expect("fish" "${out}${err}" "plan\tprint the compiled timeline")
  expect("fish" "${out}" "play\tplay a session")
  expect("fish" "${out}" "upper-back-flow\tsession")
  expect("fish" "${out}" "--mono\tone channel")
  expect("fish" "${out}" "--stats\t")
else()
  message(STATUS "fish is not installed: fish completion not run")
endif()

find_program(ZSH zsh)
if(ZSH)
  execute_process(COMMAND "${ZSH}" -n "${dir}/_asanavox" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "zsh -n _asanavox: ${err}")
  endif()
  execute_process(COMMAND timeout 60 "${ZSH}" -f "${SRC}/tests/zsh_complete.zsh" "${dir}"
                          "${exe_dir}" "${SRC}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT out STREQUAL "OK command\nOK option\nOK session\n")
    message(SEND_ERROR "zsh completion (exit ${rc}): want OK command, option and session:\n${out}${err}")
  endif()
else()
  message(STATUS "zsh is not installed: _asanavox not parsed")
endif()
