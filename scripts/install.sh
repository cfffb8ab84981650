#!/usr/bin/env bash
# Installs berth on a Debian 12 host, as root: system packages, npm dependencies, the build, and
# the `berth` command on PATH. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then echo "install.sh: run as root" >&2; exit 1; fi

PACKAGES=(crun runc conmon busybox-static golang-github-containers-common tini attr iproute2 iptables xz-utils bzip2 ca-certificates docker-registry apache2-utils openssl skopeo umoci docker-compose)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "install.sh: berth needs Node.js 20 or newer on PATH" >&2
  exit 1
fi
if ! command -v g++ >/dev/null || ! command -v make >/dev/null; then
  # better-sqlite3 builds its native addon when no prebuilt one fits.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential python3 >/dev/null
fi

# Not `npm ci`: node-unix-socket lists optional per-platform packages that were never published,
# which `npm ci` reports as a lock-file mismatch. `npm install` honours the lock file all the same.
npm install --no-audit --no-fund --loglevel=error
npm run build --silent
ln -sf "$PWD/dist/bundle/berth" /usr/local/bin/berth
mkdir -p /etc/bash_completion.d
ln -sf "$PWD/contrib/completion/berth.bash" /etc/bash_completion.d/berth
echo "berth installed: $(command -v berth)"
