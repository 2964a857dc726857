# dist/common.sh - what the multi-process tests share; sourced by them,
# with $name set to the test's name.  Sets shell, node, top, a scratch
# directory (the current one afterwards) with a test PKI in pki/, and:
#   bad MSG               reports a failure (the test exits 1 at the end)
#   make_sites ROWS       site1.db .. site3.db: ROWS rows of the x1 + x2 > 1
#                         problem, dealt round-robin
#   start NAME CERT DB [PORT]   a helios-node on 127.0.0.1 (port 0: any),
#                         its pid in NAME.pid and its port in NAME.port
#   stop NAME             SIGTERM; it must exit 0
#   tls_opts              the workspace options naming the coordinator's
#                         credentials and the CA (the test PKI)
#   q SQL                 the last line of SQL's output on train.db
#   register_nodes        REGISTER FEDERATED NODE for node1..node3 at their ports
#   rounds [MODEL]        the last committed round of MODEL (default m) in
#                         train.db, 0 before the first
#   wait_round N [MODEL]  waits (60 s at most) until MODEL has round N
# Every node started is killed when the test ends, whatever happens.
set -u
shell=${HELIOS_SHELL:-$(pwd)/helios-shell}
node=${HELIOS_NODE:-$(dirname "$shell")/helios-node}
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-$name.XXXXXX")
pids=""
fail=0
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
bad() { echo "dist/$name.sh: $*" >&2; fail=1; }

sh "$top/tests/pki.sh" "$tmp/pki" || { echo "dist/$name.sh: tests/pki.sh failed" >&2; exit 1; }
cd "$tmp" || exit 1

make_sites() {
    for k in 1 2 3; do
        "$shell" "site$k.db" -c "CREATE TABLE t AS WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL
            SELECT n + 1 FROM i WHERE n < $1 - 1) SELECT (n % 17) / 17.0 AS x1,
            (n % 13) / 13.0 AS x2,
            CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 1 ELSE 0 END AS y FROM i
            WHERE n % 3 = $k - 1" > /dev/null || bad "cannot make site$k.db"
    done
}

start() {
    : > "$1.log"
    "$node" --db "$3" --listen "127.0.0.1:${4:-0}" --cert "pki/$2.pem" --key "pki/$2.key" \
        --ca pki/ca.pem --name "$1" 2>> "$1.log" &
    pids="$pids $!"
    echo $! > "$1.pid"
    i=0
    while ! grep -q "event=listening" "$1.log" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 200 ] && { bad "$1 did not start: $(cat "$1.log")"; return 1; }
        sleep 0.05
    done
    sed -n 's/.*event=listening.* port=\([0-9]*\).*/\1/p' "$1.log" > "$1.port"
}

stop() {
    pid=$(cat "$1.pid")
    kill -TERM "$pid"
    wait "$pid"
    st=$?
    [ $st = 0 ] || bad "$1 exited $st after SIGTERM"
    grep -q "event=stopped" "$1.log" || bad "$1 did not log its stop"
    pids=$(echo "$pids" | sed "s/ $pid//")
}

tls_opts="certificate = 'pki/coordinator.pem', private_key = 'pki/coordinator.key', ca_bundle = 'pki/ca.pem'"
q() { "$shell" train.db -c "$1" 2>/dev/null | tail -1; }
register_nodes() {
    for k in 1 2 3; do
        echo "REGISTER FEDERATED NODE 'node$k' WITH (endpoint = 'tls://127.0.0.1:$(cat "node$k.port")');"
    done
}
rounds() {  # the last committed round of model ${1:-m}, 0 before the first (or before the model)
    r=$("$shell" train.db -c "SELECT coalesce(max(round_number), 0) FROM federated_training_status('${1:-m}')" \
        2>/dev/null | tail -1)
    case $r in ''|*[!0-9]*) echo 0 ;; *) echo "$r" ;; esac
}
wait_round() {  # until model ${2:-m} has round >= $1
    i=0
    while [ "$(rounds "${2:-m}")" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 600 ] && { bad "${2:-m}: no round $1 after 60 s"; return 1; }
        sleep 0.1
    done
}
