// Command wearstream runs the wearstream pipeline: every component is a
// subcommand of this one binary, configured by environment variables.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	// Providers register themselves with the ingest registry.
	_ "github.com/wearstream/wearstream/ingest/applexml"
	_ "github.com/wearstream/wearstream/ingest/fit"
	_ "github.com/wearstream/wearstream/ingest/fitbit"
	_ "github.com/wearstream/wearstream/ingest/garmin"
	_ "github.com/wearstream/wearstream/ingest/googlehealth"
	_ "github.com/wearstream/wearstream/ingest/oura"
	_ "github.com/wearstream/wearstream/ingest/polar"
	_ "github.com/wearstream/wearstream/ingest/sdk"
	_ "github.com/wearstream/wearstream/ingest/strava"
	_ "github.com/wearstream/wearstream/ingest/suunto"
	_ "github.com/wearstream/wearstream/ingest/whoop"
)

const usage = `wearstream: wearable health data on Kafka and ClickHouse.

Usage: wearstream <command> [arguments]

Commands:
  dev        run everything in one process on an embedded Kafka, schema registry and ClickHouse
             (--infra-only: only those three, for components run as separate processes)
  gateway    run the HTTP gateway
  process    run a raw-to-canonical processor
  sink       run the ClickHouse sink
  deliver    run the webhook delivery consumer
  ingest     run an ingest worker: provider polls, backfills and webhook fetches
  migrate    apply the ClickHouse migrations and exit
  admin      manage tenants and API keys (wearstream admin help)
  normalize  print the canonical records a provider payload yields
  import     stream an Apple Health export or FIT files to the gateway (wearstream import help)
  strava     point Strava's push subscription at the gateway (wearstream strava -h)
  mcp        serve the MCP tools: -tenant T over stdio, or -http addr (API key per request)

Configuration is read from the environment; see the README for every variable.
`

type command func(ctx context.Context, args []string) error

var commands = map[string]command{
	"dev":       runDev,
	"gateway":   runGateway,
	"process":   runProcess,
	"sink":      runSink,
	"deliver":   runDeliver,
	"ingest":    runIngest,
	"migrate":   runMigrate,
	"admin":     runAdmin,
	"normalize": runNormalize,
	"import":    runImport,
	"strava":    runStravaSubscription,
	"mcp":       runMCP,
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		fmt.Print(usage)
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "wearstream: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go exitAfterStopDeadline(ctx, stop)
	if err := cmd(ctx, os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "wearstream %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// stopDeadline is how long a command may take to stop after SIGTERM or
// Ctrl-C before the process exits anyway: a consumer stuck in a rebalance or
// a transaction must not hold a deploy or a test for minutes. Offsets not
// yet committed are simply processed again by the next member.
const stopDeadline = 8 * time.Second

// exitAfterStopDeadline waits for the stop signal, then exits the process
// with status 1 if it is still running stopDeadline later, or at once on a
// second signal.
func exitAfterStopDeadline(ctx context.Context, stop func()) {
	<-ctx.Done()
	stop() // the next signal is delivered again
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	select {
	case <-time.After(stopDeadline):
		fmt.Fprintf(os.Stderr, "wearstream %s: did not stop within %s of the signal, exiting\n", os.Args[1], stopDeadline)
	case <-again:
		fmt.Fprintf(os.Stderr, "wearstream %s: second signal, exiting\n", os.Args[1])
	}
	os.Exit(1)
}
