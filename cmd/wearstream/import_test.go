package main

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/ingest/applexml"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// wearstream import apple-health streams a file to a real gateway and the
// run it reports is the one the gateway recorded.
func TestImportAppleHealthCommand(t *testing.T) {
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

	path := filepath.Join(t.TempDir(), "export.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, applexml.NewSyntheticExport(12000)); err != nil {
		t.Fatal(err)
	}
	f.Close()

	args := []string{"apple-health", path, "--user", userID, "--url", "http://" + ln.Addr().String(), "--key", key}
	if err := runImport(ctx, args); err != nil {
		t.Fatal(err)
	}
	var runs []schemas.SyncRun
	tb.SyncRuns.Range(func(_ string, r schemas.SyncRun) bool { runs = append(runs, r); return true })
	if len(runs) != 1 || runs[0].Status != "success" || runs[0].ItemsProcessed != 12000 || runs[0].UserID != userID {
		t.Fatalf("runs = %+v", runs)
	}

	// Errors come back with the gateway's message.
	args = []string{"apple-health", path, "--user", "no-such-user", "--url", "http://" + ln.Addr().String(), "--key", key}
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
