#!/bin/sh
# t_route_corpus - the differential test of issue 14: every message of
# tests/corpus/route/ (NN-name.eml, the expected recipients beside it in
# NN-name.expect) goes through "popconnctl route test" and through the
# real path (Dovecot -> popconn-fetcher -> Postfix sendmail ->
# popconn-milter), in a site as installed (the shipped conf/popconn.cf
# with only paths changed, Postfix set up by postfix-setup --apply, with
# Debian's recipient_delimiter = +).  For each message the two recipient
# sets must be equal, and equal to the expected set; every difference is
# printed.  Nothing may reach the error/remote transport.
#
# Recipient sets: route test's "recipient: ADDR (reason)" lines, or
# "undeliverable" for its "undeliverable: ..." line; Postfix's envelope
# recipients of the message (found in the maillog by its Message-ID:
# orig_to, else to), with the placeholder (undeliverable_mailbox, in any
# form) written "undeliverable".  Addresses compare in lower case, without
# angle brackets.
#
# One Dovecot global mailbox and one fetch for the whole corpus.  Without
# an argument it runs once per Postfix mode (CORPUS_MODES, default
# "mydestination virtual"); with one, in that mode.  CORPUS=glob limits
# the messages (e.g. CORPUS='5[0-9]-*').
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
export TOP BUILD
DIR=$TOP/tests/corpus/route
. "$TOP/tests/lib/site.sh"
[ -z "${CORPUS_MODES:-}" ] || SITE_MODES=$CORPUS_MODES
site_main "$@"
site_start "alice bob carol dave" "recipient_delimiter = +" ||
    { h_not_ok "$MODE: site starts"; h_done; exit 1; }
site_catchall

W=$H_TMP/corpus
mkdir -p "$W"
md=$H_POP_MAILDIR_ROOT/domain/Maildir
n=0
for f in "$DIR"/${CORPUS:-*}.eml; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .eml)
	n=$((n + 1))
	mid=$(sed -n '/^$/q; /^\r$/q; s/^Message-ID: <\(.*\)>\r\{0,1\}$/\1/p' "$f")
	if [ -z "$mid" ] || [ ! -f "$DIR/$b.expect" ]; then
		h_not_ok "$b: the corpus needs a Message-ID and $b.expect"
		continue
	fi
	echo "$b $mid" >>"$W/list"
	# the ISP's copy, in corpus order (Dovecot serves by file name order
	# of arrival; the names keep it stable)
	cp "$f" "$md/tmp/$b"
	chown "$H_VUID:$H_VGID" "$md/tmp/$b"
	mv "$md/tmp/$b" "$md/new/$(printf '%04d' "$n").$b"
	# route test on the same bytes
	"$CTL" -c "$P_ETC" route test "$f" >"$W/$b.route" 2>&1
	echo "$?" >"$W/$b.route-rc"
done
if [ -z "${CORPUS:-}" ]; then
	h_check "$MODE: corpus has at least 40 messages ($n)" [ "$n" -ge 40 ]
fi
dups=$(cut -d' ' -f2 "$W/list" | sort | uniq -d)
h_check "$MODE: Message-IDs are unique${dups:+ (not: $dups)}" [ -z "$dups" ]

p_fetch
h_check "$MODE: one fetch for the corpus exits 0 (status $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "$MODE: postfix drained" h_postfix_wait_idle 60
h_check "$MODE: nothing left at the ISP" [ "$(h_pop_count domain)" -eq 0 ]
h_check "$MODE: nothing reached the error/remote transport" h_maillog_relays
h_maillog_rcpts >"$W/maillog.rcpts"

# norm: one address per line -> sorted set in lower case, placeholder
# forms -> "undeliverable"
norm() {
	tr 'A-Z' 'a-z' | sed -e 's/^[ \t]*//' -e 's/[ \t]*$//' \
	    -e 's/^<\(.*\)>$/\1/' -e '/^#/d' -e '/^$/d' \
	    -e 's/^postmaster$/undeliverable/' \
	    -e 's/^postmaster@example\.test$/undeliverable/' | sort -u |
	    tr '\n' ' ' | sed 's/ $//'
}
# diffset A B: "+x" for what B has and A not, "-y" for the reverse
diffset() {
	printf '%s\n' $1 | sort >"$W/a"
	printf '%s\n' $2 | sort >"$W/b"
	{ comm -13 "$W/a" "$W/b" | sed 's/^/+/'; comm -23 "$W/a" "$W/b" | sed 's/^/-/'; } |
	    tr '\n' ' ' | sed 's/ $//'
}

