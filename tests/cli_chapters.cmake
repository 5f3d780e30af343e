# SPDX-License-Identifier: GPL-3.0-or-later
# Chapters as a player sees them: every format, written to a file and to
# standard output (`-o - --format`), read back with FFmpeg's ffprobe, must
# have the chapters `plan --chapters` prints, each start (and each end but
# the last, which is where the decoder says the stream ends) to the
# millisecond, and the title tag.  Skipped with a note when ffprobe is not
# installed (./dev installs it); tests/test_tags.c checks the same without
# FFmpeg, by parsing the files.
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_chapters.cmake

find_program(FFPROBE ffprobe)
if(NOT FFPROBE)
  message(STATUS "ffprobe is not installed: chapters not checked with FFmpeg")
  return()
endif()

set(session "${SRC}/tests/data/render-basic.yoga")
set(dir "${BIN}/chapters-test")
file(REMOVE_RECURSE "${dir}")
file(MAKE_DIRECTORY "${dir}")

execute_process(COMMAND "${ASANAVOX}" plan --chapters "${session}"
                OUTPUT_VARIABLE meta RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "plan --chapters failed (${rc})")
endif()
string(REGEX MATCHALL "START=[0-9]+" starts "${meta}")
string(REGEX MATCHALL "END=[0-9]+" ends "${meta}")
string(REGEX MATCHALL "\ntitle=[^\n]*" titles "${meta}")
list(POP_FRONT titles) # the file's own title, not a chapter's
list(LENGTH starts n)
if(n LESS 3)
  message(FATAL_ERROR "plan --chapters lists ${n} chapters:\n${meta}")
endif()

# "12.345678" seconds -> milliseconds, rounded.
function(to_ms seconds out)
  string(REGEX MATCH "^([0-9]+)\\.([0-9]+)$" ok "${seconds}")
  if(NOT ok)
    message(SEND_ERROR "not a time: '${seconds}'")
    set(${out} -1 PARENT_SCOPE)
    return()
  endif()
  set(whole "${CMAKE_MATCH_1}")
  string(SUBSTRING "${CMAKE_MATCH_2}000000" 0 6 micro)
  string(REGEX REPLACE "^0+([0-9])" "\\1" micro "${micro}")
  math(EXPR ms "(${whole} * 1000000 + ${micro} + 500) / 1000")
  set(${out} ${ms} PARENT_SCOPE)
endfunction()

foreach(fmt wav flac ogg opus mp3)
  foreach(how file stream)
    set(out "${dir}/${how}.${fmt}")
    if(how STREQUAL "file")
      execute_process(COMMAND "${ASANAVOX}" render "${session}" -o "${out}"
                      RESULT_VARIABLE rc ERROR_VARIABLE err)
    else()
      execute_process(COMMAND "${ASANAVOX}" render "${session}" -o - --format ${fmt}
                      OUTPUT_FILE "${out}" RESULT_VARIABLE rc ERROR_VARIABLE err)
    endif()
    if(NOT rc EQUAL 0)
      message(SEND_ERROR "render ${how} ${fmt}: exit ${rc}\n${err}")
      continue()
    endif()
    execute_process(COMMAND "${FFPROBE}" -v error -show_entries
                      "chapter=start_time,end_time:chapter_tags=title:format_tags=title"
                      -of "default=noprint_wrappers=1" "${out}"
                    OUTPUT_VARIABLE probe RESULT_VARIABLE rc)
    string(REGEX MATCHALL "start_time=[0-9.]+" got_starts "${probe}")
    string(REGEX MATCHALL "end_time=[0-9.]+" got_ends "${probe}")
    string(REGEX MATCHALL "TAG:title=[^\n]*" got_titles "${probe}")
    list(LENGTH got_starts m)
    if(NOT rc EQUAL 0 OR NOT m EQUAL n)
      message(SEND_ERROR "${how}.${fmt}: ffprobe finds ${m} chapters, want ${n}:\n${probe}")
      continue()
    endif()
    string(TOLOWER "${probe}" lower)
    string(FIND "${lower}" "tag:title=render test" at)
    if(at EQUAL -1)
      message(SEND_ERROR "${how}.${fmt}: no title tag:\n${probe}")
    endif()
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${last})
      list(GET starts ${i} want)
      string(REPLACE "START=" "" want "${want}")
      list(GET got_starts ${i} got)
      string(REPLACE "start_time=" "" got "${got}")
      to_ms("${got}" got)
      if(NOT got EQUAL want)
        message(SEND_ERROR "${how}.${fmt}: chapter ${i} starts at ${got} ms, want ${want}")
      endif()
      if(i LESS last)
        list(GET ends ${i} want)
        string(REPLACE "END=" "" want "${want}")
        list(GET got_ends ${i} got)
        string(REPLACE "end_time=" "" got "${got}")
        to_ms("${got}" got)
        if(NOT got EQUAL want)
          message(SEND_ERROR "${how}.${fmt}: chapter ${i} ends at ${got} ms, want ${want}")
        endif()
      endif()
      list(GET titles ${i} want)
      string(REPLACE "\ntitle=" "" want "${want}")
      string(FIND "${probe}" "TAG:title=${want}\n" at)
      if(at EQUAL -1)
        message(SEND_ERROR "${how}.${fmt}: no chapter titled '${want}':\n${probe}")
      endif()
    endforeach()
  endforeach()
endforeach()
file(REMOVE_RECURSE "${dir}")
