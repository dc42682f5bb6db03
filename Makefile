# wearstream: two commands do everything on a fresh machine.
#   make dev   runs the whole system on the embedded stack
#   make test  runs every test, end to end included
# Both install what they need first (clickhouse-server with apt, Go modules).

GO        ?= go
BIN       := bin/wearstream
PKGS      := ./...
# Packages whose code runs goroutines get the race detector.
RACE_PKGS := ./internal/state/... ./processors/... ./sinks/... ./gateway/...

.PHONY: dev test chaos deps clickhouse build vet bench fuzz clean

dev: deps build
	./$(BIN) dev

test: deps vet
	$(GO) test -count=1 -timeout 20m $(PKGS)
	$(GO) test -count=1 -race -timeout 20m $(RACE_PKGS)

# The long chaos test: components as separate processes, killed with
# SIGKILL under load, then exact accounting (benchmarks/README.md, "Chaos").
# A short version runs in make test. CHAOS_ARGS go to go test, e.g.
# CHAOS_ARGS='-chaos.big=false'.
CHAOS_ARGS ?=
chaos: deps
	$(GO) test -count=1 -timeout 60m -run '^TestChaos$$' -v ./cmd/wearstream -chaos.long $(CHAOS_ARGS)

build:
	$(GO) build -o $(BIN) ./cmd/wearstream

vet:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

deps: clickhouse
	$(GO) mod download

# ClickHouse 18.16 is the only server Debian ships; production runs current
# ClickHouse. Install it when missing (needs root or sudo).
clickhouse:
	@if [ ! -x /usr/sbin/clickhouse-server ]; then \
	  echo "installing clickhouse-server with apt"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null; \
	fi

# Go micro-benchmarks, then the end-to-end benchmark on a fresh dev stack
# (benchmarks/README.md); BENCH_ARGS go to the load generator, e.g.
# make bench BENCH_ARGS='-uploads 1000 -json'.
BENCH_ARGS ?=
# The webhook delivery benchmark (benchmarks/README.md, "Webhook delivery").
DELIVERY_BENCH_ARGS ?= -rate 40 -duration 20s
bench: deps build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./schemas/ ./ingest/... ./sinks/webhooks/ ./sinks/clickhouse/
	GO=$(GO) ./benchmarks/run.sh $(BENCH_ARGS)
	$(GO) run ./benchmarks/delivery $(DELIVERY_BENCH_ARGS)

# Short fuzzing of every parser of outside input: each fuzz target of every
# package, one after the other, for FUZZTIME. New inputs the fuzzer finds are
# minimised for at most 2 s (the default minute stalls on large seeds).
FUZZTIME ?= 20s
fuzz:
	@for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$(grep -h '^func Fuzz' $$dir/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "fuzz $$dir $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$dir || exit 1; \
		done; \
	done

clean:
	rm -rf bin .wearstream
