# milter.sh - helpers for the popconn-milter integration tests
# (tests/integration/t_milter*.sh).  Source after harness.sh and popconn.sh.
# A site as installed (the shipped sample, postfix-setup --apply): site.sh.
#
#   m_postfix_start "users"   private Postfix (example.test) with the milter
#                             in non_smtpd_milters (default_action=tempfail)
#   m_config                  milter settings and routing tables (after
#                             p_config): $P_ETC/routing, routing.pcre
#   m_start / m_stop          run / stop popconn-milter (log in $M_LOG)
#   m_marker ENV [N [WINDOW]] a valid marker value (env=0|1) for "catchall";
#                             with N, bound to m_msg N's Message-ID and
#                             Subject and carrying its identity (marker.h)
#   m_msg N "HEADERS" [FIRST] a test message (Subject "milter test N") on
#                             stdout; FIRST is a header put on top
#   m_pop USER N "HEADERS"    the same message into USER's Dovecot Maildir
#   m_has USER "N..."         USER's Maildir holds exactly these test ids
#   m_file USER N             the delivered file of test N for USER
#   m_compare_all             every delivered test message has its
#                             original body, Subject and Message-ID
M_SOCK=
M_PID=
M_LOG=

m_postfix_start() {
	M_SOCK=$H_TMP/milter.sock
	H_POSTFIX_EXTRA_MAIN="non_smtpd_milters = { unix:$M_SOCK, default_action=tempfail, connect_timeout=10s, command_timeout=10s }
milter_macro_daemon_name = local-submit"
	export H_POSTFIX_EXTRA_MAIN
	h_postfix_start example.test "$1"
	mkdir -p "$H_TMP/orig/m"
}

m_config() {
	cat >>"$P_ETC/popconn.cf" <<EOT
# milter (tests/lib/milter.sh)
milter_socket = unix:$M_SOCK
local_domains = example.test
routing_maps = texthash:$P_ETC/routing, pcre:$P_ETC/routing.pcre
EOT
	printf '# test routing table\ndev@lists.example chris\nowner@lists.example lee\n' \
	    >"$P_ETC/routing"
	printf '# header text of To/Cc\n/^Trey Research/ lee\n' \
	    >"$P_ETC/routing.pcre"
}

m_start() {
	h_spawn milter "$TOP/$BUILD/popconn-milter" -f -c "$P_ETC" || return 1
	M_PID=$H_SPAWN_PID
	M_LOG=$H_SPAWN_LOG
	_ms_n=200
	while [ ! -S "$M_SOCK" ] && [ "$_ms_n" -gt 0 ]; do
		if ! kill -0 "$M_PID" 2>/dev/null; then
			echo "m_start: popconn-milter died:" >&2
			cat "$M_LOG" >&2
			return 1
		fi
		sleep 0.05
		_ms_n=$(($_ms_n - 1))
	done
	[ -S "$M_SOCK" ] || { echo "m_start: no socket" >&2; cat "$M_LOG" >&2; return 1; }
}

m_stop() {
	kill -TERM "$M_PID" 2>/dev/null || true
	_h_wait_gone 10 "$M_PID"
}

m_marker() {
	_mk_t=$(date +%s)
	_mk_n=$(openssl rand -hex 8)
	_mk_w=${3:-0}
	if [ -n "${2:-}" ]; then
		# bound to m_msg N's Message-ID and Subject (marker.h, v=2)
		_mk_mid="<milter-test-$2.$$@isp.test>"
		_mk_b=m-s
		_mk_id=$(printf 'message-id:%s\n' "$_mk_mid" | sha256sum | cut -c1-32)
		_mk_h=$(printf 'message-id:%s\nsubject:milter test %s\n' "$_mk_mid" "$2" |
		    sha256sum | cut -c1-32)
	else
		_mk_b=---
		_mk_id=$(openssl rand -hex 16)
		_mk_h=$(printf '' | sha256sum | cut -c1-32)
	fi
	_mk_text="v=2;mb=catchall;t=$_mk_t;n=$_mk_n;env=$1;w=$_mk_w;id=$_mk_id;b=$_mk_b;h=$_mk_h"
	_mk_mac=$(printf '%s' "$_mk_text" |
	    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$P_ETC/marker.key")" |
	    awk '{print $NF}')
	echo "v=2; mb=catchall; t=$_mk_t; n=$_mk_n; env=$1; w=$_mk_w; id=$_mk_id; b=$_mk_b; h=$_mk_h; mac=$_mk_mac"
}

m_msg() {
	[ -z "${3:-}" ] || printf '%s\n' "$3"
	printf '%s\n' "$2"
	cat <<EOT
From: Sender <sender@isp.test>
Subject: milter test $1
Message-ID: <milter-test-$1.$$@isp.test>
Date: $(date -R)

Body of milter test $1.
.a line with a dot
EOT
}

m_pop() {
	_mp_md=$H_POP_MAILDIR_ROOT/$1/Maildir
	m_msg "$2" "$3" >"$H_TMP/orig/m/$2.eml"
	cp "$H_TMP/orig/m/$2.eml" "$_mp_md/tmp/m$2"
	chown "$H_VUID:$H_VGID" "$_mp_md/tmp/m$2"
	mv "$_mp_md/tmp/m$2" "$_mp_md/new/m$2"
}

m_ids() {
	cat "$H_MAIL_ROOT/$1"/new/* "$H_MAIL_ROOT/$1"/cur/* 2>/dev/null |
	    sed -n 's/^Subject: milter test \([0-9]*\)$/\1/p' | sort -n | tr '\n' ' ' |
	    sed 's/ $//'
}

m_has() {
	_mh_got=$(m_ids "$1")
	[ "$_mh_got" = "$2" ] && return 0
	echo "  $1 has [$_mh_got], want [$2]" >&2
	return 1
}

m_file() {
	grep -l "^Subject: milter test $2\$" "$H_MAIL_ROOT/$1"/new/* \
	    "$H_MAIL_ROOT/$1"/cur/* 2>/dev/null | head -n 1
}

m_compare_all() {
	"$H_PYTHON" - "$H_TMP/orig/m" "$H_MAIL_ROOT" <<'EOF'
import os, re, sys
orig, root = sys.argv[1], sys.argv[2]
bad = 0
for user in os.listdir(root):
    for sub in ("new", "cur"):
        d = os.path.join(root, user, sub)
        if not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            data = open(os.path.join(d, f), "rb").read()
            m = re.search(rb"^Subject: milter test (\d+)$", data, re.M)
            if not m:
                continue
            o = open(os.path.join(orig, m.group(1).decode() + ".eml"), "rb").read()
            hb, _, body = data.partition(b"\n\n")
            ohb, _, obody = o.partition(b"\n\n")
            mid = re.search(rb"^Message-ID: .*$", ohb, re.M).group(0)
            if body != obody or mid not in hb:
                print("altered: %s/%s" % (user, f), file=sys.stderr)
                bad += 1
sys.exit(1 if bad else 0)
EOF
}
