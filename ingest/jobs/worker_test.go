package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// testProvider is a provider that exists only in these tests, so that jobs
// naming it pass the registry lookup; pollProvider is one that is polled
// in one step, fetching pollBody.
const (
	testProvider = "jobstest"
	pollProvider = "jobspoll"
	pollBody     = `{"sleep":[]}`
)

func init() {
	ingest.Register(ingest.Provider{Name: testProvider, DisplayName: "Jobs test"})
	ingest.Register(ingest.Provider{
		Name: pollProvider, DisplayName: "Jobs poll test",
		Capabilities: ingest.Capabilities{RestPull: true},
		OAuth:        &ingest.OAuth{Env: "JOBSPOLL"},
		Plan: func(kind string, start, end time.Time) []ingest.Task {
			return []ingest.Task{{Kind: kind, DataType: "sleep", Start: start, End: end}}
		},
		Fetch: func(context.Context, *ingest.Session, ingest.Task) ([]ingest.Fetched, error) {
			return []ingest.Fetched{{Body: []byte(pollBody)}}, nil
		},
	})
}

// startWorker runs a worker on st until the test ends.
func startWorker(t *testing.T, st *testenv.Stack) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewWorker(st.Env, WithTick(time.Hour)).Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
}

// produceJob writes value to the jobs topic under key and returns the record.
func produceJob(t *testing.T, st *testenv.Stack, key string, value []byte) *kgo.Record {
	t.Helper()
	r := &kgo.Record{Topic: st.Env.Topics.IngestJobs(), Key: []byte(key), Value: value}
	if err := st.Env.Producer.ProduceSync(context.Background(), r).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return r
}

