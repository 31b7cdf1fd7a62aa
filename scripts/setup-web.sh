#!/usr/bin/env bash
# The dashboard's set-up, called by scripts/setup.sh: Boost headers for the server, Chromium and
# Prometheus for its tests (Debian), the front end's npm packages (web/package-lock.json) and its
# Vite build into web/dist. Idempotent: installs and rebuilds only what is missing or stale.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB="$ROOT/web"
log() { printf '[setup-web] %s\n' "$*" >&2; }

APT_PACKAGES=(libboost-dev chromium prometheus)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: reinstall only when the lock file changed since the last install.
stamp="$WEB/node_modules/.stockpulse-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$WEB/package-lock.json" "$stamp"; then
  log "installing the front end's npm packages (npm ci)"
  (cd "$WEB" && npm ci --no-audit --no-fund --silent >/dev/null)
  cp "$WEB/package-lock.json" "$stamp"
fi

# Vite build: only when a source is newer than the last build.
if [ ! -f "$WEB/dist/index.html" ] ||
  [ -n "$(find "$WEB/src" "$WEB/index.html" "$WEB/vite.config.ts" "$WEB/package-lock.json" \
    -newer "$WEB/dist/index.html" -print -quit)" ]; then
  log "building the front end (tsc + vite) into web/dist"
  (cd "$WEB" && npm run --silent build >/dev/null)
fi
log "web: ready (web/dist)"
