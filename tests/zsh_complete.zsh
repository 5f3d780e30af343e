# Drive zsh's completion system for real (tests/cli_completion.cmake):
# for each case a fresh interactive zsh in a pseudo-terminal (zsh/zpty)
# loads _asanavox from $1, a command line is typed and Tab pressed.  Each
# read blocks until the completed text shows, so a wrong completion hangs
# and the caller's timeout fails the test.  Prints OK NAME for each case
# that worked.
#   zsh -f zsh_complete.zsh COMPLETIONS_DIR PROGRAM_DIR WORK_DIR
zmodload zsh/zpty || exit 1
export TERM=dumb

try() {
    zpty z zsh -f -i
    zpty -w z "PS1='> '; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; PATH=$2:\$PATH; cd $3"
    zpty -w -n z "$4"$'\t'
    local out
    zpty -r z out "$5" && print "OK $6"
    zpty -d z
}

try "$1" "$2" "$3" 'asanavox pl' '*pla*' command
try "$1" "$2" "$3" 'asanavox render --for' '*--format=*' option
try "$1" "$2" "$3" 'asanavox plan upper-back-f' '*upper-back-flow*' session
