package processors_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// deletionsFormat is a raw event format whose body is a JSON list of range
// deletions.
const deletionsFormat = "application/x-wearstream-test-deletions"

func init() {
	ingest.RegisterFormat("apple", deletionsFormat, func(_ ingest.Context, body []byte) (ingest.Records, error) {
		var recs ingest.Records
		return recs, json.Unmarshal(body, &recs.Deletions)
	})
}

// TestRangeDeletionAfterRestart creates two workouts, restarts the
// processor (the new instance knows them only from the changelog) and sends
// a range deletion covering the first: exactly one delete of it comes out.
// The same deletion again deletes nothing, and a later workout is created.
func TestRangeDeletionAfterRestart(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	user := uuid.NewString()
	produce := rawProducer(t, st, user)
	start := time.Date(2026, 1, 14, 6, 0, 0, 0, time.UTC)
	workout := func(id string, at time.Time) schemas.Workout {
		return schemas.Workout{
			ID: schemas.RecordID("t", user, "apple", "workout", id), Tenant: "t", UserID: user,
			Source: schemas.Source{Provider: "apple", ID: "apple:watch"}, ProviderRecordID: id, Type: "running",
			StartTime: at, EndTime: at.Add(time.Hour), DurationSeconds: 3600, Version: 1, IngestedAt: at,
		}
	}
	produce(workoutsFormat, encodeJSON(t, []schemas.Workout{workout("w1", start), workout("w2", start.Add(2*time.Hour))}))
	_, stop := runProcessor(t, st)
	consume(t, env.Brokers, map[string]int{env.Topics.Workouts(): 2})
	stop()

	deletion := encodeJSON(t, []ingest.RangeDeletion{
		{Kind: ingest.DeleteWorkouts, Start: start, End: start.Add(2 * time.Hour)}, // w2 starts at the end: kept
		{Kind: ingest.DeleteSleep, Start: start, End: start.Add(3 * time.Hour)},    // no sleep: nothing
	})
	produce(deletionsFormat, deletion)
	produce(deletionsFormat, deletion)
	produce(workoutsFormat, encodeJSON(t, []schemas.Workout{workout("w3", start.Add(30*time.Minute))}))
	_, stop = runProcessor(t, st)
	defer stop()
	consume(t, env.Brokers, map[string]int{env.Topics.Workouts(): 4})

	got := decodeWorkouts(t, env.Serde, committed(t, env.Brokers, env.Topics.Workouts()))
	if len(got) != 4 {
		t.Fatalf("got %d workout records, want 2 created, 1 deleted, 1 created", len(got))
	}
	w1, del, w3 := got[0], got[2], got[3]
	if w1.ProviderRecordID != "w1" || del.ID != w1.ID || !del.Deleted || del.Change != schemas.ChangeDeleted || del.Version <= w1.Version {
		t.Fatalf("w1 = %s %s v%d, then %s %s v%d deleted %v", w1.ID, w1.Change, w1.Version, del.ID, del.Change, del.Version, del.Deleted)
	}
	if del.UserID != user || del.Tenant != "t" || del.Source.Provider != "apple" {
		t.Fatalf("delete = %+v", del)
	}
	if w3.ProviderRecordID != "w3" || w3.Change != schemas.ChangeCreated {
		t.Fatalf("fourth record = %+v", w3)
	}
	if n := len(committed(t, env.Brokers, env.Topics.Sleep())); n != 0 {
		t.Fatalf("got %d sleep records, want none", n)
	}
}

// TestSampleDeletions sends a workout, then in one raw event the deletions
// of its samples (by record), of a range, of an unknown record and of an
// unknown series type, then the workout's delete, then the deletion of its
// samples again: the record's deletion spans the workout, the range is
// kept as it is, and nothing comes of the unknown record, the unknown
// series type or the already deleted workout. The processor restarts
// between the two halves, so the workout's span comes from the changelog.
func TestSampleDeletions(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	user := uuid.NewString()
	produce := rawProducer(t, st, user)
	start := time.Date(2026, 1, 14, 6, 0, 0, 0, time.UTC)
	w := schemas.Workout{
		ID: schemas.RecordID("t", user, "apple", "workout", "w1"), Tenant: "t", UserID: user,
		Source: schemas.Source{Provider: "apple", ID: "apple:watch"}, ProviderRecordID: "w1", Type: "running",
		StartTime: start, EndTime: start.Add(time.Hour), DurationSeconds: 3600, Version: 1, IngestedAt: start,
	}
	produce(workoutsFormat, encodeJSON(t, []schemas.Workout{w}))
	_, stop := runProcessor(t, st)
	consume(t, env.Brokers, map[string]int{env.Topics.Workouts(): 1})
	stop()

	byRecord := ingest.RangeDeletion{Kind: ingest.DeleteSamples, Record: w.ID, SeriesTypes: []string{"heart_rate", "speed"}, SourceID: "apple:watch"}
	produce(deletionsFormat, encodeJSON(t, []ingest.RangeDeletion{
		byRecord,
		{Kind: ingest.DeleteSamples, Start: start.Add(-time.Hour), End: start, SeriesTypes: []string{"steps"}},
		{Kind: ingest.DeleteSamples, Record: uuid.NewString(), SeriesTypes: []string{"heart_rate"}},
		{Kind: ingest.DeleteSamples, Record: w.ID, SeriesTypes: []string{"no_such_series"}},
	}))
	gone := w
	gone.Deleted, gone.Version = true, 2
	produce(workoutsFormat, encodeJSON(t, []schemas.Workout{gone}))
	produce(deletionsFormat, encodeJSON(t, []ingest.RangeDeletion{byRecord}))
	_, stop = runProcessor(t, st)
	defer stop()
	consume(t, env.Brokers, map[string]int{env.Topics.Workouts(): 2, env.Topics.Samples(): 3})

	recs := committed(t, env.Brokers, env.Topics.Samples())
	if len(recs) != 3 {
		t.Fatalf("got %d sample batches, want 3 deletions", len(recs))
	}
	want := []struct {
		series, source string
		from, to       time.Time
	}{
		{"heart_rate", "apple:watch", start, start.Add(time.Hour + time.Millisecond)},
		{"speed", "apple:watch", start, start.Add(time.Hour + time.Millisecond)},
		{"steps", "", start.Add(-time.Hour), start},
	}
	for i, r := range recs {
		var b schemas.SampleBatch
		if err := env.Serde.Decode(r.Value, &b); err != nil {
			t.Fatal(err)
		}
		wt := want[i]
		if b.Deletion == nil || len(b.Samples) != 0 || b.SeriesType != wt.series || b.Source.ID != wt.source || b.Source.Provider != "apple" ||
			!b.Deletion.Start.Equal(wt.from) || !b.Deletion.End.Equal(wt.to) || b.UserID != user || string(r.Key) != user {
			t.Fatalf("batch %d = %+v (deletion %+v), want %+v", i, b, b.Deletion, wt)
		}
		if _, err := uuid.Parse(b.ID); err != nil || b.Version <= w.Version {
			t.Fatalf("batch %d: id %q version %d", i, b.ID, b.Version)
		}
	}
}

// encodeJSON is v as JSON, the body of a test format's raw event.
func encodeJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
