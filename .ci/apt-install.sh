#!/usr/bin/env bash
# Installs the named Debian packages that are not installed yet, without recommends. Package
# lists are fetched only when apt does not know one of the packages (a fresh image has no lists),
# so several setup scripts in a row fetch them once. Needs root.
set -euo pipefail

missing=()
for p in "$@"; do
  # Captured, not piped into grep -q: with pipefail, grep quitting early would fail the pipe.
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

for p in "${missing[@]}"; do
  policy=$(apt-cache policy "$p" 2>/dev/null || true)
  if ! [[ "$policy" =~ Candidate:\ [0-9] ]]; then
    echo "apt-install: apt-get update"
    apt-get update -q
    break
  fi
done
echo "apt-install: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
