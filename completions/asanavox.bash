# bash completion for asanavox(1): commands, each command's options, and
# session names (from `asanavox list --names`, which compiles nothing) or
# .yoga files.  Installed as share/bash-completion/completions/asanavox.

_asanavox()
{
    local cur prev words cword
    _init_completion -n = || return

    local commands="list check plan render play devices voices cache phrases config history help"
    local session="--pace --voice --language --speed --prompts --guide --ambience --no-cache"
    local audio="--rate --mono --volume --voice-volume --bell-volume --ambience-volume"
    local variant="--length --skip"
    local always="--help --version"

    if ((cword == 1)); then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi

    local cmd=${words[1]} opts
    case $cmd in
    list) opts="--json --names --no-cache" ;;
    check) opts="$session" ;;
    plan) opts="--json --chapters --rate $variant $session" ;;
    render) opts="--output -o --format --quiet -q $audio $variant $session" ;;
    play) opts="--from --exact --resume --delay --device --stats $audio $variant $session" ;;
    devices | voices) opts="" ;;
    config) opts="--path" ;;
    history) opts="--json --count" ;;
    cache)
        ((cword == 2)) && COMPREPLY=($(compgen -W "clear --help" -- "$cur"))
        return
        ;;
    phrases)
        ((cword == 2)) && [[ $cur != -* ]] && COMPREPLY=($(compgen -W "en de es fr it pt nl pl ru hi" -- "$cur")) && return
        opts=""
        ;;
    help)
        ((cword == 2)) && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
        ;;
    *) return ;;
    esac
    opts="$opts $always"

    # The value of an option that takes one.
    case $prev in
    -o | --output)
        _filedir '@(wav|flac|ogg|opus|mp3)'
        return
        ;;
    --prompts)
        COMPREPLY=($(compgen -W "all none 1 2 3 4 5" -- "$cur"))
        return
        ;;
    --guide)
        COMPREPLY=($(compgen -W "swell tone none" -- "$cur"))
        return
        ;;
    --ambience)
        COMPREPLY=($(compgen -W "ocean rain drone none" -- "$cur"))
        return
        ;;
    --format)
        COMPREPLY=($(compgen -W "wav flac ogg opus mp3" -- "$cur"))
        return
        ;;
    --voice)
        COMPREPLY=($(compgen -W "$(espeak-ng --voices 2>/dev/null | awk 'NR > 1 { print $2 }')" -- "$cur"))
        return
        ;;
    --language)
        COMPREPLY=($(compgen -W "en de es fr it pt nl pl ru hi" -- "$cur"))
        return
        ;;
    --pace | --speed | --rate | --volume | --from | --device | --length | --skip)
        return
        ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
        return
    fi
    [[ $cmd == list || $cmd == devices || $cmd == phrases ]] && return
    # A session: a name on the search path, or a .yoga file.
    COMPREPLY=($(compgen -W "$(asanavox list --names 2>/dev/null)" -- "$cur"))
    _filedir yoga
} &&
    complete -F _asanavox asanavox
