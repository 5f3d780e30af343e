# SPDX-License-Identifier: GPL-3.0-or-later
# The command-line contract: exit statuses, help, version, session lookup,
# and files too large to read.  Invoked by ctest as:
#   cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_commands.cmake

include("${SRC}/tests/support_run.cmake")

run(0 "usage: asanavox COMMAND" --help)
run(0 "asanavox 0.1" --version)
run(0 "asanavox 0.1" plan --version)
run(2 "unknown command 'plna'" plna)
run(2 "usage: asanavox COMMAND")
foreach(cmd check plan list)
  run(0 "usage: asanavox ${cmd}" ${cmd} --help)
endforeach()
run(2 "unknown option '--bogus'" plan --bogus upper-back-flow)
run(2 "--pace wants" plan --pace 4 upper-back-flow)
run(2 "--speed wants" plan --speed 20 upper-back-flow)
run(2 "--prompts wants" plan --prompts lots upper-back-flow)

# A valid session: check is silent and exits 0.
run(0 "" check tests/golden/plan-box-breath.yoga)
if(NOT "${last_out}${last_err}" STREQUAL "")
  message(SEND_ERROR "check of a valid session printed:\n${last_out}${last_err}")
endif()
# Errors: exit 2, path:line:col, source line and caret.
run(2 "tests/golden/check-errors.yoga:4:1: error: unknown keyword 'psoe' (did you mean 'pose'?)"
    check tests/golden/check-errors.yoga)
# Several files: the worst status wins, every file is reported.
run(2 "check-errors.yoga:2:7" check tests/golden/plan-box-breath.yoga tests/golden/check-errors.yoga)

# Missing sessions, by name and by path.
run(2 "no session named 'no-such-session'" plan no-such-session)
run(2 "nope.yoga: no such file" check nope.yoga)
run(2 "not a session name" plan ".hidden")
run(2 "no session named 'bad name'" plan "bad name")  # names with spaces are names (issue 11)

# Lookup by name through $ASANAVOX_PATH.
set(ENV{ASANAVOX_PATH} "${SRC}/tests/golden")
run(0 "Box breathing" plan plan-box-breath)
run(0 "plan-box-breath" list)
run(0 "\"name\": \"plan-box-breath\"" list --json)
set(ENV{ASANAVOX_PATH} "")

# Options change the plan.
run(0 "voice en-gb at 200 wpm, 44100 Hz" plan tests/golden/plan-box-breath.yoga --voice en-gb --speed 200 --rate 44100)
run(0 "\"sample_rate\": 44100" plan tests/golden/plan-box-breath.yoga --json --rate=44100)
run(2 "voice 'xx-nope' cannot be used" plan tests/golden/plan-box-breath.yoga --voice xx-nope)

# A file over 1 MiB is refused without being read whole; so is a 50 MB one.
file(MAKE_DIRECTORY "${BIN}/cli-tmp")
string(REPEAT "say Hello there.\n" 70000 big)
file(WRITE "${BIN}/cli-tmp/big.yoga" "${big}")
run(2 "larger than 1 MiB" check "${BIN}/cli-tmp/big.yoga")
execute_process(COMMAND truncate -s 50M "${BIN}/cli-tmp/huge.yoga")
run(2 "larger than 1 MiB" check "${BIN}/cli-tmp/huge.yoga")
# Binary junk: a clear error, no crash.
execute_process(COMMAND head -c 4096 /dev/urandom OUTPUT_FILE "${BIN}/cli-tmp/junk.yoga")
run(2 "error:" check "${BIN}/cli-tmp/junk.yoga")
file(REMOVE_RECURSE "${BIN}/cli-tmp")

# The option parser end to end (tests/test_cli.c has the cases one by one):
# "help COMMAND" is "COMMAND --help"; --opt=value, prefixes and "--".
foreach(cmd check plan list render play devices)
  run(0 "usage: asanavox ${cmd}" help ${cmd})
endforeach()
run(2 "no command 'plna'" help plna)
run(0 "asanavox 0.1" render --vers)
run(0 "voice en-gb at 200 wpm, 22050 Hz"
    plan --voi=en-gb --sp 200 --ra=22050 -- tests/golden/plan-box-breath.yoga)
run(2 "option '--v' is ambiguous" plan --v en-gb tests/golden/plan-box-breath.yoga)
run(2 "no session named '--json'" plan -- --json)
run(2 "--json takes no value" plan --json=yes tests/golden/plan-box-breath.yoga)
run(2 "-o needs a value" render tests/golden/plan-box-breath.yoga -o)

# "-" is a session on standard input, for every command that takes one;
# its errors are shown as <stdin>.
execute_process(COMMAND "${ASANAVOX}" plan --json -
                INPUT_FILE "${SRC}/tests/golden/plan-box-breath.yoga"
                WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
execute_process(COMMAND "${ASANAVOX}" plan --json tests/golden/plan-box-breath.yoga
                WORKING_DIRECTORY "${SRC}" OUTPUT_VARIABLE want)
string(REPLACE "\"file\": \"tests/golden/plan-box-breath.yoga\"" "\"file\": \"<stdin>\"" want "${want}")
if(NOT rc EQUAL 0 OR NOT out STREQUAL want)
  message(SEND_ERROR "plan - (stdin): exit ${rc}, output differs from the file's plan:\n${out}")
endif()
execute_process(COMMAND "${ASANAVOX}" check -
                INPUT_FILE "${SRC}/tests/golden/check-errors.yoga"
                WORKING_DIRECTORY "${SRC}" ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 2 OR NOT err MATCHES "^<stdin>:[0-9]+:[0-9]+: error: ")
  message(SEND_ERROR "check - with errors: exit ${rc}, want 2 and <stdin>:L:C:\n${err}")
endif()

# Interrupted commands exit 128 + the signal: 130 after Ctrl-C, 143 after
# SIGTERM.  `plan -` reads a FIFO that the shell holds open for writing, so
# it waits and the signal always comes mid-command; timeout
# --preserve-status passes the status on.
file(MAKE_DIRECTORY "${BIN}/cli-signal")
foreach(pair "INT;130" "TERM;143")
  list(GET pair 0 sig)
  list(GET pair 1 want)
  set(fifo "${BIN}/cli-signal/fifo")
  file(REMOVE "${fifo}")
  execute_process(COMMAND sh -c "mkfifo '${fifo}' && exec 4<>'${fifo}' && timeout --preserve-status -s ${sig} 0.5 '${ASANAVOX}' plan - <'${fifo}'"
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL want)
    message(SEND_ERROR "plan - interrupted by SIG${sig}: exit ${rc}, want ${want}")
  endif()
endforeach()
file(REMOVE_RECURSE "${BIN}/cli-signal")

# render --format and Opus's rates; plan --chapters.
run(2 "--format wants wav, flac, ogg, opus or mp3" render tests/data/render-basic.yoga --format aiff -o -)
run(2 "is named as flac but --format says mp3" render tests/data/render-basic.yoga -o x.flac --format mp3)
run(2 "Opus takes --rate 8000, 12000, 16000, 24000 or 48000" render tests/data/render-basic.yoga -o x.opus --rate 44100)
run(2 "--json or --chapters, not both" plan --json --chapters tests/data/render-basic.yoga)
run(0 ";FFMETADATA1\ntitle=Render test\nartist=asanavox\nalbum=data\n" plan --chapters tests/data/render-basic.yoga)
