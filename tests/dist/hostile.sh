#!/bin/sh
# dist/hostile.sh - corrupted and truncated frames are rejected without harm
# to either side (tests/dist/wirepeer.py is the hostile peer; python3).
#
# Against a live helios-node, one TLS 1.3 connection each with the
# coordinator's certificate: a bad magic, an unknown version or type, a
# reserved field that is not 0, a HELLO over its limit, a header cut short,
# another frame before HELLO, a HELLO that is no protocol buffer, a HELLO
# flagged compressed; then, after a valid HELLO: a REQUEST announcing more
# than HL_WIRE_MAX_BODY, a REQUEST of random bytes, an unknown flag bit,
# both codec flags, a body cut short (small, and 200 MiB announced), zstd
# and lz4 bodies that are no such thing, a sealed body that is not, one
# shorter than its tag, an unsealed REQUEST after a HELLO that promised
# sealing, a RESPONSE, a TRAIN request without its fields, a request
# without a phase.  Each time the node logs event=closed with the reason
# and stays up.  Then a training across the three nodes, hammered by more
# of the same meanwhile, gives exactly the in-process result.
#
# Against the coordinator: a fake node (the test PKI's node3 certificate,
# wirepeer.py proxy) in front of the real node3.  Relaying sealed frames it
# cannot read (encryption, the default), it is noticed: node3 refuses the
# first body, START fails naming node3.  With encryption = 'none' it relays
# the first two rounds, then answers the TRAIN request of round 3 with
# garbage, a truncated header or half a body, and every HELLO after that
# the same way (auto_reconnect = true): the training (min_nodes_per_round
# = 2 of 3) completes without node3, dropped_nodes counts it, and
# federated_node_diagnostics and federated_node_status say it failed and
# why, for the bad answer (3 rounds) and for the bad HELLO (4 rounds); the
# three modes give the same model.  A fake node hostile from its first
# HELLO is left out at START (min_nodes = 2): the notice names it and why,
# the training goes on with node1 and node2 alone, and
# federated_node_status says node3 failed.
name=hostile
command -v python3 > /dev/null 2>&1 || { echo "dist/hostile.sh: no python3, skipped" >&2; exit 77; }
peer=$(cd "$(dirname "$0")" && pwd)/wirepeer.py
. "$(dirname "$0")/common.sh"
make_sites 300
for k in 1 2 3; do start "node$k" "node$k" "site$k.db"; done
p1=$(cat node1.port) p2=$(cat node2.port) p3=$(cat node3.port)

# ---- the node's side -------------------------------------------------------------
n=0
attack() {  # KIND REASON: node1 logs that reason, and lives on
    n=$((n + 1))
    line=$(python3 "$peer" attack "$p1" pki node1.log "$n" "$1" 2> attack.err) \
        || { bad "$1: $(cat attack.err)"; return; }
    case $line in
    *'event=closed '*'reason="'*"$2"*) ;;
    *) bad "$1: node1 logged '$line', not the reason '$2'" ;;
    esac
    kill -0 "$(cat node1.pid)" 2> /dev/null || bad "node1 died after the frame '$1'"
}
attack magic 'not a helios frame'
attack version 'protocol version 2'
attack type 'unknown frame type 9'
attack reserved 'reserved field'
attack hello_big 'HELLO frame of 4097 bytes'
attack short_header 'closed by peer'
attack not_hello 'expected HELLO'
attack bad_hello 'malformed HELLO'
attack hello_flags 'cannot be compressed or sealed'
attack big 'REQUEST frame of 268435457 bytes'
attack random 'malformed request'
attack flag 'unknown flags 0x0008'
attack both_codecs 'both zstd and lz4'
attack short_body 'closed by peer'
attack huge_body 'closed by peer'
attack zstd 'compressed REQUEST frame'
attack lz4 'lz4 REQUEST frame'
attack lz4_big 'lz4 REQUEST frame'
attack sealed 'fails authentication'
attack short_seal 'shorter than its tag'
attack downgrade 'downgrade'
attack response 'unexpected'
attack empty_train 'malformed TRAIN request'
attack no_phase 'no phase'

