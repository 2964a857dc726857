#!/bin/sh
# dist/secagg_kill.sh - secure aggregation over five helios-node processes,
# one of them (node3) killed with SIGKILL in the middle of a round's
# protocol: the round completes without it and the coordinator still
# recovers the exact sum of the survivors' updates.
#
# node3 is registered with max_bandwidth_mbps = 0.2, so that it sends its
# masked vector (about 20 kB: logistic regression over two numbers and five
# text columns of 1000 values each) at 25 kB/s: from round 2 on it spends
# about 0.8 s on it.  With helios-node --verbose the test reads node3's log
# and kills it at its second SECAGG request of round 2 (the MASKED_INPUT
# stage: node3 has shared its secrets and is in every survivor's pairwise
# masks, so the coordinator must rebuild node3's round key from the
# survivors' shares and take those masks out).  Without --verbose it kills
# node3 once round 1 is committed, while round 2 runs, most likely in the
# same wait (and then checks only what holds wherever the kill lands).
#
# Checks: the training completes all its rounds; the rounds up to the kill
# have 5 nodes and every round from the first one without node3 has 4 with
# 1 dropped; the loss keeps decreasing; node3 is 'failed' with a reason.
# And the model: a second training of the same model and seed, in which
# node3 takes part in exactly the rounds it took part in here and is gone
# from then on (the rounds up to then, a checkpoint, and a RESUME in which
# tests/dist/wirepeer.py in front of node3 drops it at its next TRAIN), must
# give the same losses after that round and the same predictions, within
# 1e-9: the masked sum was recovered, not approximated.  That second
# training needs python3; without it, it is skipped.
name=secagg_kill
peer=$(cd "$(dirname "$0")" && pwd)/wirepeer.py
. "$(dirname "$0")/common.sh"
R=8             # rounds
KILL_ROUND=2    # the round node3 dies in (>= 2: round 1 also sets the keys up)
KILL_STAGE=2    # at its n-th SECAGG request of that round (2: MASKED_INPUT)
verbose=0
if "$node" --help 2>&1 | grep -q -- --verbose; then
    verbose=1
    real_node=$node
    node=$tmp/helios-node-verbose
    printf '#!/bin/sh\nexec "%s" --verbose "$@"\n' "$real_node" > "$node"
    chmod +x "$node"
fi

for k in 1 2 3 4 5; do
    "$shell" "site$k.db" -c "CREATE TABLE t AS WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL
        SELECT n + 1 FROM i WHERE n < 4999) SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2,
        'a' || (n % 1000) AS c1, 'b' || (n * 7 % 1000) AS c2, 'c' || (n * 11 % 1000) AS c3,
        'd' || (n * 13 % 1000) AS c4, 'e' || (n * 17 % 1000) AS c5,
        CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 1 ELSE 0 END AS y FROM i
        WHERE n % 5 = $k - 1" > /dev/null || bad "cannot make site$k.db"
done
# the test PKI has three node certificates; node4 and node5 use node1's and
# node2's, which name 127.0.0.1 too (the coordinator accepts the host)
for k in 1 2 3 4 5; do start "node$k" "node$(( (k - 1) % 3 + 1 ))" "site$k.db"; done

