package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/internal/chserver"
)

// freePort returns a loopback port that was free a moment ago; with pair it
// also checks the next port (ClickHouse's HTTP port).
func freePort(t *testing.T, pair bool) int {
	t.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !pair {
			return port
		}
		if ln2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+1)); err == nil {
			ln2.Close()
			return port
		}
	}
	t.Fatal("no free port pair")
	return 0
}

// TestDevRestartsOnSameData runs `wearstream dev` twice on one data
// directory: the second run still has the first run's user and API key, and
// each stop leaves no ClickHouse process behind.
func TestDevRestartsOnSameData(t *testing.T) {
	if !chserver.Available("") {
		if os.Getenv("CI") == "true" {
			t.Fatal("clickhouse-server is not installed")
		}
		t.Skip("clickhouse-server is not installed")
	}
	dir := t.TempDir()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, false))
	t.Setenv("WEARSTREAM_DATA_DIR", dir)
	t.Setenv("WEARSTREAM_HTTP_ADDR", httpAddr)
	t.Setenv("WEARSTREAM_DEV_KAFKA_ADDR", fmt.Sprintf("127.0.0.1:%d", freePort(t, false)))
	t.Setenv("WEARSTREAM_DEV_SCHEMA_REGISTRY_ADDR", fmt.Sprintf("127.0.0.1:%d", freePort(t, false)))
	t.Setenv("WEARSTREAM_DEV_CLICKHOUSE_PORT", fmt.Sprint(freePort(t, true)))
	t.Setenv("WEARSTREAM_BOOTSTRAP_API_KEY", "sk-dev-test-key")
	t.Setenv("WEARSTREAM_LOG_LEVEL", "warn")
	api := "http://" + httpAddr

	run := func(step func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- runDev(ctx, nil) }()
		waitFor(t, "dev readiness", func() bool {
			resp, err := http.Get(api + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == 200
		})
		step()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("dev stopped with %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("dev did not stop")
		}
		if pids := processesMentioning(dir); len(pids) > 0 {
			t.Fatalf("processes %v still run on %s after dev stopped", pids, dir)
		}
	}
	request := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, api+path, bytes.NewReader([]byte(body)))
		req.Header.Set("X-API-Key", "sk-dev-test-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		checkOpenAPI(t, req, resp, raw)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, out
	}
	var userID string
	run(func() {
		status, out := request("POST", "/api/v1/users", `{"email":"kept@example.com"}`)
		if status != 201 {
			t.Fatalf("create user: %d %v", status, out)
		}
		userID = out["id"].(string)
	})
	run(func() {
		status, out := request("GET", "/api/v1/users/"+userID, "")
		if status != 200 || out["email"] != "kept@example.com" {
			t.Fatalf("after restart: %d %v", status, out)
		}
	})
	if _, err := os.Stat(filepath.Join(dir, secretKeyFile)); err != nil {
		t.Fatalf("no dev secret key kept in the data directory: %v", err)
	}
}

// processesMentioning lists the processes whose command line contains s.
func processesMentioning(s string) []string {
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmd), s) && e.Name() != fmt.Sprint(os.Getpid()) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// TestDevStartsAfterKill kills `wearstream dev` with SIGKILL and starts it
// again at once on the same data directory, while the old ClickHouse child
// may still be shutting down: the new one starts, and stops within 10 s of
// SIGTERM.
func TestDevStartsAfterKill(t *testing.T) {
	if !chserver.Available("") {
		if os.Getenv("CI") == "true" {
			t.Fatal("clickhouse-server is not installed")
		}
		t.Skip("clickhouse-server is not installed")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, false))
	dev := newProc("dev", bin, dir, map[string]string{
		"WEARSTREAM_DATA_DIR":                 filepath.Join(dir, "data"),
		"WEARSTREAM_HTTP_ADDR":                httpAddr,
		"WEARSTREAM_DEV_KAFKA_ADDR":           fmt.Sprintf("127.0.0.1:%d", freePort(t, false)),
		"WEARSTREAM_DEV_SCHEMA_REGISTRY_ADDR": fmt.Sprintf("127.0.0.1:%d", freePort(t, false)),
		"WEARSTREAM_DEV_CLICKHOUSE_PORT":      fmt.Sprint(freePort(t, true)),
		"WEARSTREAM_BOOTSTRAP_API_KEY":        "sk-dev-test-key",
		"WEARSTREAM_LOG_LEVEL":                "warn",
	}, "dev")
	t.Cleanup(dev.stop)
	ready := func() bool {
		resp, err := http.Get("http://" + httpAddr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}
	if err := dev.start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dev readiness", ready)
	dev.kill()
	if err := dev.start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dev readiness after a kill -9", func() bool {
		if !dev.running() {
			t.Fatalf("dev stopped after a kill -9 of its predecessor:\n%s", dev.logTail(20))
		}
		return ready()
	})
	if took, ok := dev.terminate(10 * time.Second); !ok {
		t.Fatalf("dev did not stop within 10 s of SIGTERM (%s):\n%s", took, dev.logTail(20))
	}
	waitFor(t, "the ClickHouse child to exit", func() bool { return len(processesMentioning(dir)) == 0 })
}
