package chserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wearstream/wearstream/internal/chdb"
)

func TestParseMajor(t *testing.T) {
	f := func(out string, want int) {
		t.Helper()
		if got := parseMajor(out); got != want {
			t.Fatalf("parseMajor(%q) = %d, want %d", out, got, want)
		}
	}
	f("Unknown option specified: version", 0)
	f("", 0)
	f("ClickHouse server version 26.3.1.1 (official build).", 26)
	f("ClickHouse server version 19.17.4.11.", 19)
	if !needsLowCardinalityFlag(0) || !needsLowCardinalityFlag(19) || needsLowCardinalityFlag(20) || needsLowCardinalityFlag(26) {
		t.Fatal("the LowCardinality flag must be written for 18.x and 19.x only")
	}
}

// TestConfigLoadsOnCurrentClickHouse loads the rendered config into the
// current engine (chdb): the config for a current binary is accepted and its
// profile applies, while the 18.16 profile's LowCardinality flag aborts the
// start, which is why it is written only for old binaries.
func TestConfigLoadsOnCurrentClickHouse(t *testing.T) {
	render := func(settings configSettings) string {
		dir := t.TempDir()
		path := filepath.Join(dir, "clickhouse.xml")
		if err := os.WriteFile(path, []byte(config(dir, 19000, 18123, settings)), 0o644); err != nil {
			t.Fatal(err)
		}
		return "--config-file=" + path
	}
	current := chdb.MustRun(t, []string{render(configSettings{logQueries: true})},
		"SELECT currentUser() AS user, getSetting('log_queries') AS log_queries")
	if got, want := current.Results[0].Out, "user\tlog_queries\nString\tBool\ndefault\ttrue\n"; got != want {
		t.Fatalf("ClickHouse %s with the current config answered\n%q, want\n%q", current.Version, got, want)
	}
	old := chdb.Run(t, []string{render(configSettings{lowCardFlag: true})}, "SELECT 1")
	if old.StartErr == "" || !strings.Contains(old.Stderr, "Unknown setting 'allow_experimental_low_cardinality_type'") {
		t.Fatalf("the current engine accepted the 18.16 profile (start error %q, %s); the test no longer shows why the flag is gated", old.StartErr, old.Stderr)
	}
}
