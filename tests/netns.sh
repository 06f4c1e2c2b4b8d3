#!/bin/sh
# tests/netns.sh CMD [ARG...]: run CMD in a network namespace of its own
# that has only loopback, so that no test can reach beyond the machine: a
# regression that sends a request elsewhere fails to connect instead.
#
# The namespace (unshare -n; unshare -r -n when not root) gets lo up with
# 127.0.0.1 and ::1, plus two documentation addresses on lo, 192.0.2.1
# (TEST-NET-1) and 2001:db8::1: a test server bound to 0.0.0.0 or :: is
# reachable there at an address that is NOT loopback, which is how the
# suites check that plain http to a non-loopback host is refused, without
# any packet leaving.  CMD sees
#
#	CU_NETNS=1  CU_NETNS_ADDR=192.0.2.1  CU_NETNS_ADDR6=2001:db8::1
#
# Before CMD runs, the namespace is checked: no interface but lo, and no
# route to a public address (IPv4 and IPv6).  If the namespace cannot be
# made or fails its check, this exits 125 with a message: never runs CMD
# outside it.  Called inside such a namespace already (CU_NETNS=1), it
# checks it again and runs CMD there.  Needs unshare (util-linux) and ip
# (iproute2); scripts/deps.sh check installs them.
set -u
[ $# -gt 0 ] || { echo "usage: tests/netns.sh CMD [ARG...]" >&2; exit 2; }

die() {
	echo "netns.sh: $*; not running the tests outside a loopback-only" \
	    "network namespace" >&2
	exit 125
}

# inside: bring lo up, add the test addresses, check, run CMD
if [ "${CU_NETNS_INSIDE:-}" = 1 ]; then
	unset CU_NETNS_INSIDE
	if [ "${CU_NETNS:-}" != 1 ]; then
		ip link set lo up || die "cannot bring lo up"
		ip addr add 192.0.2.1/32 dev lo || die "cannot add 192.0.2.1"
		ip -6 addr add 2001:db8::1/128 dev lo nodad ||
		    die "cannot add 2001:db8::1"
	fi
	links=$(ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//')
	[ "$links" = lo ] || die "interfaces other than lo: $(echo $links)"
	# no route off the machine: both lookups must fail
	if ip route get 1.1.1.1 >/dev/null 2>&1; then
		die "a route to 1.1.1.1 exists"
	fi
	if ip -6 route get 2606:4700::1111 >/dev/null 2>&1; then
		die "a route to 2606:4700::1111 exists"
	fi
	CU_NETNS=1
	CU_NETNS_ADDR=192.0.2.1
	CU_NETNS_ADDR6=2001:db8::1
	export CU_NETNS CU_NETNS_ADDR CU_NETNS_ADDR6
	# the CI job's own link (notify) would change every message
	unset CIRCLE_BUILD_URL
	exec "$@"
fi

command -v ip >/dev/null 2>&1 ||
    die "'ip' is missing (Debian: iproute2; sh scripts/deps.sh check)"
if [ "${CU_NETNS:-}" = 1 ]; then
	# already inside (a suite runs another): check it again
	CU_NETNS_INSIDE=1 exec sh "$0" "$@"
fi
command -v unshare >/dev/null 2>&1 ||
    die "'unshare' is missing (Debian: util-linux; sh scripts/deps.sh check)"
# not root: a user namespace maps us to root inside it
opt=-n
[ "$(id -u)" = 0 ] || opt=-rn
unshare $opt true 2>/dev/null ||
    die "unshare $opt fails here (no permission to make a namespace?)"
CU_NETNS_INSIDE=1 exec unshare $opt sh "$0" "$@"
