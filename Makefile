# wearstream: two commands do everything on a fresh machine.
#   make dev   runs the whole system on the embedded stack
#   make test  runs every test, end to end included
# Both install what they need first (clickhouse-server, node and npm,
# chromium with apt, Go modules, the pinned npm packages the tests drive).

GO        ?= go
BIN       := bin/wearstream
PKGS      := ./...
# Packages whose code runs goroutines get the race detector.
RACE_PKGS := ./internal/state/... ./processors/... ./sinks/... ./gateway/...

.PHONY: dev test chaos deps clickhouse promtool chromium node npm build vet bench fuzz clean

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

deps: clickhouse promtool chromium npm
	$(GO) mod download

# Debian's chromium, headless, is the browser the console's test drives
# (cmd/wearstream/console_test.go, through chromedp). Installed with apt
# when missing (needs root or sudo).
chromium:
	@if ! command -v chromium >/dev/null; then \
	  echo "installing chromium with apt"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	fi

# promtool (Debian's prometheus package) checks the metrics exposition and
# the alert rules in the tests.
promtool:
	@if ! command -v promtool >/dev/null; then \
	  echo "installing promtool (prometheus) with apt"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	fi

# ClickHouse 18.16 is the only server Debian ships; production runs current
# ClickHouse. Install it when missing (needs root or sudo).
clickhouse:
	@if [ ! -x /usr/sbin/clickhouse-server ]; then \
	  echo "installing clickhouse-server with apt"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null; \
	fi

# node and npm drive three tests: current ClickHouse through npm's chdb
# (internal/chdb), the webhook receiver libraries (sinks/webhooks) and the
# Kafka consumer example in Node (schemas/examples/nodeconsumer). Installed
# with apt when missing (needs root or sudo).
node:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "installing nodejs and npm with apt"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; \
	fi

# The npm packages of the tests, at the versions of their lock files (npm
# install --no-save: see internal/npmtest for why not npm ci); it
# runs only when node_modules is missing or older than the lock file.
NPM_DIRS := internal/chdb/testdata sinks/webhooks/testdata/receivers
npm: node
	@for d in $(NPM_DIRS); do \
	  if [ ! $$d/node_modules/.package-lock.json -nt $$d/package-lock.json ]; then \
	    echo "npm install in $$d"; (cd $$d && npm install --no-save --no-audit --no-fund --loglevel=error) || exit 1; \
	  fi; \
	done

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