# a training across the three, with garbage sent to node1 and node2 meanwhile:
# the same result as in process, to the last bit (as dist/train.sh)
script() {  # workspace options, then one endpoint option per node
    cat <<SQL
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 3$1);
REGISTER FEDERATED NODE 'node1' WITH ($2);
REGISTER FEDERATED NODE 'node2' WITH ($3);
REGISTER FEDERATED NODE 'node3' WITH ($4);
CREATE FEDERATED MODEL m WITH (features = ['x1', 'x2'], target = 'y', rounds = 8,
  learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING m WITH (local_epochs = 2, batch_size = 16);
SELECT wait_for_convergence('m', timeout_seconds => 60);
SELECT round_number, printf('%.17g', global_loss), participating_nodes
FROM federated_training_status('m');
SELECT printf('%.17g', federated_predict('m', x1 => 0.3, x2 => 0.9));
SQL
}
tlsopt=", $tls_opts"
script "$tlsopt" "endpoint = 'tls://127.0.0.1:$p1'" "endpoint = 'tls://127.0.0.1:$p2'" \
    "endpoint = 'tls://127.0.0.1:$p3'" > remote.sql
script "" "endpoint = 'local', database = 'site1.db'" "endpoint = 'local', database = 'site2.db'" \
    "endpoint = 'local', database = 'site3.db'" > local.sql
"$shell" -f local.sql local.db > local.out 2>&1 || bad "the in-process training failed: $(cat local.out)"
"$shell" -f remote.sql remote.db > remote.out 2>&1 &
coord=$!
pids="$pids $coord"
meanwhile=""
for k in random flag short_body big zstd magic; do
    python3 "$peer" attack "$p1" pki node1.log 0 "$k" 2>> meanwhile.err &
    meanwhile="$meanwhile $!"
    python3 "$peer" attack "$p2" pki node2.log 0 "$k" 2>> meanwhile.err &
    meanwhile="$meanwhile $!"
done
pids="$pids$meanwhile"
for p in $meanwhile; do wait "$p"; done
wait "$coord" || bad "the remote training failed: $(cat remote.out)"
pids=$(echo "$pids" | sed "s/ $coord//")
grep -q '^completed$' remote.out || bad "the training did not complete: $(cat remote.out)"
[ "$(grep -c '|3$' remote.out)" = 8 ] || bad "expected 8 rounds with 3 nodes: $(cat remote.out)"
cmp -s remote.out local.out || bad "remote and in-process runs differ: $(diff remote.out local.out)"
[ -s meanwhile.err ] && bad "garbage during the training: $(cat meanwhile.err)"
[ "$(grep -c 'event=closed .*reason=' node1.log)" = $((n + 6)) ] \
    && [ "$(grep -c 'event=closed .*reason=' node2.log)" = 6 ] \
    || bad "node1 and node2 did not log the six frames each got during the training"

# ---- the coordinator's side ------------------------------------------------------
q() { "$shell" "$1" -c "$2" | tail -1; }
proxy() {  # MODE TRAIN LOG: a fake node3 in front of node3, its port in proxy.port
    rm -f proxy.port
    python3 "$peer" proxy pki node3 "$p3" proxy.port "$1" "$2" 2> "$3" &
    proxy=$!
    pids="$pids $proxy"
    i=0
    while [ ! -s proxy.port ]; do
        i=$((i + 1)); [ $i -gt 200 ] && { bad "the fake node did not start: $(cat "$3")"; break; }
        sleep 0.05
    done
}
unproxy() {
    kill "$proxy" 2> /dev/null
    wait "$proxy" 2> /dev/null
    pids=$(echo "$pids" | sed "s/ $proxy//")
}
fake() {  # NAME ROUNDS [WORKSPACE OPTIONS [MIN_NODES]]: a training with node3 behind the fake node
    cat > "$1.sql" <<SQL
CREATE FEDERATED WORKSPACE w WITH (min_nodes = ${4:-3}, min_nodes_per_round = 2${3-}$tlsopt);
REGISTER FEDERATED NODE 'node1' WITH (endpoint = 'tls://127.0.0.1:$p1');
REGISTER FEDERATED NODE 'node2' WITH (endpoint = 'tls://127.0.0.1:$p2');
REGISTER FEDERATED NODE 'node3' WITH (endpoint = 'tls://127.0.0.1:$(cat proxy.port)');
CREATE FEDERATED MODEL m WITH (features = ['x1', 'x2'], target = 'y', rounds = $2,
  learning_rate = 0.5, seed = 7, validation_frequency = 1000);
START FEDERATED TRAINING m WITH (local_epochs = 2, batch_size = 16);
SELECT wait_for_convergence('m', timeout_seconds => 60);
SQL
    "$shell" -f "$1.sql" "$1.db" > "$1.out" 2>&1
}
# the fake node relays frames it cannot read: sealed bodies (encryption,
# the default) are bound to the TLS session, so the node refuses them
proxy pass 0 relay.log
fake relay 3 || true
unproxy
grep -q "node 'node3'" relay.out && ! grep -q '^completed$' relay.out \
    || bad "a TLS-terminating relay was not noticed: $(cat relay.out)"