script() {  # WORKSPACE-OPTIONS NODE3-ENDPOINT NODE3-OPTIONS START-OPTIONS, then more SQL on stdin
    echo "CREATE FEDERATED WORKSPACE w WITH (min_nodes = 5, min_nodes_per_round = 3, $tls_opts$1);"
    for k in 1 2 3 4 5; do
        if [ $k = 3 ]; then
            echo "REGISTER FEDERATED NODE 'node3' WITH (endpoint = 'tls://127.0.0.1:$2'$3);"
        else
            echo "REGISTER FEDERATED NODE 'node$k' WITH (endpoint = 'tls://127.0.0.1:$(cat "node$k.port")');"
        fi
    done
    cat <<SQL
CREATE FEDERATED MODEL m WITH (features = ['x1', 'x2', 'c1', 'c2', 'c3', 'c4', 'c5'], target = 'y',
  rounds = $R, learning_rate = 0.5, seed = 7, secure_aggregation = true,
  validation_frequency = 1000);
START FEDERATED TRAINING m WITH (local_epochs = 2, batch_size = 16$4);
SELECT wait_for_convergence('m', timeout_seconds => 120);
SQL
    cat
}
model() {  # DB: the rounds and the model, to 17 digits
    "$shell" "$1" -c "SELECT round_number, participating_nodes, dropped_nodes,
        printf('%.17g', global_loss) FROM federated_training_metrics('m');
      SELECT printf('%.17g', federated_predict('m', x1 => 0.3, x2 => 0.9, c1 => 'a5', c2 => 'b35',
        c3 => 'c55', c4 => 'd65', c5 => 'e85'));
      SELECT printf('%.17g', federated_predict('m', x1 => 0.8, x2 => 0.6, c1 => 'a1', c2 => 'b2',
        c3 => 'c3', c4 => 'd4', c5 => 'e5'))" 2>&1
}
rounds() {  # the last committed round of the training in train.db
    r=$("$shell" train.db -c "SELECT coalesce(max(round_number), 0) FROM federated_training_status('m')" \
        2>/dev/null | tail -1)
    case $r in ''|*[!0-9]*) echo 0 ;; *) echo "$r" ;; esac
}
# at_secagg LOG ROUND STAGE: prints the round of the STAGE-th SECAGG request
# of the first round >= ROUND the log shows (--verbose: a TRAIN request line
# says its round, and so may a SECAGG one), or nothing yet
at_secagg() {
    awk -v want="$2" -v stage="$3" '
        /event=request / {
            rd = ""
            if (match($0, / round=[0-9]+/)) rd = substr($0, RSTART + 7, RLENGTH - 7) + 0
            if ($0 ~ / phase=TRAIN /) {
                if (rd != "") { cur = rd; k = 0 }
            } else if ($0 ~ / phase=SECAGG /) {
                if (rd != "" && rd != cur) { cur = rd; k = 0 }
                if (cur != "" && cur >= want && ++k == stage) { print cur; exit }
            }
        }' "$1"
}

# ---- the training, and node3 killed mid-protocol -----------------------------------
script "" "$(cat node3.port)" ", max_bandwidth_mbps = 0.2" "" < /dev/null > train.sql
"$shell" -f train.sql train.db > train.out 2>&1 &
coord=$!
pids="$pids $coord"
killed=""
i=0
while [ -z "$killed" ]; do
    if [ $verbose = 1 ]; then
        killed=$(at_secagg node3.log $KILL_ROUND $KILL_STAGE)
    else
        done_=$(rounds)     # without --verbose: once round KILL_ROUND - 1 is in
        [ "$done_" -ge $((KILL_ROUND - 1)) ] && killed=$((done_ + 1))
    fi
    [ -n "$killed" ] && break
    kill -0 "$coord" 2> /dev/null || { bad "the training ended before node3 reached round $KILL_ROUND: $(cat train.out)"; break; }
    i=$((i + 1)); [ $i -gt 3000 ] && { bad "node3 did not reach round $KILL_ROUND in 60 s"; break; }
    sleep 0.02
done
kill -9 "$(cat node3.pid)"
wait "$(cat node3.pid)" 2> /dev/null
pids=$(echo "$pids" | sed "s/ $(cat node3.pid)//")
wait "$coord" || bad "the training shell failed: $(cat train.out)"
pids=$(echo "$pids" | sed "s/ $coord//")
cp node3.log killed3.log
grep -q '^completed$' train.out || bad "the training did not complete: $(cat train.out)"
model train.db > train.model
[ "$(q "SELECT count(*) FROM federated_training_metrics('m')")" = $R ] || bad "not $R rounds: $(cat train.model)"
# the last round node3 was in the sum (the kill's round, when its masked
# vector got through), and the rounds on either side
last=$(q "SELECT coalesce(max(round_number), 0) FROM federated_training_metrics('m') WHERE participating_nodes = 5")
[ -n "$killed" ] && { [ "$last" = $((killed - 1)) ] || [ "$last" = "$killed" ]; } \
    || bad "node3, killed in round ${killed:-?}, was last in round $last: $(cat train.model)"
[ "$(q "SELECT count(*) FROM federated_training_metrics('m') WHERE round_number <= $last
       AND participating_nodes = 5 AND dropped_nodes = 0")" = "$last" ] \
    || bad "rounds 1 to $last did not all have the five nodes: $(cat train.model)"
[ "$(q "SELECT count(*) FROM federated_training_metrics('m') WHERE round_number > $last
       AND participating_nodes = 4 AND dropped_nodes = 1")" = $((R - last)) ] \
    || bad "the rounds after $last did not all have four nodes and one dropped: $(cat train.model)"
