# courier_limit.sh - part of tests/interop/courier.sh (sourced, after the
# cells): the adaptive per-server limit (issue 21) against Courier's own
# per-IP limit as shipped, couriertcpd -maxperip=4 (port CO_P3).  The
# daemon with the default limits (start at 4, ceiling 20) polls 12
# mailboxes, 12 Courier accounts (alice-1 .. alice-12, which the
# stand-in authdaemon knows, each with its own Maildir holding the 5
# smallest messages of the corpus: sessions on one Maildir at once trip
# over each other's renames, "Can't open the message file - it's gone!"):
# every mailbox is polled and delivers its 5, no session is deferred or
# failed, couriertcpd refused at least
# once (the probe of a fifth session: "Maximum connection limit reached"
# in its log), the daemon logged the refusal and its limit for the server
# never went above 4 afterwards.
co_n=12
mkdir -p "$H_TMP/corpus-small"
for f in $(ls -S "$CORPUS" | grep '\.eml$' | tail -5); do cp "$CORPUS/$f" "$H_TMP/corpus-small/"; done
: >"$P_ETC/mailboxes.cf"
sed -i '/^lim[0-9]* /d' "$P_ETC/passwords"
i=1
while [ "$i" -le "$co_n" ]; do
	"$H_PYTHON" "$IT/corpus.py" maildir "$CO/home/Maildir-$i" \
	    "$H_TMP/corpus-small"
	p_mailbox "lim$i user pop3://$CO_USER-$i@localhost:$CO_P3 rcpt@example.test"
	p_mailbox "  -o keep=yes"
	p_password "lim$i" "$CO_PW"
	i=$((i + 1))
done
rm -rf "$H_TMP/state" "$CAP"/[0-9]*
: >"$H_TMP/co-limit.log"
"$P_FETCHER" -f -c "$P_ETC" >>"$H_TMP/co-limit.log" 2>&1 &
co_d=$!
h_track_pid "$co_d"
co_w=1200
while [ "$(grep -c 'session=done' "$H_TMP/co-limit.log")" -lt "$co_n" ] &&
    [ "$co_w" -gt 0 ] && kill -0 "$co_d" 2>/dev/null; do
	sleep 0.1
	co_w=$((co_w - 1))
done
kill -TERM "$co_d" 2>/dev/null
wait "$co_d" 2>/dev/null
co_done=$(grep -c 'session=done' "$H_TMP/co-limit.log")
co_ref=$(grep -c 'Maximum connection limit reached' "$CO/tcpd3.err" 2>/dev/null)
co_cap=$(ls "$CAP" | grep -c '^[0-9]*$')
co_lim=$(sed -n 's/.*limit for localhost now \([0-9]*\),.*/\1/p' \
    "$H_TMP/co-limit.log" | tail -1)
sed -n '/refused a session/p' "$H_TMP/co-limit.log" | sed 's/^/    /' | head -5
if [ "$co_done" -eq "$co_n" ] && [ "$co_ref" -ge 1 ] &&
    [ "${co_lim:-99}" -le 4 ] &&
    ! grep -Eq 'session=(deferred|failed)' "$H_TMP/co-limit.log"; then
	cell courier maxperip=4 STLS "ok ($co_n mailboxes polled, $co_cap messages; couriertcpd refused $co_ref, limit now $co_lim)"
else
	cell courier maxperip=4 STLS "error: $co_done of $co_n polled, couriertcpd refused ${co_ref:-0}, limit ${co_lim:-?}, $(grep -cE 'session=(deferred|failed)' "$H_TMP/co-limit.log") deferred/failed"
fi
h_check "courier maxperip=4: all $co_n mailboxes polled ($co_done)" \
    [ "$co_done" -eq "$co_n" ]
h_check "courier maxperip=4: each delivered its 5 messages ($co_cap)" \
    [ "$co_cap" -eq $((co_n * 5)) ]
h_check "courier maxperip=4: no session deferred or failed" \
    sh -c "! grep -Eq 'session=(deferred|failed)' '$H_TMP/co-limit.log'"
h_check "courier maxperip=4: couriertcpd refused the probe ($co_ref)" \
    [ "${co_ref:-0}" -ge 1 ]
h_check "courier maxperip=4: the daemon logged it, limit ${co_lim:-?} <= 4" \
    [ "${co_lim:-99}" -le 4 ]
