package whoop

import (
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

var fixtures = []string{
	"whoop_workout.json",
	"whoop_sleep.json",
	"whoop_recovery.json",
	"whoop_cycle.json",
	"whoop_webhook.json",
	"whoop_webhook_recovery.json",
	"whoop_webhook_v1_legacy.json",
	"whoop_webhook_deleted.json",
}

func testContext() ingest.Context {
	return ingest.Context{
		Tenant: "tenant-1", UserID: "user-1", Provider: "whoop", RawEventID: "raw-1",
		ReceivedAt: time.Date(2026, 1, 15, 7, 15, 5, 0, time.UTC),
	}
}

func normalize(t *testing.T, body string) ingest.Records {
	t.Helper()
	recs, err := Normalize(testContext(), []byte(body))
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	return recs
}

// live drops deleted sessions, which carry only their id.
func live(s []schemas.Sleep) []schemas.Sleep {
	var out []schemas.Sleep
	for _, x := range s {
		if !x.Deleted {
			out = append(out, x)
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			recs := normalize(t, string(ingesttest.ReadFixture(t, name)))
			ingesttest.GoldenRecords(t, name, recs)
			ingesttest.CheckBatches(t, recs.Samples)
			ingesttest.CheckWorkouts(t, recs.Workouts)
			ingesttest.CheckSleep(t, live(recs.Sleep))
		})
	}
}

func TestStableIDs(t *testing.T) {
	other := testContext()
	other.Tenant = "tenant-2"
	ingesttest.CheckStableIDs(t, Normalize, testContext(), other, fixtures...)
}

func TestWorkout(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "whoop_workout.json")))
	if len(recs.Workouts) != 1 {
		t.Fatalf("workouts %d", len(recs.Workouts))
	}
	w := recs.Workouts[0]
	if w.Type != "running" || w.ZoneOffset != -300 || w.DurationSeconds != 8*3600 || *w.AvgHeartRateBPM != 123 ||
		*w.CaloriesKcal != ingest.Tidy(1569.34033203125/4.184) || *w.DistanceMeters != 1772.77035916 || *w.ElevationGainMeters != ingest.Tidy(46.64384460449) {
		t.Errorf("workout %+v", w)
	}
	if w.ID != schemas.RecordID("tenant-1", "user-1", "whoop", "workout", "ecfc6a15-4661-442f-a9a4-f160dd7afae8") {
		t.Errorf("id %s", w.ID)
	}
	pending := strings.Replace(string(ingesttest.ReadFixture(t, "whoop_workout.json")), `"SCORED"`, `"PENDING_SCORE"`, 1)
	if w := normalize(t, pending).Workouts[0]; w.CaloriesKcal != nil || w.AvgHeartRateBPM != nil {
		t.Errorf("pending score read: %+v", w)
	}
	farOff := strings.Replace(string(ingesttest.ReadFixture(t, "whoop_workout.json")), `"-05:00"`, `"+24:30"`, 1)
	if recs := normalize(t, farOff); recs.Workouts[0].ZoneOffset != 0 || recs.Skipped["invalid workout field timezone_offset"] != 1 {
		t.Errorf("offset beyond 18 hours: %+v, skipped %v", recs.Workouts[0], recs.Skipped)
	}
}

func TestSleepAndRecovery(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "whoop_sleep.json")))
	s := recs.Sleep[0]
	if s.IsNap || s.ZoneOffset != -300 || s.Stages.DeepMinutes != ingest.Tidy(6630.370/60) || s.InBedSeconds != 28800 ||
		*s.EfficiencyPercent != 91.69533848 || s.SleepDurationSeconds != ingest.Tidy(14905.851+6630.370+5879.573) {
		t.Errorf("sleep %+v %+v", s, s.Stages)
	}
	if len(recs.Samples) != 1 || recs.Samples[0].SeriesType != "respiratory_rate" {
		t.Errorf("sleep samples %+v", recs.Samples)
	}
	recs = normalize(t, string(ingesttest.ReadFixture(t, "whoop_recovery.json")))
	got := map[string]float64{}
	for _, b := range recs.Samples {
		got[b.SeriesType] = b.Samples[0].Value
	}
	if got["resting_heart_rate"] != 64 || got["heart_rate_variability_rmssd"] != 31.813562 || got["oxygen_saturation"] != 95.6875 || got["skin_temperature"] != 33.7 {
		t.Errorf("recovery %v", got)
	}
}

func TestDeleted(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "whoop_webhook_deleted.json")))
	all := normalize(t, string(ingesttest.ReadFixture(t, "whoop_workout.json")))
	if len(recs.Workouts) != 1 || !recs.Workouts[0].Deleted || recs.Workouts[0].ID != all.Workouts[0].ID || recs.Workouts[0].Version != testContext().ReceivedAt.UnixMilli() {
		t.Fatalf("deleted %+v", recs.Workouts)
	}
	sleep := strings.Replace(string(ingesttest.ReadFixture(t, "whoop_webhook_deleted.json")), "workout.deleted", "sleep.deleted", 1)
	if recs := normalize(t, sleep); len(recs.Sleep) != 1 || !recs.Sleep[0].Deleted {
		t.Fatalf("sleep deleted %+v", recs)
	} else {
		ingesttest.CheckSampleDeletions(t, recs, recs.Sleep[0].ID, sleepSamples)
	}
	// A recovery is named by its sleep's id: the delete finds its summary.
	recovery := strings.NewReplacer("workout.deleted", "recovery.deleted",
		"ecfc6a15-4661-442f-a9a4-f160dd7afae8", "123e4567-e89b-12d3-a456-426614174000").
		Replace(string(ingesttest.ReadFixture(t, "whoop_webhook_deleted.json")))
	scored := normalize(t, string(ingesttest.ReadFixture(t, "whoop_recovery.json")))
	if recs := normalize(t, recovery); recs.Len() != 1 || len(recs.Summaries) != 1 || !recs.Summaries[0].Deleted ||
		len(scored.Summaries) != 1 || recs.Summaries[0].ID != scored.Summaries[0].ID {
		t.Fatalf("recovery deleted %+v", recs)
	} else {
		ingesttest.CheckSampleDeletions(t, recs, scored.Summaries[0].ID, recoverySamples)
	}
	if recs := normalize(t, string(ingesttest.ReadFixture(t, "whoop_webhook_deleted.json"))); len(recs.Deletions) != 0 {
		t.Errorf("a workout adds no samples, yet its delete removes %+v", recs.Deletions)
	}
}

// Each document type adds samples only of the series its delete removes,
// and they lie in the span the processor resolves the deleted record to:
// a sleep's [start, end], a summary's recorded time or its Spans entry.
func TestDeletedSamplesListed(t *testing.T) {
	for fixture, groups := range map[string][]ingest.SampleGroup{
		"whoop_sleep.json":    sleepSamples,
		"whoop_recovery.json": recoverySamples,
	} {
		ingesttest.CheckSamplesDeletable(t, fixture, normalize(t, string(ingesttest.ReadFixture(t, fixture))), groups)
	}
}

func TestErrors(t *testing.T) {
	for body, want := range map[string]string{
		``:              "empty",
		`nope`:          "cannot decode whoop body",
		`[1]`:           "not a known whoop document",
		`{"a": 1}`:      "not a known whoop document",
		`{"records":1}`: "cannot decode whoop page",
		`{"id":"x","sport_name":"running","start":"x","end":"y"}`: "not an ISO-8601 time",
	} {
		if _, err := Normalize(testContext(), []byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
