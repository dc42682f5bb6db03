package schemas_test

// The README's "Consuming the topics" shows two consumers, kept here as
// files that these tests run against an in-process broker and registry fed
// the way the processor feeds them: records produced in transactions, one of
// them aborted, with the configured compression. Each consumer must print
// exactly the committed records, so the examples cannot rot, and the README
// must show each file as it is, so the README cannot drift from them.

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/kafka"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// feedWorkouts produces a workout's three revisions (created, updated,
// deleted) to wearables.workouts in one committed transaction, after a
// transaction that is aborted, and returns the lines a consumer prints.
func feedWorkouts(t *testing.T, st *testenv.Stack) []string {
	t.Helper()
	env := st.Env
	cl, err := kgo.NewClient(append(kafka.ProducerOpts(env.Brokers, env.Config.KafkaCompression),
		kgo.TransactionalID("example-feed"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	user := "0b6e2a56-8f3e-4c1e-9d51-3f0c8e7a9b21"
	id := schemas.RecordID("t1", user, "garmin", "workout", "21504871233")
	start := time.Date(2026, 1, 14, 6, 0, 0, 0, time.UTC)
	kcal := 512.0
	run := schemas.Workout{ID: id, Tenant: "t1", UserID: user, Source: schemas.Source{Provider: "garmin", ID: "garmin:3398712"},
		ProviderRecordID: "21504871233", Type: "running", StartTime: start, EndTime: start.Add(45 * time.Minute),
		ZoneOffset: -300, DurationSeconds: 2700, CaloriesKcal: &kcal, Version: 1768370400000,
		IngestedAt: time.UnixMilli(1768370400000).UTC(), Change: schemas.ChangeCreated}
	rescored := run
	rescored.Type, rescored.Version, rescored.Change = "trail_running", 1768374000000, schemas.ChangeUpdated
	deleted := schemas.Workout{ID: id, Tenant: "t1", UserID: user, Source: schemas.Source{Provider: "garmin"},
		Deleted: true, Version: 1768377600000, IngestedAt: time.UnixMilli(1768377600000).UTC(), Change: schemas.ChangeDeleted}
	aborted := run
	aborted.ID = schemas.RecordID("t1", user, "garmin", "workout", "never-committed")

	transact := func(commit kgo.TransactionEndTry, records ...schemas.Workout) {
		t.Helper()
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		var recs []*kgo.Record
		for _, w := range records {
			value, err := env.Serde.Encode(w)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, &kgo.Record{Topic: env.Topics.Workouts(), Key: []byte(w.UserID), Value: value})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil { // one batch
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	transact(kgo.TryAbort, aborted)
	transact(kgo.TryCommit, run, rescored, deleted)
	return []string{
		user + " " + id + " created v1768370400000 running 2026-01-14T06:00:00Z -300 min deleted=false",
		user + " " + id + " updated v1768374000000 trail_running 2026-01-14T06:00:00Z -300 min deleted=false",
		user + " " + id + " deleted v1768377600000  1970-01-01T00:00:00Z +0 min deleted=true",
	}
}

// batchCodecs reads wearables.workouts and returns the compression codec
// of each record batch as it came from the broker (0 none, 1 gzip, 2
// snappy, 3 lz4, 4 zstd).
func batchCodecs(t *testing.T, st *testenv.Stack, records int) []uint8 {
	t.Helper()
	codecs := &codecHook{}
	cl, err := kgo.NewClient(kgo.SeedBrokers(st.Env.Brokers...), kgo.ConsumeTopics(st.Env.Topics.Workouts()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.WithHooks(codecs))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for seen := 0; seen < records; {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err0(); err != nil {
			t.Fatalf("cannot read back the workouts: %v", err)
		}
		seen += len(fetches.Records())
	}
	return codecs.seen
}

// checkCodecs fails unless every data batch feedWorkouts wrote came with
// codec: the batches are its data batches and two transaction markers,
// which are never compressed.
func checkCodecs(t *testing.T, st *testenv.Stack, records int, codec uint8) {
	t.Helper()
	codecs := batchCodecs(t, st, records)
	markers, data := 0, 0
	for _, c := range codecs {
		switch c {
		case 0:
			markers++
		case codec:
			data++
		default:
			markers = -1000
		}
	}
	if markers != 2 || data == 0 {
		t.Fatalf("batch codecs %v, want two markers (0) and only codec %d for the data", codecs, codec)
	}
}

type codecHook struct{ seen []uint8 }

func (h *codecHook) OnFetchBatchRead(_ kgo.BrokerMetadata, _ string, _ int32, m kgo.FetchBatchMetrics) {
	if m.NumRecords > 0 {
		h.seen = append(h.seen, m.CompressionType)
	}
}

// runExample starts cmd with the stack's addresses, waits until it has
// printed len(want) lines, stops it and compares the lines exactly.
func runExample(t *testing.T, st *testenv.Stack, cmd *exec.Cmd, want []string) {
	t.Helper()
	cmd.Env = append(os.Environ(), "KAFKA_BROKERS="+strings.Join(st.Env.Brokers, ","),
		"SCHEMA_REGISTRY_URL="+st.Registry.URL())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	var got []string
	guard := time.NewTimer(2 * time.Minute) // a hung consumer fails instead of hanging the suite
	defer guard.Stop()
	for len(got) < len(want) {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("%s exited after printing %q; stderr:\n%s", cmd.Path, got, stderr.String())
			}
			got = append(got, line)
		case <-guard.C:
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("%s printed %q and then nothing; stderr:\n%s", cmd.Path, got, stderr.String())
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s printed\n%s\nwant\n%s", cmd.Path, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGoConsumerExample(t *testing.T) {
	st := testenv.Start(t, nil) // the default compression
	want := feedWorkouts(t, st)
	checkCodecs(t, st, len(want), 1) // gzip, the default
	bin := filepath.Join(t.TempDir(), "goconsumer")
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/goconsumer").CombinedOutput(); err != nil {
		t.Fatalf("cannot build the Go example: %v\n%s", err, out)
	}
	runExample(t, st, exec.Command(bin), want)
}

// nodeExample installs the Node example's pinned packages (npm ci) into a
// copy of it and returns its directory. In CI a missing node or npm fails.
func nodeExample(t *testing.T) string {
	t.Helper()
	_, errNode := exec.LookPath("node")
	_, errNPM := exec.LookPath("npm")
	if errNode != nil || errNPM != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node and npm are required in CI (make deps installs them)")
		}
		t.Skip("node or npm not installed (make deps installs them)")
	}
	dir := t.TempDir()
	for _, name := range []string{"consume.js", "package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join("examples", "nodeconsumer", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	install := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	return dir
}

// TestNodeConsumerExample runs the kafkajs example on the default
// compression, gzip, which kafkajs reads out of the box, and shows why that
// is the default: on snappy, franz-go's own default, a stock kafkajs
// consumer crashes on the first batch.
func TestNodeConsumerExample(t *testing.T) {
	dir := nodeExample(t)
	t.Run("gzip", func(t *testing.T) {
		st := testenv.Start(t, nil)
		want := feedWorkouts(t, st)
		checkCodecs(t, st, len(want), 1)
		cmd := exec.Command("node", "consume.js")
		cmd.Dir = dir
		runExample(t, st, cmd, want)
	})
	t.Run("snappy", func(t *testing.T) {
		st := testenv.Start(t, map[string]string{"WEARSTREAM_KAFKA_COMPRESSION": "snappy"})
		want := feedWorkouts(t, st)
		checkCodecs(t, st, len(want), 2)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hung consumer fails
		defer cancel()
		cmd := exec.CommandContext(ctx, "node", "consume.js")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "KAFKA_BROKERS="+strings.Join(st.Env.Brokers, ","),
			"SCHEMA_REGISTRY_URL="+st.Registry.URL())
		out, err := cmd.CombinedOutput()
		const crash = "consumer crashed: KafkaJSNotImplemented: Snappy compression not implemented\n"
		if err == nil || string(out) != crash {
			t.Fatalf("kafkajs on snappy: %v, printed %q; want exit 1 printing %q (if kafkajs now reads snappy, update the README)", err, out, crash)
		}
	})
}

// TestReadmeShowsConsumerExamples fails when the README's "Consuming the
// topics" no longer shows the example files as they are.
func TestReadmeShowsConsumerExamples(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ path, fence string }{
		{"examples/goconsumer/main.go", "go"},
		{"examples/nodeconsumer/consume.js", "js"},
		{"examples/nodeconsumer/package.json", "json"},
	} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "```"+f.fence+"\n"+string(b)+"```\n") {
			t.Errorf("README.md does not show schemas/%s as it is (a ```%s block with the whole file)", f.path, f.fence)
		}
	}
}
