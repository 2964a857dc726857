#!/bin/sh
# dist/train.sh - a federated training across three helios-node processes
# over TLS 1.3 on 127.0.0.1, against the same training with in-process
# nodes over the same site databases: the losses of every round and the
# final model must be identical to the last bit (the coordinator sends each
# node its catalog id, which seeds its random streams).  Then: a node with
# a certificate from another CA is refused, a node that is not running is
# named in the error, and SIGTERM stops every node with status 0 and no
# process or port left behind.
set -u
shell=${HELIOS_SHELL:-$(pwd)/helios-shell}
node=${HELIOS_NODE:-$(dirname "$shell")/helios-node}
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-dist.XXXXXX")
pids=""
fail=0
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
bad() { echo "dist/train.sh: $*" >&2; fail=1; }

sh "$top/tests/pki.sh" "$tmp/pki" || { echo "dist/train.sh: tests/pki.sh failed" >&2; exit 1; }
cd "$tmp" || exit 1
for k in 1 2 3; do
    "$shell" "site$k.db" -c "CREATE TABLE t AS WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL
        SELECT n + 1 FROM i WHERE n < 299) SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2,
        CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 1 ELSE 0 END AS y FROM i
        WHERE n % 3 = $k - 1" > /dev/null || bad "cannot make site$k.db"
done

# start a node; its port is in its "listening" log line
start() {   # name cert db
    "$node" --db "$3" --listen 127.0.0.1:0 --cert "pki/$2.pem" --key "pki/$2.key" \
        --ca pki/ca.pem --name "$1" 2> "$1.log" &
    pids="$pids $!"
    echo $! > "$1.pid"
    i=0
    while ! grep -q "event=listening" "$1.log" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && { bad "$1 did not start: $(cat "$1.log")"; return 1; }
        sleep 0.05
    done
    sed -n 's/.*event=listening.* port=\([0-9]*\).*/\1/p' "$1.log" > "$1.port"
}
for k in 1 2 3; do start "node$k" "node$k" "site$k.db"; done
p1=$(cat node1.port) p2=$(cat node2.port) p3=$(cat node3.port)

script() {  # workspace options, then one endpoint option per node
    cat <<SQL
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 3$1);
REGISTER FEDERATED NODE 'node1' WITH ($2);
REGISTER FEDERATED NODE 'node2' WITH ($3);
REGISTER FEDERATED NODE 'node3' WITH ($4);
CREATE FEDERATED MODEL m WITH (features = ['x1', 'x2'], target = 'y', rounds = 8,
  learning_rate = 0.5, seed = 7, validation_split = 0.2);
START FEDERATED TRAINING m WITH (local_epochs = 2, batch_size = 16);
SELECT wait_for_convergence('m', timeout_seconds => 120);
SELECT round_number, printf('%.17g', global_loss), printf('%.17g', global_accuracy),
       participating_nodes FROM federated_training_status('m');
SELECT printf('%.17g', federated_predict('m', x1 => 0.3, x2 => 0.9));
SELECT metric, printf('%.17g', value) FROM federated_evaluate('m');
SQL
}
tlsopt=", certificate = 'pki/coordinator.pem', private_key = 'pki/coordinator.key', ca_bundle = 'pki/ca.pem'"
script "$tlsopt" "endpoint = 'tls://127.0.0.1:$p1'" "endpoint = 'tls://127.0.0.1:$p2'" \
    "endpoint = 'tls://127.0.0.1:$p3'" > remote.sql
script "" "endpoint = 'local', database = 'site1.db'" "endpoint = 'local', database = 'site2.db'" \
    "endpoint = 'local', database = 'site3.db'" > local.sql
"$shell" -f remote.sql remote.db > remote.out 2>&1 || bad "the remote training failed: $(cat remote.out)"
"$shell" -f local.sql local.db > local.out 2>&1 || bad "the in-process training failed"
grep -q '^completed$' remote.out || bad "remote training did not complete: $(cat remote.out)"
[ "$(grep -c '|3$' remote.out)" = 8 ] || bad "expected 8 rounds with 3 nodes: $(cat remote.out)"
cmp -s remote.out local.out || bad "remote and in-process runs differ: $(diff remote.out local.out)"

# a node whose certificate comes from another CA: refused, and named
start rogue rogue-node site1.db
pr=$(cat rogue.port)
"$shell" remote.db -c "CREATE FEDERATED WORKSPACE r WITH (min_nodes = 1$tlsopt);
    REGISTER FEDERATED NODE 'node1' IN WORKSPACE r WITH (endpoint = 'tls://127.0.0.1:$pr');
    CREATE FEDERATED MODEL rm IN WORKSPACE r WITH (features = ['x1', 'x2'], target = 'y');
    START FEDERATED TRAINING rm;" > rogue.out 2>&1 && bad "a rogue node was accepted"
grep -q "node 'node1' (tls://127.0.0.1:$pr): .*certificate verify failed" rogue.out \
    || bad "rogue node: unexpected message: $(cat rogue.out)"
# a node that is not there
"$shell" remote.db -c "CREATE FEDERATED WORKSPACE gone WITH (min_nodes = 1$tlsopt);
    REGISTER FEDERATED NODE 'node9' IN WORKSPACE gone WITH (endpoint = 'tls://127.0.0.1:1');
    CREATE FEDERATED MODEL gm IN WORKSPACE gone WITH (features = ['x1', 'x2'], target = 'y');
    START FEDERATED TRAINING gm;" > gone.out 2>&1 && bad "a missing node was accepted"
grep -q "node 'node9' (tls://127.0.0.1:1): .*Connection refused" gone.out \
    || bad "missing node: unexpected message: $(cat gone.out)"

# SIGTERM: every node exits 0, logs its stop, and leaves nothing behind
for n in node1 node2 node3 rogue; do
    pid=$(cat "$n.pid")
    kill -TERM "$pid"
    wait "$pid"
    st=$?
    [ $st = 0 ] || bad "$n exited $st after SIGTERM"
    grep -q "event=stopped" "$n.log" || bad "$n did not log its stop"
    pids=$(echo "$pids" | sed "s/ $pid//")
done
grep -q "event=refused.*certificate" rogue.log || grep -q "event=closed" rogue.log \
    || bad "the rogue node logged nothing of the refusal"
exit $fail
