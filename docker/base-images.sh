#!/usr/bin/env bash
# The base images docker-compose.yml and the Dockerfile name, on a closed network.
#
# A force's servers often cannot reach public image registries, and neither can this project's
# own machines. When an image cannot be pulled, this script builds a stand-in from Debian's
# packages under the same name:
#   debootstrap (minbase, bookworm) -> docker import -> python3.11 / PostgreSQL 15 on top.
# Debian bookworm ships Python 3.11 and PostgreSQL 15, the versions the names promise.
#
#   docker/base-images.sh            pull each image, or build its stand-in if it cannot be pulled
#   DACALL_STANDINS=always docker/base-images.sh   build the stand-ins even if a pull would work
#
# Needs root, docker and debootstrap. The Debian mirror is the one this machine's apt uses
# (or DEBIAN_MIRROR); nothing else is fetched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

PYTHON_IMAGE=python:3.11-slim-bookworm
POSTGRES_IMAGE=postgres:15-bookworm
DEBIAN_IMAGE=dacall-standin/debian:bookworm

have() { docker image inspect "$1" >/dev/null 2>&1; }

pull() {
    [ "${DACALL_STANDINS:-}" = always ] && return 1
    timeout 60 docker pull -q "$1" >/dev/null 2>&1
}

debian_mirror() {
    if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
    # The first Debian archive this machine's apt is configured with (deb822 or one-line form).
    local uri
    uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    if [ -z "$uri" ]; then
        uri=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\/debian\)[[:space:]]\+bookworm[[:space:]].*/\2/p' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
    fi
    [ -n "$uri" ] || { echo "no Debian mirror found in apt's sources: set DEBIAN_MIRROR" >&2; exit 1; }
    echo "$uri"
}

debian_base() {
    have "$DEBIAN_IMAGE" && return
    command -v debootstrap >/dev/null || { echo "debootstrap is needed (apt-get install debootstrap)" >&2; exit 1; }
    local root
    root=$(mktemp -d)
    echo "building $DEBIAN_IMAGE with debootstrap"
    debootstrap --variant=minbase bookworm "$root" "$(debian_mirror)" >/dev/null
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import - "$DEBIAN_IMAGE" >/dev/null
    rm -rf "$root"
}

standin() {
    local image=$1 folder=$2 context
    debian_base
    echo "building the stand-in $image from Debian's packages"
    # A closed network's own certificate authorities (a TLS-inspecting proxy's, say) are trusted
    # inside the stand-ins as on this machine: Debian keeps local ones in this folder.
    context=$(mktemp -d)
    cp -r "$here/standins/$folder/." "$context/"
    mkdir -p "$context/local-ca"
    cp /usr/local/share/ca-certificates/*.crt "$context/local-ca/" 2>/dev/null || true
    docker build --network host -q -t "$image" "$context" >/dev/null
    rm -rf "$context"
}

for pair in "$PYTHON_IMAGE:python" "$POSTGRES_IMAGE:postgres"; do
    image=${pair%:*} folder=${pair##*:}
    if have "$image"; then
        echo "$image: present"
    elif pull "$image"; then
        echo "$image: pulled"
    else
        standin "$image" "$folder"
    fi
done
