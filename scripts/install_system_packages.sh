#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the browser tests (test tools cannot download
# their own browser here), Noto fonts so every script renders, PostgreSQL for the database
# tests. Given package names instead (make bench: wrk), installs those. Installs only what is
# missing, so a second run costs nothing.
set -euo pipefail

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(chromium fonts-noto-core fonts-noto-ui-core postgresql)
missing=()
for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
