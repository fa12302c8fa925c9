#!/bin/sh
# deps.sh - install the Debian packages popconn needs to build, test and demo.
#
# Idempotent and non-interactive: does nothing when every package is
# present.  Postfix is installed with debconf's "No configuration" and with
# service starts refused (policy-rc.d), so the system's own mail service is
# neither started nor reconfigured; popconn's tests and demo run private
# Postfix and Dovecot instances from temporary directories.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev
 libmilter-dev libssl-dev libpcre2-dev libcmocka-dev liblmdb-dev
 libcurl4-openssl-dev libjansson-dev
 postfix postfix-pcre dovecot-core dovecot-pop3d openssl
 python3 procps iproute2 ca-certificates
 systemd util-linux passwd strace
 cockpit-ws cockpit-bridge cockpit-system sudo
 chromium chromium-driver python3-selenium"
# cockpit-ws, cockpit-bridge, cockpit-system, sudo (Cockpit's superuser),
# chromium, chromium-driver and python3-selenium are for the browser test of
# the Cockpit page (tests/integration/t_web.sh) only: popconn itself needs
# none of them.
# "deps.sh bench" adds the peers the benchmarks compare with.
if [ "${1:-}" = bench ]; then
	PKGS="$PKGS fetchmail getmail6 mpop fdm time"
fi
# "deps.sh interop" adds what the interop suite needs installed: Cyrus
# SASL's mechanism plugins and sasldb (libsasl2 loads them from its
# compiled-in directory only) and dpkg-dev's tools; the servers themselves
# are downloaded and unpacked, never installed (tests/interop/unpack.sh).
if [ "${1:-}" = interop ]; then
	PKGS="$PKGS libsasl2-modules libsasl2-modules-db"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run 'make deps' as root (or install them with apt-get)" >&2
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Do not let postfix's maintainer scripts configure the system's mail service.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections

# Refuse service starts while we install, unless a policy already does.
policy=/usr/sbin/policy-rc.d
ours=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	ours=1
fi
cleanup() { if [ "$ours" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT INT TERM

apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
