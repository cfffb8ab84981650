#!/usr/bin/env bash
# README command 1: installs berth on a fresh Debian 12 machine (as root), starts berthd, makes
# the busybox image from Debian's busybox-static and runs a first container.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# Any berth command starts berthd when it is not running; `info` does it quietly.
berth info --format 'berthd is up: {{.ServerVersion}}, default runtime {{.DefaultRuntime}}'
berth image inspect busybox:latest >/dev/null 2>&1 || bash scripts/make-busybox-image.sh busybox:latest
berth run --rm busybox echo "hello from a berth container"
