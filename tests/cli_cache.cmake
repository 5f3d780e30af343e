# SPDX-License-Identifier: GPL-3.0-or-later
# The caches in $XDG_CACHE_HOME/asanavox: warm runs print exactly what cold
# runs and --no-cache runs print (renders: the same bytes); `list` notices an
# edited session, an edited include and a new file that shadows an include;
# damaged speech and clips entries are re-made; `cache clear` empties them
# all.
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_cache.cmake

# The program runs as if installed in ${work} (a copy without the build
# tree's marker next to it), so the sessions are only these few and not the
# whole library of the source tree: sessions in share/asanavox/sessions,
# the shipped sounds linked into share/asanavox/sounds.
set(work "${BIN}/cache-test")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}/bin" "${work}/share/asanavox/sessions" "${work}/other"
     "${work}/xdg-data")
file(COPY "${ASANAVOX}" DESTINATION "${work}/bin")
get_filename_component(exe "${ASANAVOX}" NAME)
set(ASANAVOX "${work}/bin/${exe}")
file(CREATE_LINK "${SRC}/sounds" "${work}/share/asanavox/sounds" SYMBOLIC)
file(CREATE_LINK "${work}/share/asanavox/sessions" "${work}/sessions" SYMBOLIC)
set(ENV{XDG_CACHE_HOME} "${work}/xdg-cache")
set(ENV{XDG_DATA_HOME} "${work}/xdg-data")
set(ENV{XDG_DATA_DIRS} "${work}/xdg-data")
set(ENV{ASANAVOX_PATH} "${work}/other")
set(cache "${work}/xdg-cache/asanavox")

file(WRITE "${work}/sessions/main.yoga"
  "title: Cache test\npace: 2 3\nsay Welcome to the cache test.\ninclude part\n")
file(WRITE "${work}/sessions/part.yoga"
  "title: Part\npose Mountain, 2 breaths\n  Stand tall.\n")

