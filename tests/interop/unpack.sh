#!/bin/sh
# unpack.sh DEBDIR ROOT - the POP3 servers of the interop suite, unpacked.
#
# Cyrus pop3d and Courier pop3d declare "Conflicts: pop3-server" with
# Dovecot's pop3d, which the rest of the suite needs installed.  So they
# are never installed: "apt-get download" fetches the packages (and the
# libraries of theirs that tests/deps.sh does not install) into DEBDIR,
# a cache kept between runs, and "dpkg-deb -x" unpacks them into ROOT,
# inside the test's directory.  Nothing outside DEBDIR and ROOT changes.
# The Cyrus SASL mechanism plugins (libsasl2-modules) and sasldb
# (libsasl2-modules-db) are installed by tests/deps.sh: libsasl2 loads
# its plugins from the compiled-in /usr/lib/<triplet>/sasl2 only.
# Exit 0, or 1 with the reason on stderr.
set -u
DEBS=$1
ROOT=$2
PKGS="cyrus-common cyrus-pop3d sasl2-bin libical3 libxapian30 libzephyr4
    libclamav12 libidn12 libltdl7 courier-base courier-pop courier-authlib
    courier-authlib-userdb libcourier-unicode4"
mkdir -p "$DEBS" "$ROOT" || exit 1
need=
for p in $PKGS; do
	ls "$DEBS/${p}_"*.deb >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
	# apt's sandbox user must be able to write there.
	chmod 0777 "$DEBS" 2>/dev/null || true
	(cd "$DEBS" && apt-get download $need) >"$DEBS/download.log" 2>&1 || {
		echo "unpack.sh: apt-get download$need failed:" >&2
		tail -5 "$DEBS/download.log" >&2
		exit 1
	}
fi
for p in $PKGS; do
	dpkg-deb -x "$(ls "$DEBS/${p}_"*.deb | tail -1)" "$ROOT" || {
		echo "unpack.sh: dpkg-deb -x $p failed" >&2
		exit 1
	}
done
exit 0
