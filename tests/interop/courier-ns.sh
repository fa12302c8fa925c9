#!/bin/sh
# courier-ns.sh - runs inside a private mount namespace (unshare, from
# tests/interop/courier.sh): a tmpfs over /run, seen by these processes
# only, holds the authdaemon socket at the path compiled into
# libcourierauth, and /etc/passwd gains a "courier" user (bind mounts,
# in this namespace only); then the stand-in authdaemon and two couriertcpd
# listeners (STLS and implicit TLS) run until this script is terminated;
# with PORT_LIMIT, a third (STLS) with Courier's per-IP limit as shipped,
# couriertcpd -maxperip=4.
#   courier-ns.sh ROOT DIR PORT_STLS PORT_TLS USER PASSWORD UID GID [PORT_LIMIT]
set -u
ROOT=$1 D=$2 P1=$3 P2=$4 U=$5 PW=$6 UID_=$7 GID_=$8 P3=${9:-}
IT=$(cd "$(dirname "$0")" && pwd)
mount -t tmpfs -o mode=0755 tmpfs /run || { echo "cannot mount /run" >&2; exit 1; }
# courierpop3login runs couriertls for STLS as the user "courier" (the
# Debian build's mail user): this namespace's /etc/passwd has one.
grep -v '^courier:' /etc/passwd >"$D/passwd"
echo "courier:x:$(id -u):$(id -g):Courier:/nonexistent:/bin/false" >>"$D/passwd"
grep -v '^courier:' /etc/group >"$D/group"
echo "courier:x:$(id -g):" >>"$D/group"
mount --bind "$D/passwd" /etc/passwd && mount --bind "$D/group" /etc/group ||
    { echo "cannot bind-mount /etc/passwd" >&2; exit 1; }
# The path compiled into Debian's libcourierauth (seen with strace).
SOCK=/run/courier/authdaemon/socket
mkdir -p "${SOCK%/*}"
python3 "$IT/authdaemon.py" "$SOCK" "$U" "$PW" "$D/home" "$UID_" "$GID_" \
    "$D/authdaemon.log" &
kids=$!
n=100
while [ ! -S "$SOCK" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
# couriertcpd puts itself into the background: its pid files say where.
trap 'kill $kids $(cat "$D/tcpd1.pid" "$D/tcpd2.pid" "$D/tcpd3.pid" \
    2>/dev/null) 2>/dev/null; exit 0' TERM INT HUP
export LD_LIBRARY_PATH=$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/usr/lib
export TLS_CERTFILE=$D/cert.pem TLS_PROTOCOL=TLS1_2+ TLS_VERIFYPEER=NONE
export COURIERTLS=$ROOT/usr/bin/couriertls POP3_STARTTLS=YES
export POP3_TLS_REQUIRED=0 MAILDIRPATH=Maildir
export POP3AUTH="PLAIN LOGIN CRAM-MD5 CRAM-SHA1 CRAM-SHA256"
export POP3AUTH_TLS="PLAIN LOGIN CRAM-MD5 CRAM-SHA1 CRAM-SHA256"
export POP3AUTH_ORIG="$POP3AUTH" POP3AUTH_TLS_ORIG="$POP3AUTH_TLS"
export TLS_CACHEFILE= INTEROP_LOG=$D/server.log
B=$ROOT/usr/lib/courier/courier
T="-address=127.0.0.1 -nodnslookup -noidentlookup -maxprocs=8"
LD_PRELOAD=$D/logshim.so "$ROOT/usr/sbin/couriertcpd" $T \
    -pid="$D/tcpd1.pid" -stderr="$D/tcpd1.err" "$P1" \
    "$B/courierpop3login" "$B/courierpop3d" Maildir &
kids="$kids $!"
LD_PRELOAD=$D/logshim.so "$ROOT/usr/sbin/couriertcpd" $T \
    -pid="$D/tcpd2.pid" -stderr="$D/tcpd2.err" "$P2" \
    "$COURIERTLS" -server -tcpd "$B/courierpop3login" "$B/courierpop3d" Maildir &
kids="$kids $!"
if [ -n "$P3" ]; then
	# -maxprocs above 4, so that only the per-IP limit binds.
	LD_PRELOAD=$D/logshim.so "$ROOT/usr/sbin/couriertcpd" \
	    -address=127.0.0.1 -nodnslookup -noidentlookup -maxprocs=40 \
	    -maxperip=4 -pid="$D/tcpd3.pid" -stderr="$D/tcpd3.err" "$P3" \
	    "$B/courierpop3login" "$B/courierpop3d" Maildir &
	kids="$kids $!"
fi
wait