grep -q 'event=closed .*reason=.*fails authentication' node3.log \
    || bad "node3 did not log the relayed sealed frame: $(tail -3 node3.log)"
# from here on encryption = 'none', which a relay can pass
plain=", encryption = 'none', auto_reconnect = true, reconnect_interval = 1"
for mode in garbage truncated midbody; do
    # a: the TRAIN request of round 3, the last, gets the garbage
    # b: the same, then the HELLO of the reconnection in round 4
    for run in a b; do
        t=$mode-$run
        proxy "$mode" 3 "$t.log"
        fake "$t" "$([ $run = a ] && echo 3 || echo 4)" "$plain" || bad "$t: the training failed: $(cat "$t.out")"
        unproxy
        grep -q '^completed$' "$t.out" || bad "$t: the training did not complete: $(cat "$t.out")"
        [ $run = a ] || grep -q 'answering a HELLO' "$t.log" || bad "$t: no HELLO got the garbage: $(cat "$t.log")"
        want="3/0 3/0 2/1"; [ $run = b ] && want="$want 2/1"
        [ "$(q "$t.db" "SELECT group_concat(participating_nodes || '/' || dropped_nodes, ' ')
            FROM federated_training_metrics('m')")" = "$want" ] \
            || bad "$t: not 2 rounds with node3, then without: $("$shell" "$t.db" -c "SELECT * FROM federated_training_metrics('m')")"
        why=$(q "$t.db" "SELECT connection_status || ': ' || coalesce(failure_reason, '(none)')
            FROM federated_node_diagnostics WHERE node_name = 'node3'")
        echo "$t: $why" >> reasons
        case $mode:$why in
        garbage:'disconnected: '*'not a helios frame'*) ;;
        truncated:'disconnected: '*'closed by peer'*) ;;
        midbody:'disconnected: '*'closed by peer'*) ;;
        *) bad "$t: federated_node_diagnostics says '$why' of node3" ;;
        esac
        [ "$(q "$t.db" "SELECT group_concat(node_name || '=' || status, ' ') FROM federated_node_status")" \
            = "node1=active node2=active node3=failed" ] \
            || bad "$t: federated_node_status: $("$shell" "$t.db" -c "SELECT * FROM federated_node_status")"
        "$shell" "$t.db" -c "SELECT round_number, printf('%.17g', global_loss)
            FROM federated_training_status('m');
            SELECT printf('%.17g', federated_predict('m', x1 => 0.3, x2 => 0.9))" > "$t.model" 2>&1
    done
done
for run in a b; do
    cmp -s "garbage-$run.model" "truncated-$run.model" && cmp -s "garbage-$run.model" "midbody-$run.model" \
        || bad "the three runs $run without node3 differ: $(cat ./*-$run.model)"
done

# hostile from its first HELLO: node3 fails SCHEMA, and with min_nodes = 2
# START leaves it out, says which and why, and trains on node1 and node2
proxy garbage 0 first.log
fake first 3 "$plain" 2 || bad "first HELLO: START did not go on without node3: $(cat first.out)"
unproxy
grep -q "^NOTICE: training goes on with 2 of 3 nodes; node 'node3' (tls://[^)]*) left out: not a helios frame" first.out \
    || bad "first HELLO: the notice does not name node3 and why: $(cat first.out)"
grep -q '^completed$' first.out || bad "first HELLO: the training did not complete: $(cat first.out)"
[ "$(q first.db "SELECT group_concat(participating_nodes || '/' || dropped_nodes, ' ')
    FROM federated_training_metrics('m')")" = "2/0 2/0 2/0" ] \
    || bad "first HELLO: not 3 rounds of node1 and node2 alone: $("$shell" first.db -c "SELECT * FROM federated_training_metrics('m')")"
[ "$(q first.db "SELECT group_concat(node_name || '=' || status, ' ') FROM federated_node_status")" \
    = "node1=active node2=active node3=failed" ] \
    || bad "first HELLO: federated_node_status: $("$shell" first.db -c "SELECT * FROM federated_node_status")"
case $(q first.db "SELECT failure_reason FROM federated_node_diagnostics WHERE node_name = 'node3'") in
*"node 'node3'"*'not a helios frame'*) ;;
*) bad "first HELLO: federated_node_diagnostics: $("$shell" first.db -c "SELECT * FROM federated_node_diagnostics")" ;;
esac

# every node lived through it all: SIGTERM stops each with status 0
for k in 1 2 3; do stop "node$k"; done
exit $fail
