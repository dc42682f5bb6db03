package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/wearstream/wearstream/internal/mcpserver"
	"github.com/wearstream/wearstream/internal/reads"
)

// runMCP serves the MCP tools: over stdio for one tenant (-tenant), or
// over streamable HTTP (-http addr), where each request's API key chooses
// the tenant.
func runMCP(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("mcp", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "the tenant whose data the stdio server reads")
	addr := fs.String("http", "", "serve streamable HTTP on this address instead of stdio (the API key chooses the tenant)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*tenant == "") == (*addr == "") {
		return errors.New("give -tenant (stdio) or -http addr (streamable HTTP)")
	}
	env, err := openEnv(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	if env.Config.ClickHouseAddr == "" {
		return errors.New("CLICKHOUSE_ADDR is required: the tools read ClickHouse")
	}
	conn, err := connectClickHouse(ctx, env.Config, env.Logger)
	if err != nil {
		return err
	}
	defer conn.Close()
	tools := mcpserver.Tools{Reader: reads.New(conn), Tables: env.Tables}
	if *tenant != "" {
		if _, ok := env.Tables.Tenants.Get(*tenant); !ok {
			return fmt.Errorf("no tenant %q", *tenant)
		}
		return tools.Server(*tenant).Run(ctx, &mcp.StdioTransport{})
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: tools.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	env.Logger.Info("mcp listening", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("cannot serve mcp: %w", err)
	}
	return nil
}
