#!/usr/bin/env bash
# Installs what the scale-out storage needs, and only what is missing (idempotent; a second run
# on a set-up machine installs nothing):
#   libcurl4-openssl-dev     ClickHouse HTTP client and S3 uploads (SigV4) in src/sink
#   clickhouse-server        the ClickHouse the sp_sink_clickhouse_tests start (Debian: 18.16)
#   radosgw ceph-mon ceph-osd the single-node Ceph + S3 gateway the sp_sink_s3_tests start
# Called from scripts/setup.sh; may be run on its own.
set -euo pipefail

PACKAGES=(libcurl4-openssl-dev clickhouse-server radosgw ceph-mon ceph-osd)

log() { printf '[setup-storage] %s\n' "$*" >&2; }

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  log "storage packages: all present"
  exit 0
fi
log "installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# The packages' own services are not wanted: tests start their own servers on free ports. On a
# machine without systemd the post-install scripts skip starting them anyway.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
