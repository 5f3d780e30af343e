#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tools/test-deb.sh BUILD_DIR — build the Debian package from BUILD_DIR with
# CPack, install it, and run the installed program from another directory:
# `asanavox list` must show the library and `asanavox render` must write a
# library session.  As root (CI) the package is installed for real with
# `dpkg -i` (dependencies checked) and purged afterwards unless it was
# installed before; otherwise it is unpacked with `dpkg -x` into a temporary
# root, which works because the program finds its data relative to itself
# (TEST_DEB_UNPACK=1 chooses that as root too).
set -eu
build=$(cd "${1:-build}" && pwd)

(cd "$build" && cpack -G DEB >/dev/null)
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb="$build/asanavox_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || { echo "test-deb: $deb was not made" >&2; exit 1; }
echo "test-deb: $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"

tmp=$(mktemp -d)
purge=""
cleanup() {
    [ -z "$purge" ] || dpkg --purge asanavox >/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -eq 0 ] && [ -z "${TEST_DEB_UNPACK:-}" ]; then
    dpkg-query -W -f='${Status}' asanavox 2>/dev/null | grep -q "install ok installed" || purge=1
    dpkg -i "$deb" >/dev/null
    exe=/usr/bin/asanavox
    for f in /usr/share/man/man1/asanavox.1 /usr/share/man/man5/asanavox-session.5 \
        /usr/share/bash-completion/completions/asanavox /usr/share/doc/asanavox/LICENSE; do
        [ -f "$f" ] || { echo "test-deb: $f was not installed" >&2; exit 1; }
    done
else
    dpkg -x "$deb" "$tmp/root"
    exe="$tmp/root/usr/bin/asanavox"
fi

# The installed program alone: no session path, an empty user directory,
# and run from / (nothing of the build tree around it).
mkdir "$tmp/home"
cd /
list=$(env ASANAVOX_PATH= XDG_DATA_HOME="$tmp/home" "$exe" list)
echo "$list" | grep -q '^upper-back-flow ' || {
    echo "test-deb: the installed 'asanavox list' lacks the library:" >&2
    echo "$list" >&2
    exit 1
}
env ASANAVOX_PATH= XDG_DATA_HOME="$tmp/home" "$exe" render morning-5 -o "$tmp/morning-5.ogg" \
    --rate 22050 --mono
size=$(stat -c %s "$tmp/morning-5.ogg")
[ "$size" -gt 10000 ] || { echo "test-deb: the rendered file has $size bytes" >&2; exit 1; }
echo "test-deb: installed $exe lists $(echo "$list" | tail -n +2 | wc -l) sessions and rendered morning-5 ($size bytes)"
