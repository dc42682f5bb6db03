package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/ingest/applexml"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/state"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// importGateway is a real gateway on loopback with a tenant, its API key
// and one user.
type importGateway struct {
	url, key, user string
	tables         *state.Tables
}

func startImportGateway(t *testing.T) importGateway {
	t.Helper()
	st := testenv.Start(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = gateway.New(st.Env).Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })

	tb := st.Env.Tables
	key := secrets.NewAPIKey()
	now := time.Now()
	if err := tb.Tenants.Put(ctx, "acme", schemas.Tenant{ID: "acme", Name: "acme", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := tb.APIKeys.Put(ctx, secrets.Hash(key), schemas.APIKey{Hash: secrets.Hash(key), ID: "k", Tenant: "acme", Role: "admin", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	userID := "7d1f7e6c-0000-4000-8000-000000000001"
	if err := tb.Users.Put(ctx, userID, schemas.User{ID: userID, Tenant: "acme", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return importGateway{url: "http://" + ln.Addr().String(), key: key, user: userID, tables: tb}
}

// wearstream import apple-health streams a file to a real gateway and the
// run it reports is the one the gateway recorded.
func TestImportAppleHealthCommand(t *testing.T) {
	gw := startImportGateway(t)
	ctx := context.Background()
	tb, userID, key := gw.tables, gw.user, gw.key
	addr := strings.TrimPrefix(gw.url, "http://")

	path := filepath.Join(t.TempDir(), "export.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, applexml.NewSyntheticExport(12000)); err != nil {
		t.Fatal(err)
	}
	f.Close()

	args := []string{"apple-health", path, "--user", userID, "--url", "http://" + addr, "--key", key}
	var out bytes.Buffer
	if err := importTo(ctx, args, &out); err != nil {
		t.Fatal(err)
	}
	if !summaryLine(`export.xml: imported 11,995 records and 5 workouts; [0-9.]+ MB in [^,]+, [0-9,]+ records/s \(run run_[0-9a-f]{16}\)\n$`).MatchString(out.String()) {
		t.Fatalf("summary %q", out.String())
	}
	var runs []schemas.SyncRun
	tb.SyncRuns.Range(func(_ string, r schemas.SyncRun) bool { runs = append(runs, r); return true })
	if len(runs) != 1 || runs[0].Status != "success" || runs[0].ItemsProcessed != 12000 || runs[0].UserID != userID {
		t.Fatalf("runs = %+v", runs)
	}

	// Errors come back with the gateway's message.
	args = []string{"apple-health", path, "--user", "no-such-user", "--url", "http://" + addr, "--key", key}
	if err := runImport(ctx, args); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown user: %v", err)
	}
	if err := runImport(ctx, []string{"apple-health", path, "--url", "http://x"}); err == nil || !strings.Contains(err.Error(), "--user") {
		t.Fatalf("missing user: %v", err)
	}
}

func TestRecordCounter(t *testing.T) {
	f := func(writes []string, want int64) {
		t.Helper()
		c := recordCounter{n: new(atomic.Int64)}
		for _, w := range writes {
			_, _ = c.Write([]byte(w))
		}
		if got := c.n.Load(); got != want {
			t.Errorf("%q: counted %d, want %d", writes, got, want)
		}
	}
	f([]string{`<Record a/><Record b/>`}, 2)
	f([]string{`<Rec`, `ord a/><Work`, `out b>`}, 2)
	f([]string{`<Record `, `x`, `<Record `}, 2)
	f([]string{`<Records/><Workouts/>`}, 0)
}

// The records of a zipped export are counted from the local file, no
// further than the upload has gone.
func TestCountZipRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("apple_health_export/export.xml")
	w.Write([]byte("<HealthData>"))
	for i := 0; i < 50000; i++ {
		fmt.Fprintf(w, `<Record type="HKQuantityTypeIdentifierStepCount" value="%d"/>`, i)
	}
	w.Write([]byte(`<Workout workoutActivityType="HKWorkoutActivityTypeRunning"/></HealthData>`))
	zw.Close()
	f.Close()
	info, _ := os.Stat(path)

	p := &progress{total: info.Size(), records: new(atomic.Int64)}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); countZipRecords(path, p, stop) }()
	time.Sleep(200 * time.Millisecond)
	if n := p.records.Load(); n > 5000 {
		t.Fatalf("counted %d records before anything was uploaded", n)
	}
	p.sent.Store(p.total) // the upload is done: count to the end
	<-done
	close(stop)
	if n := p.records.Load(); n != 50001 {
		t.Fatalf("counted %d records, want 50001", n)
	}
}

func TestThousands(t *testing.T) {
	f := func(n int64, want string) {
		t.Helper()
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	f(0, "0")
	f(999, "999")
	f(1000, "1,000")
	f(1234567, "1,234,567")
	f(-12345, "-12,345")
}

// summaryLine matches a summary whatever its timing.
func summaryLine(re string) *regexp.Regexp { return regexp.MustCompile(re) }

// wearstream import fit prints what each file holds and yields, and an
// error names the files imported before it and those not sent.
func TestImportFITCommand(t *testing.T) {
	gw := startImportGateway(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	activity := ingesttest.FITCorpus(t, "from_official_sdk/Activity.fit")
	a := write("a.fit", activity)
	b := write("b.fit", ingesttest.FITCorpus(t, "from_official_sdk/activity_multisport.fit"))
	bad := write("bad.fit", []byte("not a FIT file"))

	var out bytes.Buffer
	args := []string{"fit", a, b, "--user", gw.user, "--url", gw.url, "--key", gw.key}
	if err := importTo(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		`a.fit: imported 1 workout, 1 lap, 3,601 records → 25,207 samples in 7 series; 0.1 MB in [^,]+, [0-9,]+ records/s \(run run_[0-9a-f]{16}\)`,
		`b.fit: imported 2 workouts, 7 laps, 78 records → 99 samples in 2 series; 0.0 MB in [^,]+, [0-9,]+ records/s \(run run_[0-9a-f]{16}\)`,
	}
	if len(lines) != len(want) {
		t.Fatalf("output %q", out.String())
	}
	for i, re := range want {
		if !summaryLine("^" + re + "$").MatchString(lines[i]) {
			t.Fatalf("line %q does not match %q", lines[i], re)
		}
	}

	args = []string{"fit", a, bad, b, "--user", gw.user, "--url", gw.url, "--key", gw.key}
	err := importTo(context.Background(), args, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), bad+": file \"bad.fit\"") || !strings.HasSuffix(err.Error(), "(400 invalid_fit) (imported before it: "+a+"; not sent: "+b+")") {
		t.Fatalf("error: %v", err)
	}
}

func TestImportSummary(t *testing.T) {
	f := func(a importAnswer, size int64, elapsed time.Duration, want string) {
		t.Helper()
		if got := a.summary("f", size, elapsed); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	n := func(v int64) *int64 { return &v }
	// big_activity.fit in 100 ms: its records per second, not its files'.
	f(importAnswer{RunID: "run_1", Records: 99_998, Workouts: 1, Laps: n(0), Samples: n(185_262), Series: map[string]int64{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1}},
		2_400_201, 100*time.Millisecond,
		"f: imported 1 workout, 0 laps, 99,998 records → 185,262 samples in 6 series; 2.3 MB in 100ms, 999,980 records/s (run run_1)")
	f(importAnswer{RunID: "run_2", Records: 12_000, Workouts: 3}, 1<<20, 1500*time.Millisecond,
		"f: imported 12,000 records and 3 workouts; 1.0 MB in 1.5s, 8,000 records/s (run run_2)")
	f(importAnswer{RunID: "run_3", Records: 1, Workouts: 0}, 0, 0,
		"f: imported 1 record and 0 workouts; 0.0 MB in 0s, 1,000 records/s (run run_3)")
}

func TestFailedAt(t *testing.T) {
	f := func(files []string, i int, want string) {
		t.Helper()
		if got := failedAt(files, i, errors.New("refused")).Error(); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	f([]string{"a"}, 0, "a: refused")
	f([]string{"a", "b", "c"}, 0, "a: refused (not sent: b, c)")
	f([]string{"a", "b", "c"}, 1, "b: refused (imported before it: a; not sent: c)")
	f([]string{"a", "b", "c"}, 2, "c: refused (imported before it: a, b)")
}
