#!/usr/bin/env bash
# README command 2: installs what berth and its tests need on a fresh Debian 12 machine (as root),
# then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec bash scripts/test.sh
