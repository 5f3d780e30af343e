# SPDX-License-Identifier: GPL-3.0-or-later
# A relocatable install: `cmake --install` into a temporary prefix, the tree
# moved somewhere else, and the moved program run from a third directory.
# It must find the installed sessions and sounds relative to itself
# (datadirs.h), carry no path of the build machine, and ignore the current
# directory's sessions/ (it is not a development build).
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_install.cmake

set(tmp "${BIN}/install-test")
file(REMOVE_RECURSE "${tmp}")
file(MAKE_DIRECTORY "${tmp}/moved" "${tmp}/elsewhere/sessions" "${tmp}/empty")

execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BIN}" --prefix "${tmp}/stage" --strip
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${err}")
endif()
file(RENAME "${tmp}/stage" "${tmp}/moved/prefix")
set(prefix "${tmp}/moved/prefix")
set(exe "${prefix}/bin/asanavox")
foreach(f bin/asanavox share/asanavox/sessions/upper-back-flow.yoga share/asanavox/sounds/bowl.wav
          share/doc/asanavox/LICENSE share/doc/asanavox/README.md)
  if(NOT EXISTS "${prefix}/${f}")
    message(SEND_ERROR "not installed: ${f}")
  endif()
endforeach()
if(EXISTS "${prefix}/bin/asanavox-source-dir")
  message(SEND_ERROR "the development marker was installed")
endif()

# No path of this machine's source or build tree in the installed program.
# (A sanitizer build keeps its source file names for its reports, in data
# that strip leaves alone, so there the check means nothing.)
if(SANITIZE)
  message(STATUS "sanitizer build: the installed program keeps source names for its reports")
else()
  file(STRINGS "${exe}" leaks REGEX "${SRC}|${BIN}")
  if(leaks)
    message(SEND_ERROR "the installed program names the build machine's trees: ${leaks}")
  endif()
endif()

# A decoy in the current directory: only a development build would see it.
file(WRITE "${tmp}/elsewhere/sessions/decoy.yoga" "title: Decoy\nsay Not me.\n")
# Only the moved install may provide data: the user's and the system's
# data directories point at empty places.
set(ENV{ASANAVOX_PATH} "")
set(ENV{XDG_DATA_HOME} "${tmp}/empty")
set(ENV{XDG_DATA_DIRS} "${tmp}/empty")

execute_process(COMMAND "${exe}" list WORKING_DIRECTORY "${tmp}/elsewhere"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "upper-back-flow +[0-9]+:[0-9][0-9]  Upper back flow")
  message(SEND_ERROR "moved install: list (exit ${rc}) lacks the library:\n${out}${err}")
endif()
if(out MATCHES "decoy")
  message(SEND_ERROR "moved install: list shows the current directory's sessions:\n${out}")
endif()
execute_process(COMMAND "${exe}" list --json WORKING_DIRECTORY "${tmp}/elsewhere"
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
string(FIND "${out}" "\"path\": \"${prefix}/share/asanavox/sessions/morning-5.yoga\"" at)
if(at EQUAL -1)
  message(SEND_ERROR "moved install: list --json does not name the moved tree:\n${out}")
endif()

# Render a library session: its bells come from the moved tree's sounds.
execute_process(COMMAND "${exe}" render morning-5 -o m.flac --rate 8000 --mono
                WORKING_DIRECTORY "${tmp}/elsewhere"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
file(SIZE "${tmp}/elsewhere/m.flac" size)
if(NOT rc EQUAL 0 OR size LESS 10000)
  message(SEND_ERROR "moved install: render exit ${rc}, ${size} bytes:\n${out}${err}")
endif()
# Without the moved tree's sounds the same session cannot be rendered:
# proof that they, and nothing else, were used.
file(RENAME "${prefix}/share/asanavox/sounds" "${prefix}/share/asanavox/sounds-away")
execute_process(COMMAND "${exe}" check morning-5 WORKING_DIRECTORY "${tmp}/elsewhere"
                ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 2 OR NOT err MATCHES "sound")
  message(SEND_ERROR "moved install without sounds: check exit ${rc}, want 2 and a missing sound:\n${err}")
endif()
file(REMOVE_RECURSE "${tmp}")
