package processors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// workoutsFormat is a raw event format whose body is a JSON list of
// canonical workouts: it lets the tests send deletes and chosen versions
// through the processor's real code path.
const workoutsFormat = "application/x-wearstream-test-workouts"

func init() {
	ingest.RegisterFormat("apple", workoutsFormat, func(_ ingest.Context, body []byte) (ingest.Records, error) {
		var recs ingest.Records
		return recs, json.Unmarshal(body, &recs.Workouts)
	})
}

// rawProducer sends raw events for one user to the apple raw topic.
func rawProducer(t *testing.T, st *testenv.Stack, user string) func(contentType string, body []byte) {
	return func(contentType string, body []byte) {
		t.Helper()
		raw := schemas.RawEvent{ID: uuid.NewString(), ReceivedAt: time.Now().UTC(), Tenant: "t", Provider: "apple", Kind: "sdk", UserID: user, ContentType: contentType, Body: body, Parts: 1}
		v, err := st.Env.Serde.Encode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Env.Producer.ProduceSync(context.Background(), &kgo.Record{Topic: st.Env.Topics.Raw("apple"), Key: []byte(user), Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// runProcessor starts a processor; the returned function stops it.
func runProcessor(t *testing.T, st *testenv.Stack) (*processors.Processor, func()) {
	t.Helper()
	env := st.Env
	p, err := processors.New(processors.Config{Brokers: env.Brokers, Topics: env.Topics, Serde: env.Serde, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return p, func() { cancel(); <-done }
}

// committed reads every committed record of a topic, up to its last stable
// offsets at the time of the call.
func committed(t *testing.T, brokers []string, topic string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListCommittedOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	offsets := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
			offsets[o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	if len(want) == 0 {
		return nil
	}
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets})
	var out []*kgo.Record
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: %v", topic, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := want[r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
			if r.Offset >= end-1 {
				delete(want, r.Partition)
			}
		})
	}
	return out
}

func decodeWorkouts(t *testing.T, serde *schemas.Serde, recs []*kgo.Record) []schemas.Workout {
	t.Helper()
	out := make([]schemas.Workout, len(recs))
	for i, r := range recs {
		if err := serde.Decode(r.Value, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestUnchangedAndUpdatedUploads sends the HealthKit fixture, the same body
// again, and the body with one workout changed: the re-delivery makes no
// workout and no sleep session, the change makes one workout.updated record
// under the same id with a higher version.
func TestUnchangedAndUpdatedUploads(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	body, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(body, []byte(`"value": 131.41`), []byte(`"value": 140.5`), 1)
	if bytes.Equal(changed, body) {
		t.Fatal("the fixture no longer has the walking workout's energy")
	}
	user := uuid.NewString()
	produce := rawProducer(t, st, user)
	produce("", body)
	produce("", body)
	produce("", changed)
	p, stop := runProcessor(t, st)
	defer stop()

	// The three raw events are on one partition and processed in order: once
	// the update is visible, everything the re-delivery made is too.
	consume(t, env.Brokers, map[string]int{env.Topics.Workouts(): 4})
	workouts := decodeWorkouts(t, env.Serde, committed(t, env.Brokers, env.Topics.Workouts()))
	if len(workouts) != 4 {
		t.Fatalf("got %d workout records, want 3 created and 1 updated", len(workouts))
	}
	created := map[string]schemas.Workout{}
	for _, w := range workouts[:3] {
		if w.Change != schemas.ChangeCreated || w.Deleted {
			t.Fatalf("first upload: workout %s change %q deleted %v", w.ID, w.Change, w.Deleted)
		}
		created[w.ID] = w
	}
	upd := workouts[3]
	first, ok := created[upd.ID]
	if !ok || upd.Change != schemas.ChangeUpdated || upd.Version <= first.Version {
		t.Fatalf("update = %+v (id known %v)", upd, ok)
	}
	if upd.CaloriesKcal == nil || first.CaloriesKcal == nil || *upd.CaloriesKcal-*first.CaloriesKcal < 9 {
		t.Fatalf("updated calories = %v, first %v: the change is not in the update", upd.CaloriesKcal, first.CaloriesKcal)
	}
	if n := len(committed(t, env.Brokers, env.Topics.Sleep())); n != 1 {
		t.Fatalf("got %d sleep records, want the one of the first upload", n)
	}
	if got := p.Stats().Unchanged.Load(); got != 5 {
		t.Fatalf("unchanged = %d, want 5: the 3 re-delivered workouts and the 2 the change left alone", got)
	}
}

// TestDeleteAndRestart emits a workout, restarts the processor (a new
// instance restores the fingerprints from the changelog), re-delivers the
// workout unchanged, deletes it twice and sends another workout: the
// topic holds the created workout, one delete and the other workout.
func TestDeleteAndRestart(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	user := uuid.NewString()
	produce := rawProducer(t, st, user)
	start := time.Date(2026, 1, 14, 6, 0, 0, 0, time.UTC)
	workout := func(id string, version int64, deleted bool) []byte {
		kcal := 300.0
		w := schemas.Workout{
			ID: schemas.RecordID("t", user, "apple", "workout", id), Tenant: "t", UserID: user,
			Source: schemas.Source{Provider: "apple", ID: "apple:watch"}, ProviderRecordID: id, Type: "running",
			StartTime: start, EndTime: start.Add(time.Hour), DurationSeconds: 3600, CaloriesKcal: &kcal,
			Version: version, Deleted: deleted, IngestedAt: start.Add(time.Duration(version) * time.Hour),
		}
		if deleted {
			w = schemas.Workout{ID: w.ID, Tenant: "t", UserID: user, ProviderRecordID: id, Version: version, Deleted: true}
		}
		b, err := json.Marshal([]schemas.Workout{w})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	produce(workoutsFormat, workout("w1", 1, false))
	_, stop := runProcessor(t, st)
	consume(t, env.Brokers, map[string]int{env.Topics.Workouts(): 1})
	stop()

	produce(workoutsFormat, workout("w1", 2, false))
	produce(workoutsFormat, workout("w1", 1, true))
	produce(workoutsFormat, workout("w1", 3, true))
	produce(workoutsFormat, workout("w2", 1, false))
	p, stop := runProcessor(t, st)
	defer stop()
	consume(t, env.Brokers, map[string]int{env.Topics.Workouts(): 3})

	got := decodeWorkouts(t, env.Serde, committed(t, env.Brokers, env.Topics.Workouts()))
	if len(got) != 3 {
		t.Fatalf("got %d workout records, want created, deleted, created", len(got))
	}
	w1, del, w2 := got[0], got[1], got[2]
	if w1.Change != schemas.ChangeCreated || del.ID != w1.ID || !del.Deleted || del.Change != schemas.ChangeDeleted || del.Version <= w1.Version {
		t.Fatalf("w1 = %s v%d, then %s v%d deleted %v", w1.Change, w1.Version, del.Change, del.Version, del.Deleted)
	}
	if w2.ProviderRecordID != "w2" || w2.Change != schemas.ChangeCreated {
		t.Fatalf("third record = %+v", w2)
	}
	if n := p.Stats().Unchanged.Load(); n != 2 {
		t.Fatalf("the restarted processor counted %d unchanged records, want 2 (the re-delivery and the second delete)", n)
	}
}