bad_list=
while read -r b mid; do
	want=$(norm <"$DIR/$b.expect")
	rrc=$(cat "$W/$b.route-rc")
	said=$(sed -n -e 's/^recipient: \([^ ]*\) (.*$/\1/p' \
	    -e 's/^undeliverable: .*/undeliverable/p' "$W/$b.route" | norm)
	[ "$rrc" = 0 ] || said="(route test exit $rrc) $said"
	did=$(awk -F '\t' -v m="$mid" '$1 == m { print $2 }' "$W/maillog.rcpts" | norm)
	[ -n "$did" ] || did="(not in the maillog)"
	if [ "$said" = "$want" ] && [ "$did" = "$want" ]; then
		h_ok "$MODE: $b: [$want]"
		continue
	fi
	bad_list="$bad_list $b"
	h_not_ok "$MODE: $b"
	echo "#   expected:   [$want]"
	echo "#   route test: [$said]$( [ "$said" = "$want" ] || echo "  differs: $(diffset "$want" "$said")")"
	echo "#   real path:  [$did]$( [ "$did" = "$want" ] || echo "  differs: $(diffset "$want" "$did")")"
	if [ "$said" != "$did" ]; then
		echo "#   route test and real path disagree: $(diffset "$said" "$did") (real path relative to route test)"
	fi
	grep -v '^recipient:' "$W/$b.route" | cut -c1-300 | sed 's/^/#   route test says: /'
	qids=$(grep -F "message-id=<$mid>" "$H_MAILLOG" | sed -n 's/.*: \([0-9A-F]*\): message-id=.*/\1/p')
	for q in $qids; do
		grep -F "$q: mailbox=" "$M_LOG" | cut -c1-300 | sed 's/^/#   milter: /'
	done
done <"$W/list"
[ -z "$bad_list" ] || echo "# $MODE: failing:$bad_list"

# ---- Phase 2: duplicates (issue 18).  tests/corpus/route-dup: copy 1 of
# each case fetched first, then copy 2 (the same Message-ID); every
# expected recipient receives the message exactly once over both copies,
# and route test on copy 2 names the copies the milter drops.
DUP=$TOP/tests/corpus/route-dup
if [ -z "${CORPUS:-}" ] && [ -d "$DUP" ]; then
	for k in 1 2; do
		for f in "$DUP"/*.$k.eml; do
			b=$(basename "$f" .$k.eml)
			cp "$f" "$md/tmp/dup.$b.$k"
			chown "$H_VUID:$H_VGID" "$md/tmp/dup.$b.$k"
			mv "$md/tmp/dup.$b.$k" "$md/new/dup.$b.$k"
			"$CTL" -c "$P_ETC" route test "$f" >"$W/dup.$b.$k.route" 2>&1
		done
		p_fetch
		h_check "$MODE: duplicates, copy $k: fetch exits 0 (status $P_STATUS)" [ "$P_STATUS" -eq 0 ]
		h_postfix_wait_idle 60 || true
	done
	h_check "$MODE: duplicates: nothing left at the ISP" [ "$(h_pop_count domain)" -eq 0 ]
	for e in "$DUP"/*.expect; do
		b=$(basename "$e" .expect)
		mid=$(sed -n 's/^Message-ID: <\(.*\)>$/\1/p' "$DUP/$b.1.eml")
		want=$(norm <"$e")
		# deliveries, with repeats: each recipient must appear once
		got=$(grep -F "message-id=<$mid>" "$H_MAILLOG" |
		    sed -n 's/.*: \([0-9A-F]*\): message-id=.*/\1/p' | while read -r q; do
			grep -F " $q: to=<" "$H_MAILLOG" | grep 'status=sent' |
			    sed -n 's/.*orig_to=<\([^>]*\)>.*/\1/p; t; s/.* to=<\([^>]*\)>.*/\1/p'
		done | tr 'A-Z' 'a-z' | sort)
		once=$(printf '%s\n' "$got" | sed '/^$/d' | uniq -d)
		did=$(printf '%s\n' "$got" | norm)
		r1=$(sed -n 's/^recipient: \([^ ]*\) (.*$/\1/p' "$W/dup.$b.1.route" | norm)
		drop=$(sed -n 's/^duplicate: \([^ ]*\) would be dropped.*/\1/p' "$W/dup.$b.2.route" | norm)
		r2=$(sed -n 's/^recipient: \([^ ]*\) (.*$/\1/p' "$W/dup.$b.2.route" | norm)
		keep2=$(diffset "$drop" "$r2" | tr ' ' '\n' | sed -n 's/^+//p' | norm)
		said=$(printf '%s\n' $r1 $keep2 | norm)
		twice=$(printf '%s\n' $r1 $keep2 | sort | uniq -d | tr '\n' ' ')
		if [ "$did" = "$want" ] && [ -z "$once" ] && [ "$said" = "$want" ] && [ -z "$twice" ]; then
			h_ok "$MODE: duplicates: $b: [$want] once each"
		else
			h_not_ok "$MODE: duplicates: $b"
			echo "#   expected once each: [$want]"
			echo "#   real path: [$did]${once:+, more than once: $once}"
			echo "#   route test: copy 1 [$r1], copy 2 [$r2] dropping [$drop]${twice:+, twice: $twice}"
		fi
	done
fi
h_done
