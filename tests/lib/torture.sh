# shellcheck shell=sh
# torture.sh - helpers for the reliability scenarios (t_torture_*.sh,
# tests/torture/).  Source after harness.sh and popconn.sh.
#
#   t_rand N                    a random number in [0, N)
#   t_sleep_ms LO HI            sleep a random time in [LO, HI] ms
#   t_tally ORIGS DELIVS SERVS  run tally.py (space-separated directory
#                               lists); sets T_M T_D T_L T_X T_A T_S
#   t_figures NAME TRIALS MAXDUP [STUCK_WANT]
#                               print "NAME: trials=.., messages=..,
#                               delivered=.., lost=.., duplicated=..,
#                               altered=.., stuck=.." and check: none
#                               lost, none altered, at most MAXDUP
#                               duplicates, stuck = STUCK_WANT (if given,
#                               else 0), delivered + stuck = messages.
#                               The line is also appended to
#                               $TORTURE_FIGURES when that is set.
#   t_fetch_bounded SECS [ARGS] one fetch cycle under `timeout SECS`
#                               (log in $H_TMP/fetcher.log); P_STATUS

t_rand() {
	_tr=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	echo $((_tr % $1))
}

t_sleep_ms() {
	_ms=$(($1 + $(t_rand $(($2 - $1 + 1)))))
	sleep "$(printf '%d.%03d' $((_ms / 1000)) $((_ms % 1000)))"
}

t_tally() {
	_tt_args=
	for _d in $1; do _tt_args="$_tt_args --orig $_d"; done
	for _d in $2; do _tt_args="$_tt_args --delivered $_d"; done
	for _d in ${3:-}; do _tt_args="$_tt_args --server $_d"; done
	# shellcheck disable=SC2086
	_tt_out=$("$H_PYTHON" "$H_LIB_DIR/tally.py" $_tt_args 2>"$H_TMP/tally.err")
	sed 's/^/# /' "$H_TMP/tally.err" | head -40 >&2
	T_M=$(echo "$_tt_out" | sed -n 's/.*messages=\([0-9]*\).*/\1/p')
	T_D=$(echo "$_tt_out" | sed -n 's/.*delivered=\([0-9]*\).*/\1/p')
	T_L=$(echo "$_tt_out" | sed -n 's/.*lost=\([0-9]*\).*/\1/p')
	T_X=$(echo "$_tt_out" | sed -n 's/.*duplicated=\([0-9]*\).*/\1/p')
	T_A=$(echo "$_tt_out" | sed -n 's/.*altered=\([0-9]*\).*/\1/p')
	T_S=$(echo "$_tt_out" | sed -n 's/.*stuck=\([0-9]*\).*/\1/p')
	[ -n "$T_M" ] || { T_M=0 T_D=0 T_L=999 T_X=999 T_A=999 T_S=999; }
}

t_figures() {
	_tf_line="$1: trials=$2, messages=$T_M, delivered=$T_D, lost=$T_L, duplicated=$T_X, altered=$T_A, stuck=$T_S"
	echo "$_tf_line"
	[ -z "${TORTURE_FIGURES:-}" ] || echo "$_tf_line" >>"$TORTURE_FIGURES"
	h_check "$1: none lost ($T_L)" [ "$T_L" -eq 0 ]
	h_check "$1: none altered ($T_A)" [ "$T_A" -eq 0 ]
	h_check "$1: duplicates ($T_X) at most $3" [ "$T_X" -le "$3" ]
	h_check "$1: stuck ($T_S) as expected (${4:-0})" [ "$T_S" -eq "${4:-0}" ]
	h_check "$1: every message delivered or stuck ($T_D + $T_S of $T_M)" \
	    [ $((T_D + T_S)) -eq "$T_M" ]
	h_check "$1: something was delivered at all" [ "$T_D" -gt 0 ]
}

t_fetch_bounded() {
	_tfb_t=$1; shift
	P_STATUS=0
	timeout "$_tfb_t" "$P_FETCHER" -f -1 -c "$P_ETC" "$@" \
	    >>"$H_TMP/fetcher.log" 2>&1 || P_STATUS=$?
	return 0
}
