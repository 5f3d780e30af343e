# fish completion for asanavox(1): commands, each command's options, and
# session names (from `asanavox list --names`, which compiles nothing).
# Installed as share/fish/vendor_completions.d/asanavox.fish.

set -l commands list check plan render play devices voices cache phrases config history help

complete -c asanavox -f
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a list -d 'list the sessions on the search path'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a check -d 'check session files and report every error'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a plan -d 'print the compiled timeline of a session'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a render -d 'write a session as one audio file'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a play -d 'play a session through the sound card'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a devices -d 'list the sound output devices'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a config -d 'show the preferences and where each comes from'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a history -d 'show recent practice and the run of days'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a voices -d 'list the voices of espeak-ng and flite'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a cache -d 'clear the speech and session caches'
complete -c asanavox -n "__fish_seen_subcommand_from cache" -a clear -d 'remove every cached clip and summary'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a phrases -d 'print the built-in phrases of a language'
complete -c asanavox -n "not __fish_seen_subcommand_from $commands" -a help -d 'show the help of a command'
complete -c asanavox -n "__fish_seen_subcommand_from phrases" -a 'en de es fr it pt nl pl ru hi'
complete -c asanavox -n "__fish_seen_subcommand_from help" -a "$commands"

# Every command.
complete -c asanavox -s h -l help -d 'show the help'
complete -c asanavox -s V -l version -d 'print the version'

# Sessions: names on the search path, or .yoga files.
complete -c asanavox -n "__fish_seen_subcommand_from check plan render play" -a '(asanavox list --names 2>/dev/null)' -d session
complete -c asanavox -n "__fish_seen_subcommand_from check plan render play" -a '(__fish_complete_suffix .yoga)'

# The session options.
set -l with_session "__fish_seen_subcommand_from check plan render play"
complete -c asanavox -n $with_session -l pace -x -d 'breath pace in seconds, IN:OUT or IN:HOLD:OUT:HOLD'
complete -c asanavox -n $with_session -l voice -x -a '(espeak-ng --voices 2>/dev/null | awk "NR > 1 { print \$2 }")' -d 'espeak-ng voice'
complete -c asanavox -n $with_session -l language -x -a 'en de es fr it pt nl pl ru hi' -d 'language of the built-in phrases and the voice'
complete -c asanavox -n $with_session -l speed -x -d 'speaking speed, 80 to 450 words per minute'
complete -c asanavox -n $with_session -l prompts -x -a 'all none 1 2 3 4 5' -d 'breaths per hold with spoken prompts'
complete -c asanavox -n $with_session -l guide -x -a 'swell tone none' -d 'how breaths without prompts sound'
complete -c asanavox -n $with_session -l ambience -x -a 'ocean rain drone none' -d 'ambient bed under the session'
complete -c asanavox -n "__fish_seen_subcommand_from list check plan render play" -l no-cache -d 'neither read nor write the speech and session caches'

# Audio options.
complete -c asanavox -n "__fish_seen_subcommand_from plan render play" -l rate -x -a '8000 16000 22050 44100 48000 96000' -d 'sample rate'
complete -c asanavox -n "__fish_seen_subcommand_from render play" -l mono -d 'one channel instead of two'
complete -c asanavox -n "__fish_seen_subcommand_from render play" -l volume -x -d 'louder or softer, -40 to 20 dB'
complete -c asanavox -n "__fish_seen_subcommand_from render play" -l voice-volume -x -d 'the voice louder or softer, dB'
complete -c asanavox -n "__fish_seen_subcommand_from render play" -l bell-volume -x -d 'bells and breath guides louder or softer, dB'
complete -c asanavox -n "__fish_seen_subcommand_from render play" -l ambience-volume -x -d 'the ambient bed louder or softer, dB'

# Variants: a session fitted to a length, steps left out.
complete -c asanavox -n "__fish_seen_subcommand_from plan render play" -l length -x -d 'scale the holds so the session lasts about this long (e.g. 20m)'
complete -c asanavox -n "__fish_seen_subcommand_from plan render play" -l skip -x -d 'leave out the pose, flow or breathe steps named NAME'

# Each command's own.
complete -c asanavox -n "__fish_seen_subcommand_from list plan" -l json -d 'machine-readable output'
complete -c asanavox -n "__fish_seen_subcommand_from list" -l names -d 'only the names, one a line'
complete -c asanavox -n "__fish_seen_subcommand_from plan" -l chapters -d 'the tags and chapters render writes'
complete -c asanavox -n "__fish_seen_subcommand_from render" -l format -x -a 'wav flac ogg opus mp3' -d 'the format to write'
complete -c asanavox -n "__fish_seen_subcommand_from render" -s o -l output -r -F -d 'where to write (.wav .flac .ogg .opus .mp3, or -)'
complete -c asanavox -n "__fish_seen_subcommand_from play" -l from -x -d 'start at a step number or a time'
complete -c asanavox -n "__fish_seen_subcommand_from play" -l device -x -d 'the output device (see asanavox devices)'
complete -c asanavox -n "__fish_seen_subcommand_from play" -l stats -d 'print first-audio time, underruns and CPU at the end'
complete -c asanavox -n "__fish_seen_subcommand_from play" -l exact -d '--from TIME starts exactly there'
complete -c asanavox -n "__fish_seen_subcommand_from play" -l resume -d 'go on where the last practice stopped'
complete -c asanavox -n "__fish_seen_subcommand_from play" -l delay -x -d 'a quiet lead-in first (e.g. 20s)'
complete -c asanavox -n "__fish_seen_subcommand_from render" -s q -l quiet -d 'say nothing when done'
complete -c asanavox -n "__fish_seen_subcommand_from config" -l path -d 'print only the config file path'
complete -c asanavox -n "__fish_seen_subcommand_from history" -l json -d 'print JSON'
complete -c asanavox -n "__fish_seen_subcommand_from history" -l count -x -d 'how many sessions to show'
