#!/usr/bin/env bash
# The end-to-end benchmark: builds bin/wearstream, starts `wearstream dev` on
# a fresh temporary data directory and non-default ports, waits until it is
# ready, runs the load generator against it (arguments are passed through,
# e.g. benchmarks/run.sh -uploads 1000 -json), then stops the stack with
# SIGTERM and waits for it, so that no ClickHouse child is left behind.
#
# Ports can be moved with BENCH_HTTP_PORT, BENCH_KAFKA_PORT,
# BENCH_REGISTRY_PORT and BENCH_CLICKHOUSE_PORT (which also uses the next
# port). BENCH_LOG=path keeps the stack's log there.
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
http_port=${BENCH_HTTP_PORT:-18000}
kafka_port=${BENCH_KAFKA_PORT:-19092}
registry_port=${BENCH_REGISTRY_PORT:-18081}
clickhouse_port=${BENCH_CLICKHOUSE_PORT:-29000}

"$GO" build -o bin/wearstream ./cmd/wearstream
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wearstream-bench.XXXXXX")
"$GO" build -o "$tmp/loadgen" ./benchmarks/loadgen

key="sk-bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
log="$tmp/dev.log"
pid=""

stop_stack() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		echo "stopping wearstream dev (pid $pid)" >&2
		kill -TERM "$pid"
		wait "$pid" || true
	fi
	pid=""
}
cleanup() {
	status=$?
	stop_stack
	if [ -n "${BENCH_LOG:-}" ] && [ -f "$log" ]; then
		cp "$log" "$BENCH_LOG"
	fi
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

WEARSTREAM_DATA_DIR="$tmp/data" \
	WEARSTREAM_HTTP_ADDR="127.0.0.1:$http_port" \
	WEARSTREAM_DEV_KAFKA_ADDR="127.0.0.1:$kafka_port" \
	WEARSTREAM_DEV_SCHEMA_REGISTRY_ADDR="127.0.0.1:$registry_port" \
	WEARSTREAM_DEV_CLICKHOUSE_PORT="$clickhouse_port" \
	WEARSTREAM_BOOTSTRAP_API_KEY="$key" \
	./bin/wearstream dev >"$log" 2>&1 &
pid=$!
echo "started wearstream dev (pid $pid, data in $tmp/data)" >&2

url="http://127.0.0.1:$http_port"
deadline=$((SECONDS + 60))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz" 2>/dev/null)" = 200 ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "wearstream dev exited before it was ready; its log:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "wearstream dev was not ready at $url/readyz within 60 s; its log:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	sleep 0.5
done
echo "wearstream dev is ready at $url" >&2

"$tmp/loadgen" -url "$url" -key "$key" -clickhouse "127.0.0.1:$clickhouse_port" -kafka "127.0.0.1:$kafka_port" "$@"