function(run)
  execute_process(COMMAND "${ASANAVOX}" ${ARGN} WORKING_DIRECTORY "${work}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "asanavox ${ARGN}: exit ${rc}\n${out}${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

function(entries sub var)
  file(GLOB e "${cache}/${sub}/*.ent")
  list(LENGTH e n)
  set(${var} ${n} PARENT_SCOPE)
endfunction()

function(same what a b)
  if(NOT "${a}" STREQUAL "${b}")
    message(SEND_ERROR "${what} differ:\n--- first\n${a}\n--- second\n${b}")
  endif()
endfunction()

# plan: cold, warm and without the cache agree to the byte.
run(plan --json sessions/main.yoga)
set(cold "${out}")
entries(speech n)
if(n LESS 3)
  message(SEND_ERROR "plan left ${n} speech entries, want at least 3")
endif()
run(plan --json sessions/main.yoga)
same("plan cold and warm" "${cold}" "${out}")
run(plan --json --no-cache sessions/main.yoga)
same("plan cached and --no-cache" "${cold}" "${out}")

# A damaged speech entry is re-made, never used.
file(GLOB speech "${cache}/speech/*.ent")
foreach(f ${speech})
  file(SIZE "${f}" size)
  if(size GREATER 1000)
    file(READ "${f}" head LIMIT 600 HEX)
    file(WRITE "${f}" "")       # emptied
    break()
  endif()
endforeach()
run(plan --json sessions/main.yoga)
same("plan after a damaged entry" "${cold}" "${out}")
entries(speech n2)
if(NOT n2 EQUAL n)
  message(SEND_ERROR "damaged entry not re-made: ${n2} entries, had ${n}")
endif()

# render: cold (speech resampled and measured, then kept in clips/), warm
# (read back) and --no-cache write the same bytes.
run(render sessions/main.yoga -q -o "${work}/cold.wav")
entries(clips nclips)
if(nclips LESS 4)
  message(SEND_ERROR "render left ${nclips} clips entries, want at least 4")
endif()
run(render sessions/main.yoga -q -o "${work}/warm.wav")
run(render sessions/main.yoga -q --no-cache -o "${work}/nocache.wav")
file(SHA256 "${work}/cold.wav" h_cold)
file(SHA256 "${work}/warm.wav" h_warm)
file(SHA256 "${work}/nocache.wav" h_nocache)
same("render cold and warm" "${h_cold}" "${h_warm}")
same("render cached and --no-cache" "${h_cold}" "${h_nocache}")
# Truncated clips entries are re-made, never played.
file(GLOB clips "${cache}/clips/*.ent")
foreach(f ${clips})
  file(WRITE "${f}" "AVXCACH1")
endforeach()
run(render sessions/main.yoga -q -o "${work}/mended.wav")
file(SHA256 "${work}/mended.wav" h_mended)
same("render with truncated clips entries" "${h_cold}" "${h_mended}")
file(GLOB clips "${cache}/clips/*.ent")
foreach(f ${clips})
  file(SIZE "${f}" size)
  if(size LESS 100)
    message(SEND_ERROR "clips entry ${f} not re-made (${size} bytes)")
  endif()
endforeach()

# list: warm equals cold equals --no-cache.
run(list --json)
set(list1 "${out}")
string(FIND "${list1}" "\"name\": \"main\"" at)
if(at EQUAL -1)
  message(SEND_ERROR "list lacks the test session:\n${list1}")
endif()
entries(list n)
if(n LESS 2)
  message(SEND_ERROR "list left ${n} summary entries, want 2")
endif()
run(list --json)
same("list cold and warm" "${list1}" "${out}")
run(list --json --no-cache)
same("list cached and --no-cache" "${list1}" "${out}")
# A summary is this build's answer: another build of the program (here the
# same executable with another modification time, as after a rebuild or an
# upgrade that changes the default voice or the layout) works the sessions
# out again instead of showing what its predecessor found.
execute_process(COMMAND touch -d "2001-02-03 04:05:06" "${ASANAVOX}" RESULT_VARIABLE rc)
run(list --json)
same("list after a rebuild" "${list1}" "${out}")
entries(list n)
if(NOT n EQUAL 4)
  message(SEND_ERROR "a rebuilt program left ${n} summary entries, want 4 (2 of each build)")
endif()

# list and plan agree on the length to the microsecond (each text sounds
# the same whatever was spoken before it, in whichever command).
string(JSON nsess LENGTH "${list1}" sessions)
math(EXPR last "${nsess} - 1")
set(listed "")
foreach(k RANGE ${last})
  string(JSON nm GET "${list1}" sessions ${k} name)
  if(nm STREQUAL "main")
    string(JSON listed GET "${list1}" sessions ${k} duration)
  endif()
endforeach()
string(JSON planned GET "${cold}" duration)
if(NOT listed STREQUAL planned)
  message(SEND_ERROR "list says ${listed} s, plan says ${planned} s")
endif()

# Edit the include: the length in `list` follows at once.
file(APPEND "${work}/sessions/part.yoga" "pose Tree, 4 breaths\n  Find a point to look at.\n")
run(list --json)
set(list2 "${out}")
if("${list2}" STREQUAL "${list1}")
  message(SEND_ERROR "list did not notice an edited include:\n${list2}")
endif()
run(list --json --no-cache)
same("list after an edit, cached and --no-cache" "${list2}" "${out}")

# Edit the session itself (the title).
file(WRITE "${work}/sessions/main.yoga"
  "title: Cache test, renamed\npace: 2 3\nsay Welcome to the cache test.\ninclude part\n")
run(list)
string(FIND "${out}" "Cache test, renamed" at)
if(at EQUAL -1)
  message(SEND_ERROR "list did not notice an edited title:\n${out}")
endif()

# A file that now shadows the include (the including file's directory
# comes first, so move the include away and shadow it on the path).
file(RENAME "${work}/sessions/part.yoga" "${work}/other/part.yoga")
run(list --json)
set(list3 "${out}")
file(WRITE "${work}/sessions/part.yoga" "title: Part\npose Mountain, 8 breaths\n  Stand tall.\n")
run(list --json)
if("${out}" STREQUAL "${list3}")
  message(SEND_ERROR "list did not notice a shadowing include:\n${out}")
endif()
run(list --json --no-cache)
set(nocache "${out}")
run(list --json)
same("list after shadowing, cached and --no-cache" "${nocache}" "${out}")

# cache clear empties every cache.
run(cache clear)
entries(speech n)
entries(list m)
entries(clips k)
if(NOT n EQUAL 0 OR NOT m EQUAL 0 OR NOT k EQUAL 0)
  message(SEND_ERROR "cache clear left ${n} speech, ${m} list and ${k} clips entries")
endif()
# --no-cache writes nothing.
run(plan --no-cache sessions/main.yoga)
run(render --no-cache -q sessions/main.yoga -o "${work}/nocache.wav")
entries(speech n)
entries(clips k)
if(NOT n EQUAL 0 OR NOT k EQUAL 0)
  message(SEND_ERROR "plan and render --no-cache wrote ${n} speech and ${k} clips entries")
endif()
file(REMOVE_RECURSE "${work}")
