#!/bin/sh
# Install the Debian packages a make target needs, only those missing.
#   sh scripts/deps.sh build|check|bench|demo|coverage
# Runs `apt-get update` once (only when something must be installed), then
# `apt-get install -y`.  Needs root (or sudo) only when a package is missing.
set -eu

what=${1:-build}

build_pkgs="gcc make pkg-config libisal-dev zlib1g-dev libjansson-dev libcurl4-openssl-dev libssl-dev libcairo2-dev libyaml-dev libsqlite3-dev libpq-dev fonts-dejavu-core"
# util-linux and iproute2: unshare and ip, for tests/netns.sh
# prometheus (promtool), prometheus-pushgateway and
# python3-prometheus-client: the real readers of the metrics (metrics.py)
# postgresql: the throwaway server of the history tests (tests/pgserver.py)
# strace: counts the reads of each part (tests/e2e/onepass.py)
check_pkgs="$build_pkgs libcmocka-dev clang libclang-rt-14-dev python3 python3-yaml gzip chromium util-linux iproute2 prometheus prometheus-pushgateway python3-prometheus-client postgresql strace"
bench_pkgs="$build_pkgs python3 python3-pandas isal time nodejs npm curl sqlite3 postgresql"
demo_pkgs="$build_pkgs python3"
coverage_pkgs="$check_pkgs lcov"

case $what in
build) pkgs=$build_pkgs ;;
check) pkgs=$check_pkgs ;;
bench) pkgs=$bench_pkgs ;;
demo) pkgs=$demo_pkgs ;;
coverage) pkgs=$coverage_pkgs ;;
*) echo "deps.sh: unknown target '$what' (build, check, bench, demo, coverage)" >&2
   exit 2 ;;
esac

missing=
for p in $pkgs; do
	case $p in
	# node and npm may come from elsewhere than Debian: a working
	# command is enough
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	# any python3 will do for the generator; pandas wants Debian's
	python3) [ -x /usr/bin/python3 ] && continue ;;
	esac
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $status in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
sudo=
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "deps.sh: need root to install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
