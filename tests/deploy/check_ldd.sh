#!/usr/bin/env bash
# check_ldd.sh: does deploy/runtime-packages.txt give the container image every shared
# library gliad needs, and nothing else?
#
#   tests/deploy/check_ldd.sh build/gliad deploy/runtime-packages.txt
#
# For every library `ldd gliad` lists (the vdso has no file and is skipped), `dpkg -S`
# names the Debian package that ships it. Each package must be
#   - in the list, or
#   - part of the base image debian:bookworm-slim: glibc's libc6 (libc, libm, the
#     dynamic loader) and libgcc-s1, both Priority: required there, or
#   - a dependency (Depends/Pre-Depends, followed transitively as dpkg records them on
#     this machine) of a listed package, which apt installs along with it
#     (e.g. libgnutls30 and its libraries under libmicrohttpd12).
# Libraries gliad links directly (its DT_NEEDED entries) must come from a listed or
# base package, not just from somebody's dependency. And every listed package must ship
# at least one of those direct libraries, so the image stays minimal; a line whose
# comment contains "extra:" (e.g. `ca-certificates  # extra: outgoing TLS`) is exempt.
# Runs on Debian 12, the same release as the image, after a build of gliad.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 PATH-TO-GLIAD RUNTIME-PACKAGES-TXT" >&2
    exit 2
fi
gliad=$1
list=$2
base_packages="libc6 libgcc-s1"
failed=0

fail() {
    echo "check_ldd: FAIL: $*" >&2
    failed=1
}

for tool in ldd dpkg dpkg-query objdump; do
    command -v "$tool" >/dev/null || { echo "check_ldd: $tool not found" >&2; exit 2; }
done
[ -x "$gliad" ] || { echo "check_ldd: $gliad is not an executable" >&2; exit 2; }
[ -r "$list" ] || { echo "check_ldd: cannot read $list" >&2; exit 2; }

# The list: package names, comments and blank lines dropped (the Dockerfile does the same).
listed=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$' | sort -u | tr '\n' ' ' || true)
extra=$(grep -E '^[[:space:]]*[^#[:space:]]+[[:space:]]*#.*extra:' "$list" |
    sed -e 's/#.*//' -e 's/[[:space:]]//g' | sort -u | tr '\n' ' ' || true)
if [ -z "${listed// /}" ]; then
    fail "$list names no package"
fi
for p in $listed; do
    if ! [[ "$p" =~ ^[a-z0-9][a-z0-9+.-]+$ ]]; then
        fail "\"$p\" in $list is not a Debian package name"
    fi
done

# On merged-/usr Debian 12 dpkg knows a library under the path its package used
# (/lib/... or /usr/lib/...), and ldd may print either, so the candidates for a library
# are its path, its real path, and each with /usr toggled. One `dpkg -S` call answers
# for all of them (each call reads the whole file database).
candidates() {
    local real c
    real=$(readlink -f "$1" || echo "$1")
    for c in "$1" "$real"; do
        echo "$c"
        echo "${c#/usr}"
        echo "/usr$c"
    done | awk '!seen[$0]++'
}
declare -A owner=()
lookup_owners() {
    local line pkgs file
    while IFS= read -r line; do
        case "$line" in diversion*) continue ;; esac
        pkgs=${line%%: /*}
        file=${line#*: }
        pkgs=${pkgs%%,*}
        owner[$file]=${pkgs%%:*}
    done < <(dpkg -S "$@" 2>/dev/null || true)
}
package_of() {
    local c
    for c in $(candidates "$1"); do
        if [ -n "${owner[$c]:-}" ]; then
            echo "${owner[$c]}"
            return 0
        fi
    done
}

# Listed and base packages plus everything they depend on, as dpkg records it here
# (one dpkg-query for every installed package; alternatives "a | b" count as both).
declare -A deps_of=()
while IFS=$'\t' read -r p d; do
    deps_of[$p]=$d
done < <(dpkg-query -W -f='${Package}\t${Depends}, ${Pre-Depends}\n')
closure=""
declare -A seen=()
declare -A via=()
queue=()
for p in $listed $base_packages; do
    seen[$p]=1
    via[$p]=""
    queue+=("$p")
done
while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}
    queue=("${queue[@]:1}")
    closure+="$p "
    if [ -z "${deps_of[$p]+set}" ]; then
        case " $listed " in
        *" $p "*) echo "check_ldd: note: $p is not installed here; its dependencies are not followed" >&2 ;;
        esac
        continue
    fi
    for d in $(echo "${deps_of[$p]}" | tr ',|' '\n\n' | sed -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' | grep -v '^$'); do
        if [ -z "${seen[$d]:-}" ]; then
            seen[$d]=1
            via[$d]=$p
            queue+=("$d")
        fi
    done
done

is_in() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

needed=$(objdump -p "$gliad" | awk '$1 == "NEEDED" { print $2 }')
ldd_out=$(ldd "$gliad")
if grep -q 'not found' <<<"$ldd_out"; then
    fail "ldd cannot resolve: $(grep 'not found' <<<"$ldd_out" | tr -s ' \t' ' ')"
fi

# ldd lines: "name => path (address)", "path (address)" for the loader, "name (address)"
# for the vdso (no file: skipped).
lib_of() {
    if [[ "$1" == *"=>"* ]]; then awk '{print $3}' <<<"$1"; else awk '{print $1}' <<<"$1"; fi
}
all_candidates=()
while read -r line; do
    path=$(lib_of "$line")
    case "$path" in /*) mapfile -t -O "${#all_candidates[@]}" all_candidates < <(candidates "$path") ;; esac
done <<<"$ldd_out"
lookup_owners "${all_candidates[@]}"

declare -A used=()
printf '%-28s %-22s %s\n' "library" "package" "provided by"
while read -r line; do
    name=$(awk '{print $1}' <<<"$line")
    path=$(lib_of "$line")
    case "$path" in
    /*) ;;
    *) continue ;; # linux-vdso.so.1: in the kernel, no file
    esac
    pkg=$(package_of "$path")
    if [ -z "$pkg" ]; then
        fail "$path ($name): no Debian package ships it (dpkg -S)"
        continue
    fi
    direct=0
    if is_in "$name" "$(echo $needed)"; then direct=1; fi
    if is_in "$pkg" "$listed"; then
        how="listed"
        [ $direct -eq 1 ] && used[$pkg]=1
    elif is_in "$pkg" "$base_packages"; then
        how="base image (debian:bookworm-slim)"
    elif is_in "$pkg" "$closure"; then
        how="dependency of ${via[$pkg]}"
        if [ $direct -eq 1 ]; then
            fail "$name is linked directly by gliad but $pkg is only a dependency of ${via[$pkg]}: list $pkg in $list"
        fi
    else
        how="MISSING"
        fail "$name comes from $pkg, which is neither in $list, nor in the base image ($base_packages), nor a dependency of a listed package"
    fi
    printf '%-28s %-22s %s\n' "$name" "$pkg" "$how"
done <<<"$ldd_out"

for p in $listed; do
    if [ -z "${used[$p]:-}" ] && ! is_in "$p" "$extra"; then
        fail "$p is in $list but ships none of the libraries gliad links directly ($(echo $needed)); drop it, or mark its line '# extra: why'"
    fi
done

if [ $failed -ne 0 ]; then
    exit 1
fi
echo "check_ldd: OK: $list ($(echo $listed)) covers every library of $gliad"
