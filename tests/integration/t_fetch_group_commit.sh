#!/bin/sh
# t_fetch_group_commit - the UIDL journal's group commit (issue 21): with
# journal_group_size = 1 every delivered message costs one fdatasync of
# the journal; with groups the records of messages accepted close together
# share one, and still every message arrives exactly once, the mailbox is
# emptied (each DELE after its own record's sync) and a second cycle
# delivers nothing again.  Counted with strace -y on the journal's fd.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

N=${N:-120}

h_init
h_ca
h_dovecot_start "ida:ida-pw jon:jon-pw"
h_postfix_start example.test "ida jon"
h_seed ida "$N" 1 >/dev/null
h_seed jon "$N" 2 >/dev/null
P_EXTRA_CF="delivery_parallelism = 8"
p_config
p_mailbox "ida user pop3://ida@localhost:$H_POP3_PORT ida@example.test"
p_password ida ida-pw

# journal_syncs MAILBOX: fdatasync calls on MAILBOX.journal in one fetch
journal_syncs() {
	: >"$H_TMP/fetcher.log"
	strace -f -y -e trace=fdatasync -o "$H_TMP/strace.$1" \
	    "$P_FETCHER" -f -1 -c "$P_ETC" >>"$H_TMP/fetcher.log" 2>&1 ||
	    echo "# fetcher exited $?" >&2
	grep -c "$1\.journal>" "$H_TMP/strace.$1" || true
}

echo "journal_group_size = 1" >>"$P_ETC/popconn.cf"
one=$(journal_syncs ida)
h_check "group size 1: one journal sync per message ($one for $N)" \
    [ "$one" -ge "$N" ]

sed -i '/^journal_group_size/d' "$P_ETC/popconn.cf"
echo "journal_group_size = 16" >>"$P_ETC/popconn.cf"
echo "journal_group_delay = 20" >>"$P_ETC/popconn.cf"
p_mailbox "jon user pop3://jon@localhost:$H_POP3_PORT jon@example.test"
p_password jon jon-pw
sed -i '/^ida /d' "$P_ETC/mailboxes.cf"
grouped=$(journal_syncs jon)
echo "# journal fdatasyncs for $N messages: $one without groups, $grouped with"
h_check "groups: fewer journal syncs than messages ($grouped < $N)" \
    [ "$grouped" -lt "$N" ]
h_check "postfix drained its queue" h_postfix_wait_idle 60
h_check "ida: all $N delivered once" \
    h_compare ida "$H_TMP/orig/ida" "$H_MAIL_ROOT/ida"
h_check "jon (grouped): all $N delivered once" \
    h_compare jon "$H_TMP/orig/jon" "$H_MAIL_ROOT/jon"
h_check "jon's POP3 mailbox is empty" [ "$(h_pop_count jon)" -eq 0 ]
p_fetch
h_postfix_wait_idle 30 || true
h_check "jon: a second cycle delivers nothing again" \
    h_compare jon "$H_TMP/orig/jon" "$H_MAIL_ROOT/jon"
h_done
