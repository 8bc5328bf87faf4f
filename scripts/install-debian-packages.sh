#!/usr/bin/env bash
# Install the named Debian packages that are not installed yet.
#
#   scripts/install-debian-packages.sh postgresql chromium ...
#
# Packages already present are left alone, and `apt-get update` runs only when something is
# missing: an install takes minutes, a check takes milliseconds. Uses sudo when not root.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 PACKAGE..." >&2
    exit 2
fi

installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
for package in "$@"; do
    installed "$package" || missing+=("$package")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "Debian packages present: $*"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing packages: ${missing[*]}; this is not a Debian system, install them by hand" >&2
    exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "missing packages: ${missing[*]}; run as root or install sudo" >&2
        exit 1
    fi
    as_root=(sudo)
fi

# Wait for another apt or dpkg run (e.g. unattended upgrades) instead of failing on its lock.
apt_options=(-o DPkg::Lock::Timeout=600)

echo "installing Debian packages: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" install -y \
    --no-install-recommends "${missing[@]}"