func encodeJob(t *testing.T, st *testenv.Stack, j schemas.IngestJob) []byte {
	t.Helper()
	if j.Permissions == nil {
		j.Permissions = []string{}
	}
	b, err := st.Env.Serde.Encode(j)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The worker's dead-letter path: a job that cannot be decoded and one that
// names no provider are dead-lettered with their reasons, and while Kafka
// refuses the dead letters no job offset is committed; once Kafka takes
// them, the partition is committed to its end.
func TestWorkerDeadLettersAndCommitsOnlyAfterKafkaTookTheDeadLetter(t *testing.T) {
	st := testenv.Start(t, nil)
	topic := st.Env.Topics.IngestJobs()
	garbage := produceJob(t, st, "user-1", []byte("not an avro record"))
	unknown := produceJob(t, st, "user-1", encodeJob(t, st, schemas.IngestJob{
		ID: "job-2", Tenant: "acme", UserID: "user-1", Provider: "nope", Kind: ingest.TaskFetch,
	}))
	refusal := st.RefuseProduce(t, st.Env.Topics.DLQ(), kerr.PolicyViolation, 0)
	startWorker(t, st)

	committed := func() int64 { return st.Committed(t, Group, topic, garbage.Partition) }
	testenv.WaitFor(t, "a retried dead letter or a commit", func() bool { return refusal.Count() >= 3 || committed() >= 0 })
	if at := committed(); at > garbage.Offset {
		t.Fatalf("committed offset %d past the job at %d whose dead letter Kafka refused", at, garbage.Offset)
	}
	if n := len(st.DeadLetters(t)); n != 0 {
		t.Fatalf("%d dead letters while the topic refused them", n)
	}

	refusal.Lift()
	testenv.WaitFor(t, "the jobs committed", func() bool { return committed() == unknown.Offset+1 })
	dls := st.DeadLetters(t)
	if len(dls) != 2 {
		t.Fatalf("dead letters = %d, want 2", len(dls))
	}
	for i, want := range []struct {
		rec    *kgo.Record
		reason string
	}{{garbage, "cannot decode ingest job"}, {unknown, `unknown provider "nope"`}} {
		dl := dls[i]
		if dl.Topic != topic || dl.Partition != want.rec.Partition || dl.Offset != want.rec.Offset || dl.Stage != "ingest" ||
			string(dl.Value) != string(want.rec.Value) || !strings.Contains(dl.Error, want.reason) {
			t.Fatalf("dead letter %d: %s/%d@%d stage %q error %q, want the job at %d with %q",
				i, dl.Topic, dl.Partition, dl.Offset, dl.Stage, dl.Error, want.rec.Offset, want.reason)
		}
	}
}

// A job whose write Kafka refuses is run again and succeeds once Kafka takes
// it; a job that keeps failing is dead-lettered after jobAttempts runs.
func TestWorkerRetriesAFailingJob(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	ctx := context.Background()
	key := schemas.ConnectionKey("acme", "user-1", testProvider)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := env.Tables.Connections.Put(ctx, key, schemas.Connection{
		ID: "conn-1", Tenant: "acme", UserID: "user-1", Provider: testProvider, Status: schemas.ConnectionActive,
		Scopes: []string{"old"}, CreatedAt: now, UpdatedAt: now,
	}); err != nil {
		t.Fatal(err)
	}
	refusal := st.RefuseProduce(t, env.Topics.State(schemas.StateConnections), kerr.PolicyViolation, jobAttempts-1)
	job := produceJob(t, st, "user-1", encodeJob(t, st, schemas.IngestJob{
		ID: "job-1", Tenant: "acme", UserID: "user-1", Provider: testProvider, Kind: ingest.JobPermissions,
		Permissions: []string{"sleep", "workouts"},
	}))
	startWorker(t, st)

	testenv.WaitFor(t, "the job committed", func() bool {
		return st.Committed(t, Group, env.Topics.IngestJobs(), job.Partition) == job.Offset+1
	})
	if c, _ := env.Tables.Connections.Get(key); strings.Join(c.Scopes, ",") != "sleep,workouts" {
		t.Fatalf("scopes = %v after the retried job", c.Scopes)
	}
	if refusal.Count() != jobAttempts-1 {
		t.Fatalf("refused %d writes, want %d", refusal.Count(), jobAttempts-1)
	}
	if n := len(st.DeadLetters(t)); n != 0 {
		t.Fatalf("%d dead letters for a job that succeeded on its last run", n)
	}

	// Refused for good: dead-lettered after the last run, then committed.
	refusal = st.RefuseProduce(t, env.Topics.State(schemas.StateConnections), kerr.PolicyViolation, 0)
	job = produceJob(t, st, "user-1", encodeJob(t, st, schemas.IngestJob{
		ID: "job-2", Tenant: "acme", UserID: "user-1", Provider: testProvider, Kind: ingest.JobPermissions,
		Permissions: []string{"heart_rate"},
	}))
	testenv.WaitFor(t, "the failing job committed", func() bool {
		return st.Committed(t, Group, env.Topics.IngestJobs(), job.Partition) == job.Offset+1
	})
	refusal.Lift()
	dls := st.DeadLetters(t)
	if len(dls) != 1 || dls[0].Offset != job.Offset || !strings.Contains(dls[0].Error, "permissions job failed 3 times") ||
		!strings.Contains(dls[0].Error, kerr.PolicyViolation.Message) {
		t.Fatalf("dead letters = %+v, want the job at %d with Kafka's reason", dls, job.Offset)
	}
	if refusal.Count() != jobAttempts {
		t.Fatalf("the failing job ran %d times, want %d", refusal.Count(), jobAttempts)
	}
	if c, _ := env.Tables.Connections.Get(key); strings.Join(c.Scopes, ",") != "sleep,workouts" {
		t.Fatalf("scopes = %v after a job that failed", c.Scopes)
	}
}

// A poll step whose fetched body Kafka refuses does not move the cursor: the
// job is dead-lettered with Kafka's reason after its last run and its run is
// recorded as failed. Once Kafka takes raw events again, the next poll
// produces the body, and only then the cursor moves to the poll's end.
func TestPollCursorMovesOnlyOverAcknowledgedData(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	ctx := context.Background()
	key := schemas.ConnectionKey("acme", "user-1", pollProvider)
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := schemas.Connection{
		ID: "conn-poll", Tenant: "acme", UserID: "user-1", Provider: pollProvider, Status: schemas.ConnectionActive,
		Scopes: []string{}, CreatedAt: created, UpdatedAt: created, LastSyncedAt: created,
	}
	SealToken(env, &c, &oauth2.Token{AccessToken: "token"})
	if err := env.Tables.Connections.Put(ctx, key, c); err != nil {
		t.Fatal(err)
	}
	poll := func(runID string, end time.Time) *kgo.Record {
		return produceJob(t, st, "user-1", encodeJob(t, st, schemas.IngestJob{
			ID: runID, Tenant: "acme", UserID: "user-1", Provider: pollProvider, Kind: ingest.TaskPoll,
			RunID: runID, WindowStart: created, WindowEnd: end,
		}))
	}
	run := func(id string) schemas.SyncRun {
		r, _ := env.Tables.SyncRuns.Get(id)
		return r
	}

	refusal := st.RefuseProduce(t, env.Topics.Raw(pollProvider), kerr.PolicyViolation, 0)
	firstEnd := created.Add(time.Hour)
	job := poll("run_refused", firstEnd)
	startWorker(t, st)
	testenv.WaitFor(t, "the refused poll committed", func() bool {
		return st.Committed(t, Group, env.Topics.IngestJobs(), job.Partition) == job.Offset+1
	})
	refusal.Lift()
	if r := run("run_refused"); r.Status != runFailed || !strings.Contains(r.Error, kerr.PolicyViolation.Message) {
		t.Fatalf("refused run = %s (%q), want failed with Kafka's reason", r.Status, r.Error)
	}
	if got, _ := env.Tables.Connections.Get(key); !got.LastSyncedAt.Equal(created) {
		t.Fatalf("cursor moved to %s over data Kafka refused", got.LastSyncedAt)
	}
	if dls := st.DeadLetters(t); len(dls) != 1 || dls[0].Offset != job.Offset || !strings.Contains(dls[0].Error, kerr.PolicyViolation.Message) {
		t.Fatalf("dead letters = %+v, want the refused poll job", dls)
	}

	secondEnd := created.Add(2 * time.Hour)
	poll("run_ok", secondEnd)
	testenv.WaitFor(t, "the poll to complete", func() bool { return run("run_ok").Status == runSuccess })
	if got, _ := env.Tables.Connections.Get(key); !got.LastSyncedAt.Equal(secondEnd) {
		t.Fatalf("cursor = %s after a completed poll, want %s", got.LastSyncedAt, secondEnd)
	}
	if n := rawEvents(t, st, pollProvider); n != 1 {
		t.Fatalf("raw events = %d, want the one body of the completed poll", n)
	}
}

// rawEvents counts the records in provider's raw topic.
func rawEvents(t *testing.T, st *testenv.Stack, provider string) int64 {
	t.Helper()
	ends, err := kadm.NewClient(st.Env.Producer).ListEndOffsets(context.Background(), st.Env.Topics.Raw(provider))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}
