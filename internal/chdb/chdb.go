// Package chdb runs SQL on current ClickHouse for tests. ClickHouse 26.x
// cannot be installed here as a server, but npm's chdb package ships the
// current engine (clickhouse-local in process: the same parser, analyzer,
// MergeTree, FINAL, settings and config loader, without a server or the
// native protocol). The exact version is pinned in testdata/package-lock.json
// and installed with `npm ci` (make deps does it; Run does it when missing).
//
// Run starts node on testdata/run.js with a fresh data directory, runs the
// statements in order in one session and returns each one's result as
// TSVWithNamesAndTypes text, or its error. Tests compare that text with what
// ClickHouse 18.16 answers to the same statement (chserver.Server.Query).
package chdb

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/wearstream/wearstream/internal/npmtest"
)

// Result is what one statement gave: its output, or the engine's error.
type Result struct {
	// Out is the result in TSVWithNamesAndTypes, empty for statements that
	// return nothing.
	Out string `json:"out"`
	// Err is the engine's error message, empty on success.
	Err string `json:"error"`
}

// Session is the outcome of one Run.
type Session struct {
	// Version is the engine's version(), e.g. 26.7.2.1.
	Version string `json:"version"`
	// StartErr is why the engine refused to start (a bad config file), if it did.
	StartErr string `json:"start_error"`
	// Results has one entry per statement, in order.
	Results []Result `json:"results"`
	// Stderr is what the engine wrote to standard error (why a start failed).
	Stderr string `json:"-"`
}

// Run runs statements in order on a fresh chdb session. args are extra engine
// arguments in clickhouse-local form, such as --config-file=path. It skips
// the test when node is missing, except with CI=true, where it fails it.
func Run(tb testing.TB, args []string, statements ...string) Session {
	tb.Helper()
	dir := Dir()
	node := npmtest.Install(tb, dir)
	work := tb.TempDir()
	type step struct {
		SQL string `json:"sql"`
	}
	in := struct {
		Dir   string   `json:"dir"`
		Args  []string `json:"args"`
		Steps []step   `json:"steps"`
	}{Dir: filepath.Join(work, "data"), Args: args}
	for _, s := range statements {
		in.Steps = append(in.Steps, step{SQL: s})
	}
	b, err := json.Marshal(in)
	if err != nil {
		tb.Fatal(err)
	}
	input := filepath.Join(work, "input.json")
	if err := os.WriteFile(input, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "run.js"), input)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("chdb run failed: %v\n%s", err, stderr.String())
	}
	var s Session
	if err := json.Unmarshal(out, &s); err != nil {
		tb.Fatalf("cannot read chdb output: %v\n%s\n%s", err, out, stderr.String())
	}
	s.Stderr = stderr.String()
	if s.StartErr == "" && len(s.Results) != len(statements) {
		tb.Fatalf("chdb returned %d results for %d statements", len(s.Results), len(statements))
	}
	return s
}

// MustRun is Run that fails the test on any statement's error, naming the
// statement.
func MustRun(tb testing.TB, args []string, statements ...string) Session {
	tb.Helper()
	s := Run(tb, args, statements...)
	if s.StartErr != "" {
		tb.Fatalf("chdb did not start: %s\n%s", s.StartErr, s.Stderr)
	}
	for i, r := range s.Results {
		if r.Err != "" {
			tb.Fatalf("ClickHouse %s refused statement %d:\n%s\n%s", s.Version, i+1, statements[i], r.Err)
		}
	}
	return s
}

// Dir is the folder of the pinned npm project and run.js.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic(fmt.Sprintf("chdb: cannot locate %s", "chdb.go"))
	}
	return filepath.Join(filepath.Dir(file), "testdata")
}
