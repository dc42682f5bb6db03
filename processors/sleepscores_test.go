package processors_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// sleepFormat is a raw event format whose body is a JSON list of canonical
// sleep sessions.
const sleepFormat = "application/x-wearstream-test-sleep"

func init() {
	ingest.RegisterFormat("apple", sleepFormat, func(_ ingest.Context, body []byte) (ingest.Records, error) {
		var recs ingest.Records
		return recs, json.Unmarshal(body, &recs.Sleep)
	})
}

// TestInternalSleepScores sends three nights and a nap through the
// processor: each main night gets Open Wearables' sleep score as a Summary
// of provider internal, scored against the bedtimes of the nights before
// it (the same event's and, later, the record state's), the nap none; an
// unchanged re-delivery emits nothing, and deleting a night deletes its
// score and drops its bedtime from the next night's history.
func TestInternalSleepScores(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	user := uuid.NewString()
	est := time.FixedZone("-05:00", -5*3600)
	// night is 8 h asleep from bed (local, −05:00) with full stages and no
	// waking: duration, stages and interruptions are 100.
	night := func(key string, bed time.Time, nap, deleted bool) schemas.Sleep {
		asleep := 8 * time.Hour
		if nap {
			asleep = 30 * time.Minute
		}
		return schemas.Sleep{
			ID: schemas.RecordID("t", user, "apple", "sleep", key), Tenant: "t", UserID: user,
			Source: schemas.Source{Provider: "apple", ID: "apple:watch"}, StartTime: bed.UTC(), EndTime: bed.Add(asleep).UTC(),
			ZoneOffset: -300, DurationSeconds: asleep.Seconds(), SleepDurationSeconds: asleep.Seconds(), InBedSeconds: asleep.Seconds(),
			Stages: &schemas.SleepStages{DeepMinutes: 100, RemMinutes: 100, LightMinutes: 280}, IsNap: nap, Deleted: deleted,
			Version: 1, IngestedAt: time.Now().UTC(),
		}
	}
	body := func(s ...schemas.Sleep) []byte {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	n1 := night("n1", time.Date(2026, 1, 10, 22, 0, 0, 0, est), false, false)
	n2 := night("n2", time.Date(2026, 1, 11, 23, 0, 0, 0, est), false, false)
	nap := night("nap", time.Date(2026, 1, 11, 14, 0, 0, 0, est), true, false)
	n3 := night("n3", time.Date(2026, 1, 12, 22, 0, 0, 0, est), false, false)
	produce := rawProducer(t, st, user)
	produce(sleepFormat, body(n2, nap, n1))
	produce(sleepFormat, body(n2))
	deleted := n1
	deleted.Deleted, deleted.Version = true, 2
	produce(sleepFormat, body(deleted))
	produce(sleepFormat, body(n3))
	_, stop := runProcessor(t, st)
	defer stop()

	consume(t, env.Brokers, map[string]int{env.Topics.Summaries(): 4})
	recs := committed(t, env.Brokers, env.Topics.Summaries())
	if len(recs) != 4 {
		t.Fatalf("got %d summary records, want 3 scores and 1 delete", len(recs))
	}
	got := make([]schemas.Summary, len(recs))
	for i, r := range recs {
		if err := env.Serde.Decode(r.Value, &got[i]); err != nil {
			t.Fatal(err)
		}
	}
	want := []struct {
		night       schemas.Sleep
		change      string
		score       float64
		consistency float64
		date        string
	}{
		{n1, schemas.ChangeCreated, 80, 0, "2026-01-11"},  // no earlier night: consistency 0
		{n2, schemas.ChangeCreated, 91, 57, "2026-01-12"}, // an hour later than 22:00
		{n1, schemas.ChangeDeleted, 0, 0, ""},
		{n3, schemas.ChangeCreated, 96, 80, "2026-01-13"}, // an hour earlier than n2 (n1 is gone): at most 20 off
	}
	for i, w := range want {
		g := got[i]
		id := schemas.SummaryID("t", user, processors.ProviderInternal, schemas.SummarySleep, w.night.ID)
		if g.ID != id || g.Change != w.change || g.Source.Provider != processors.ProviderInternal || g.Category != schemas.SummarySleep {
			t.Fatalf("summary %d = %+v, want %s of night %s", i, g, w.change, w.night.ID)
		}
		if w.change == schemas.ChangeDeleted {
			if !g.Deleted {
				t.Fatalf("summary %d = %+v, want a delete", i, g)
			}
			continue
		}
		if g.Value == nil || *g.Value != w.score || g.Date != w.date || !g.RecordedAt.Equal(w.night.EndTime) || g.ZoneOffset != -300 ||
			len(g.Components) != 4 || g.Components[2].Name != "consistency" || *g.Components[2].Value != w.consistency {
			t.Errorf("summary %d = %+v (components %v), want %v with consistency %v on %s", i, g, g.Components, w.score, w.consistency, w.date)
		}
	}
}
