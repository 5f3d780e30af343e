#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# baseline.sh SESSION OUT.wav — the same session rendered the plain way,
# with command-line tools, as the speed baseline for `asanavox render`.
#
# It takes the timeline from `asanavox plan --json` (so both place every
# cue at the same time) and then does what a shell script would:
#   - one `espeak-ng -w` per distinct text, at the session's voice and
#     speed, converted by sox to 48 kHz stereo;
#   - each bell and tone file converted by sox the same way;
#   - the events dealt out to "lanes" in which they do not overlap; in each
#     lane every clip is padded by sox with the silence before it, and the
#     lane is one sox concatenation;
#   - the lanes mixed with `sox -m`, trimmed or padded to the plan's length.
# No loudness normalization, limiter or fades: it is a floor for speed,
# not a substitute.
#
# Environment: ASANAVOX (the program, default `asanavox`), SOUNDS (the
# directory of bowl.wav etc., default ./sounds).
set -eu
session=${1:?usage: baseline.sh SESSION OUT.wav}
out=${2:?usage: baseline.sh SESSION OUT.wav}
asanavox=${ASANAVOX:-asanavox}
sounds=${SOUNDS:-sounds}
rate=48000

work=$(mktemp -d "${TMPDIR:-/tmp}/asanavox-baseline.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

"$asanavox" plan --json "$session" > "$work/plan.json" 2>/dev/null
voice=$(jq -r '.voice' "$work/plan.json")
speed=$(jq -r '.speed' "$work/plan.json")
duration=$(jq -r '.duration' "$work/plan.json")

# start <TAB> kind <TAB> text-or-sound, for every event that sounds
jq -r '.events[] | select(.text != null or .sound != null)
       | [.start, (if .text != null then "t" else "s" end), (.text // .sound)] | @tsv' \
    "$work/plan.json" > "$work/events.tsv"

# One clip file per distinct text or sound: clip<N>.wav, listed in clips.tsv
# as kind <TAB> what <TAB> file <TAB> seconds.
: > "$work/clips.tsv"
cut -f2,3 "$work/events.tsv" | sort -u > "$work/distinct.tsv"
n=0
while IFS="$(printf '\t')" read -r kind what; do
    n=$((n + 1))
    raw="$work/raw$n.wav"
    clip="$work/clip$n.wav"
    if [ "$kind" = t ]; then
        espeak-ng -v "$voice" -s "$speed" -w "$raw" "$what"
    else
        cp "$sounds/$what.wav" "$raw"
    fi
    sox "$raw" -r "$rate" -c 2 -b 16 "$clip"
    secs=$(soxi -D "$clip")
    printf '%s\t%s\t%s\t%s\n' "$kind" "$what" "$clip" "$secs" >> "$work/clips.tsv"
done < "$work/distinct.tsv"

# Deal the events out to lanes: lane<L>.list gets "file gap" lines.
awk -F '\t' -v work="$work" '
    NR == FNR { file[$1 "\t" $2] = $3; len[$1 "\t" $2] = $4; next }
    {
        k = $2 "\t" $3
        for (l = 1; l <= lanes && end[l] > $1 + 1e-9; l++) ;
        if (l > lanes) { lanes = l; end[l] = 0 }
        gap = $1 - end[l]
        printf("%s %.6f\n", file[k], gap) >> (work "/lane" l ".list")
        end[l] = $1 + len[k]
    }
    END { print lanes > (work "/lanes") }
' "$work/clips.tsv" "$work/events.tsv"

lanes=$(cat "$work/lanes")
mixargs=""
l=1
while [ "$l" -le "$lanes" ]; do
    i=0
    : > "$work/lane$l.files"
    while read -r file gap; do
        i=$((i + 1))
        seg="$work/l${l}s$i.wav"
        sox "$file" "$seg" pad "$gap"
        echo "$seg" >> "$work/lane$l.files"
    done < "$work/lane$l.list"
    # shellcheck disable=SC2046
    sox $(cat "$work/lane$l.files") "$work/lane$l.wav"
    mixargs="$mixargs -v 1 $work/lane$l.wav"
    l=$((l + 1))
done

if [ "$lanes" -gt 1 ]; then
    # shellcheck disable=SC2086
    sox -m $mixargs "$work/mix.wav"
else
    mv "$work/lane1.wav" "$work/mix.wav"
fi
sox "$work/mix.wav" -b 16 "$work/padded.wav" pad 0 "$duration"
sox "$work/padded.wav" "$out" trim 0 "$duration"