[ "$(q "SELECT count(*) FROM federated_training_metrics('m') a JOIN federated_training_metrics('m') b
       ON b.round_number = a.round_number + 1 WHERE NOT b.global_loss < a.global_loss")" = 0 ] \
    || bad "the loss did not keep decreasing: $(cat train.model)"
[ "$(q "SELECT status || ':' || (failure_reason IS NOT NULL) FROM federated_node_status s
       JOIN federated_node_diagnostics d USING (node_name) WHERE node_name = 'node3'")" = "failed:1" ] \
    || bad "node3 is not failed with a reason: $("$shell" train.db -c "SELECT * FROM federated_node_diagnostics")"
if [ $verbose = 1 ]; then
    # killed waiting to send its masked vector: that request was its last word
    tail -1 killed3.log | grep -q 'event=request phase=SECAGG' \
        || bad "node3 was not killed between a SECAGG request and its answer: $(tail -2 killed3.log)"
    [ "$last" = $((killed - 1)) ] \
        || bad "node3, killed before it answered in round $killed, is in that round's sum: $(cat train.model)"
fi

# ---- the same model, node3 gone from round $last + 1 on, by design --------------------
if command -v python3 > /dev/null 2>&1; then
    start node3 node3 site3.db
    rm -f proxy.port
    python3 "$peer" proxy pki node3 "$(cat node3.port)" proxy.port drop $((last + 1)) 2> proxy.log &
    proxy=$!
    pids="$pids $proxy"
    i=0
    while [ ! -s proxy.port ]; do
        i=$((i + 1)); [ $i -gt 200 ] && { bad "the relay did not start: $(cat proxy.log)"; break; }
        sleep 0.05
    done
    # encryption = 'none': sealed frames are bound to a TLS session, which
    # the relay is not part of
    script ", encryption = 'none'" "$(cat proxy.port)" "" ", rounds = $last" > ref.sql <<SQL
CHECKPOINT FEDERATED TRAINING m TO 'ref.ckpt';
RESUME FEDERATED TRAINING m FROM 'ref.ckpt' WITH (rounds = $R);
SELECT wait_for_convergence('m', timeout_seconds => 120);
SQL
    "$shell" -f ref.sql ref.db > ref.out 2>&1 || bad "the second training failed: $(cat ref.out)"
    [ "$(grep -c '^completed$' ref.out)" = 2 ] || bad "the second training did not complete: $(cat ref.out)"
    kill "$proxy" 2> /dev/null
    wait "$proxy" 2> /dev/null
    pids=$(echo "$pids" | sed "s/ $proxy//")
    grep -q 'dropped: the node is gone' proxy.log || bad "the relay never dropped node3: $(cat proxy.log)"
    model ref.db > ref.model
    # the rounds from $last + 1 (those of the RESUME, the latest run) with the
    # same nodes, the same losses but in round $last + 1 (whose loss counts
    # node3's when it trained then and died in the protocol), and the same
    # predictions
    awk -F'|' -v skip=$((last + 1)) -v want=$((R - last + 2)) '
        FNR == 1 { f++; p = 0 }
        { key = NF == 4 ? "round " $1 : "prediction " ++p }
        f == 1 { a[key] = $0; next }
        {
            if (!(key in a)) { print key ": not in the first training"; bad = 1; next }
            split(a[key], x, "|")
            seen++
            if (NF == 4 && (x[2] != $2 || x[3] != $3)) {
                print key ": " x[2] "/" x[3] " nodes against " $2 "/" $3; bad = 1
            }
            if (NF == 4 && $1 == skip) next
            d = x[NF] - $NF; if (d < 0) d = -d
            if (!(d <= 1e-9)) { print key ": " x[NF] " against " $NF; bad = 1 }
            else if (x[NF] != $NF) inexact++
        }
        END {
            if (seen != want) { print seen " rows to compare, not " want; bad = 1 }
            if (inexact) print inexact " values differ, by at most 1e-9" > "/dev/stderr"
            exit bad
        }' train.model ref.model > compare.out 2> inexact.out \
        || bad "the model without node3 from round $((last + 1)) differs: $(cat compare.out)
killed:
$(cat train.model)
by design:
$(cat ref.model)"
else
    echo "dist/$name.sh: no python3: the comparison with a training without node3 is skipped" >&2
fi

for k in 1 2 3 4 5; do
    [ -f "node$k.pid" ] && kill -0 "$(cat "node$k.pid")" 2> /dev/null && stop "node$k"
done
exit $fail
