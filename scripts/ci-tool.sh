#!/bin/sh
# The weekly CircleCI job's copy of circleci-usage, cached between runs
# (.circleci/config.yml, job weekly-usage).
#
#   sh scripts/ci-tool.sh key          the cache key's text, on stdout: a
#                                      checksum of src/, the Makefile and
#                                      this script, and the month
#   sh scripts/ci-tool.sh install DIR  ./circleci-usage from DIR, built
#                                      into DIR first on a cache miss
#
# DIR (what restore_cache brings back and save_cache keeps) holds the
# binary and the .deb files of the packages it needs at run time that the
# bare debian:bookworm image lacks.  On a hit, install only runs
# `dpkg -i DIR/debs/*.deb`: no apt-get update, no download, no compiler; a
# run takes seconds.  On a miss (new source, a new month, or the cache
# gone), it downloads those packages (apt-get install --download-only, so
# only what the image lacks, dependencies included), installs them from
# DIR the same way, installs the build packages, builds, and copies the
# binary into DIR for save_cache.  A cache whose packages no longer install
# (the image moved on) is thrown away and rebuilt the same way.  The month
# in the key brings the packages' security updates at least once a month.
set -eu

# the shared libraries of the binary (ldd circleci-usage), CA certificates
# for HTTPS, and a font for the charts' text
run_pkgs="libisal2 zlib1g libjansson4 libcurl4 libssl3 libcairo2 libyaml-0-2 libsqlite3-0 libpq5 ca-certificates fonts-dejavu-core"

what=${1:-}
# where apt-get puts what it downloads (a variable for the tests)
archives=${CI_TOOL_ARCHIVES:-/var/cache/apt/archives}
case $what in
key)
	# names and contents, in a fixed order, so that a renamed file changes
	# the key too
	{
		echo "month $(date -u +%Y-%m)"
		echo "packages $run_pkgs"
		find src Makefile scripts/ci-tool.sh scripts/deps.sh -type f |
		    LC_ALL=C sort | while read -r f; do
			printf '%s ' "$f"
			sha256sum <"$f"
		done
	} | sha256sum | cut -d' ' -f1
	;;
install)
	dir=${2:?usage: ci-tool.sh install DIR}
	if [ -x "$dir/circleci-usage" ] && [ -d "$dir/debs" ]; then
		echo "ci-tool: cache hit: installing $(ls "$dir/debs" | wc -l) run-time packages with dpkg"
		if ls "$dir/debs"/*.deb >/dev/null 2>&1 &&
		    ! dpkg -i "$dir/debs"/*.deb >/dev/null; then
			echo "ci-tool: the cached packages do not install; rebuilding" >&2
			rm -rf "$dir"
		fi
	else
		rm -rf "$dir"
	fi
	if [ ! -x "$dir/circleci-usage" ]; then
		echo "ci-tool: cache miss: downloading the run-time packages and building"
		export DEBIAN_FRONTEND=noninteractive
		mkdir -p "$dir/debs"
		apt-get update -qq
		apt-get clean
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends --download-only \
		    $run_pkgs >/dev/null
		if ls "$archives"/*.deb >/dev/null 2>&1; then
			cp "$archives"/*.deb "$dir/debs/"
			dpkg -i "$dir/debs"/*.deb >/dev/null
		fi
		sh scripts/deps.sh build
		make
		cp circleci-usage "$dir/circleci-usage"
	fi
	cp "$dir/circleci-usage" ./circleci-usage
	./circleci-usage --version
	;;
*)
	echo "usage: sh scripts/ci-tool.sh key | install DIR" >&2
	exit 2
	;;
esac
