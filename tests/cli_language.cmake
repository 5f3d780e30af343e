# SPDX-License-Identifier: GPL-3.0-or-later
# Practice in other languages, through the program: `phrases`, --language,
# and plan --json of Hindi and Russian sessions (valid UTF-8, valid JSON,
# the text as written).
# Invoked by ctest as: cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_language.cmake

include("${SRC}/tests/support_run.cmake")

# `phrases` prints a catalog as a phrases: block; English by default.
run(0 "  next: Next: {pose}." phrases)
run(0 "  switch_sides: Seitenwechsel." phrases de)
run(0 "  count_10: Десять." phrases ru)
run(0 "usage: asanavox phrases" phrases --help)
run(2 "no built-in phrases for 'xx'; the languages are en, de, es, fr, it, pt, nl, pl, ru, hi" phrases xx)
run(2 "one language at a time" phrases de fr)

# --language picks the phrases and the voice.
run(0 "(voice es at 150 wpm" plan --language es tests/data/language-ru.yoga)
run(0 "\"Descansa.\"" plan --language=es tests/data/language-ru.yoga)
run(2 "--language: no built-in phrases for 'klingon'" plan --language klingon tests/data/language-ru.yoga)

# plan --json of non-Latin sessions: valid UTF-8 (iconv refuses anything
# else), valid JSON, and the names and phrases byte for byte.
foreach(lang hi ru)
  set(file "${BIN}/language-${lang}.json")
  execute_process(COMMAND "${ASANAVOX}" plan --json tests/data/language-${lang}.yoga
                  WORKING_DIRECTORY "${SRC}" OUTPUT_FILE "${file}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "plan --json of language-${lang}.yoga: exit ${rc}")
  endif()
  execute_process(COMMAND iconv -f UTF-8 -t UTF-8 "${file}" OUTPUT_QUIET ERROR_VARIABLE err
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "plan --json of language-${lang}.yoga is not valid UTF-8: ${err}")
  endif()
  file(READ "${file}" json)
  string(JSON title ERROR_VARIABLE jerr GET "${json}" title)
  if(jerr)
    message(SEND_ERROR "plan --json of language-${lang}.yoga is not valid JSON: ${jerr}")
  endif()
  set(json_${lang} "${json}")
  set(title_${lang} "${title}")
endforeach()

function(expect_json lang want)
  string(JSON got GET "${json_${lang}}" ${ARGN})
  if(NOT got STREQUAL want)
    message(SEND_ERROR "language-${lang}.yoga: ${ARGN} is '${got}', want '${want}'")
  endif()
endfunction()
expect_json(hi "सुबह का अभ्यास" title)
expect_json(hi "hi" voice)
expect_json(hi "वृक्षासन, बाईं ओर. बाईं ओर संतुलन बनाएँ।" events 6 text)
expect_json(hi "साँस अंदर लें।" events 1 text)
expect_json(hi "आराम" steps 3 name)
expect_json(ru "Спина утром" title)
expect_json(ru "Кобра, левая сторона. Посмотрите влево." events 6 text)
expect_json(ru "Поза ребёнка с вытянутыми руками" steps 4 name)

# A bad language named on the command line is shown escaped, never raw.
string(ASCII 27 esc)
run(2 "no built-in phrases for 'a\\x1bb'" phrases "a${esc}b")
run(2 "--language: no built-in phrases for 'a\\x1bb'" plan --language "a${esc}b" tests/data/language-ru.yoga)
