# SPDX-License-Identifier: GPL-3.0-or-later
# Preferences (cli_config.h) and the practice log's command: the config
# file's place, its precedence (command line > config > session header),
# errors naming the file and line, `asanavox config`, render's default
# output from the config, and `history` on an empty and a written log.
# Invoked by ctest as:
#   cmake -DASANAVOX=... -DSRC=... -DBIN=... -P cli_config.cmake

set(home "${BIN}/cli-config-test")
file(REMOVE_RECURSE "${home}")
file(MAKE_DIRECTORY "${home}/config/asanavox" "${home}/out")
set(ENV{XDG_CONFIG_HOME} "${home}/config")
set(ENV{XDG_STATE_HOME} "${home}/state")
set(cfg "${home}/config/asanavox/config")

include("${SRC}/tests/support_run.cmake")

function(lacks text)
  string(FIND "${last_out}${last_err}" "${text}" at)
  if(NOT at EQUAL -1)
    message(SEND_ERROR "output has '${text}' and should not:\n${last_out}${last_err}")
  endif()
endfunction()

set(session tests/data/play-short.yoga)   # no voice: or speed: header
set(headed tests/data/config-headed.yoga)  # voice: en-gb, speed: 120

# No file: every setting is its default, and plan shows the built-in voice.
run(0 "(not there: every setting is its default)" config)
run(0 "voice            the session's voice:, else en-us+klatt2" config)
run(0 "\"voice\": \"en-us+klatt2\"" plan ${session} --json)
run(0 "${cfg}" config --path)

# The config beats the built-in default and the session's header ...
file(WRITE "${cfg}" "# mine\nvoice: en-us  # the US voice\nSpeed: 175\n\nprompts: none\n")
run(0 "\"speed\": 175" plan ${session} --json)
run(0 "\"voice\": \"en-us\"" plan ${headed} --json)
run(0 "\"speed\": 175" plan ${headed} --json)
# ... and the command line beats the config.
run(0 "\"speed\": 200" plan ${headed} --json --speed 200)
run(0 "\"voice\": \"en-gb\"" plan ${headed} --json --voice=en-gb)
# `config` says where each setting comes from.
run(0 "speed            175                                      config line 3" config)
run(0 "voice            en-us                                    config line 2" config)
run(0 "pace             the session's pace:                      default" config)

# Errors name the file and the line; the command does not run.
file(WRITE "${cfg}" "voice: en-us\nspeed: 9000\n")
run(2 "asanavox plan: ${cfg}:2: --speed wants words per minute, 80 to 450" plan ${session})
file(WRITE "${cfg}" "voice: en-us\n\nsped: 120\n")
run(2 "${cfg}:3:1: error: unknown key 'sped'" plan ${session})
run(2 "${cfg}:3:1: error: unknown key 'sped'" config)
file(WRITE "${cfg}" "voice: en-us\nvoice: en-gb\n")
run(2 "${cfg}:2:1: error: 'voice:' is given twice (first on line 1)" render ${session})
file(WRITE "${cfg}" "history: maybe\n")
run(2 "${cfg}:1:10: error: 'history:' wants yes or no" config)
file(WRITE "${cfg}" "just words\n")
run(2 "${cfg}:1:1: error: expected 'key: value'" config)
string(ASCII 1 ctl)
file(WRITE "${cfg}" "voice: en${ctl}us\n")
run(2 "${cfg}:1:10: error: control character (byte 1)" config)
string(ASCII 255 ff)
file(WRITE "${cfg}" "voice: en${ff}us\n")
run(2 "${cfg}:1:10: error: not UTF-8 text (byte 0xff)" config)
file(WRITE "${cfg}" "volume:\n")
run(2 "${cfg}:1:7: error: 'volume:' needs a value" config)

# A key this build has no option for is kept and said so; known options
# that a command lacks (device for render) are left to the others.
file(WRITE "${cfg}" "device: nothing-here\nmono: yes\nformat: flac\noutput-dir: ${home}/out\n")
run(0 "device           nothing-here" config)
run(0 "" render ${session})
if(NOT EXISTS "${home}/out/play-short.flac")
  message(SEND_ERROR "render did not write ${home}/out/play-short.flac:\n${last_err}")
endif()
# The one line when done: path, length, size; mono from the config.
run(0 "wrote ${home}/out/play-short.flac (0:1" render ${session})
run(0 "Hz mono)" render ${session})
run(0 "" render ${session} -q -o "${home}/out/quiet.wav")
if(NOT "${last_err}" STREQUAL "")
  message(SEND_ERROR "render -q printed:\n${last_err}")
endif()
file(WRITE "${cfg}" "delay: soon\n")
run(2 "asanavox play: ${cfg}:1: --delay wants a time" play ${session})
file(WRITE "${cfg}" "format: aiff\n")
run(2 "${cfg}:1:1: error: 'format:' wants wav, flac, ogg, opus or mp3" render ${session})
file(REMOVE "${cfg}")

# history: nothing logged, then a written log (see test_play.c for lines
# that play writes).
run(0 "No practice logged yet" history)
run(0 "\"sessions\": 0" history --json)
# (string(TIMESTAMP) honours SOURCE_DATE_EPOCH, which ctest sets for
# reproducible renders: today is wanted here.)
unset(ENV{SOURCE_DATE_EPOCH})
string(TIMESTAMP today "%Y-%m-%dT%H:%M:%S" UTC)
file(MAKE_DIRECTORY "${home}/state/asanavox")
file(WRITE "${home}/state/asanavox/history"
  "2020-01-01T07:00:00+0000\told-one\t30.0\tcompleted\n"
  "garbage line\n"
  "${today}+0000\tmorning-5\t4.5\tstopped at 2:28 (step 5/23 Child's pose)\n")
run(0 "morning-5" history)
run(0 "stopped at 2:28 (step 5/23 Child's pose)" history)
run(0 "run:        1 day" history)
run(0 "\"sessions\": 2" history --json)
run(0 "\"completed\": false" history --json)
run(0 "\"total_minutes\": 34.5" history --json)
run(0 "old-one" history --count 2)
run(0 "" history --count 1)
lacks("old-one")
