package googlehealth

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

var fixtures = []string{
	"google_health_exercise.json",
	"google_health_sleep.json",
	"google_health_steps.json",
	"google_health_heart_rate.json",
	"google_health_resting_heart_rate.json",
	"google_health_distance.json",
	"google_health_floors.json",
	"google_health_weight.json",
	"google_health_webhook.json",
	"google_health_delete_steps.json",
	"google_health_verification.json",
}

func testContext() ingest.Context {
	return ingest.Context{
		Tenant: "tenant-1", UserID: "user-1", Provider: provider, RawEventID: "raw-1",
		ReceivedAt: time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC),
	}
}

func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			recs, err := Normalize(testContext(), ingesttest.ReadFixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			ingesttest.CheckBatches(t, recs.Samples)
			ingesttest.CheckWorkouts(t, recs.Workouts)
			ingesttest.CheckSleep(t, recs.Sleep)
			ingesttest.GoldenRecords(t, name, recs)
		})
	}
}

func TestRecords(t *testing.T) {
	recs, _ := Normalize(testContext(), ingesttest.ReadFixture(t, "google_health_exercise.json"))
	run := recs.Workouts[0]
	if run.Type != "running" || run.ZoneOffset != -300 || run.DurationSeconds != 2400 || *run.DistanceMeters != 7010 || run.Source.Device != "Pixel Watch 3" {
		t.Errorf("run %+v", run)
	}
	// int64 fields come as JSON strings (proto3 JSON), doubles as numbers.
	if *run.Steps != 6820 || *run.AvgHeartRateBPM != 148 || *run.ElevationGainMeters != 31 {
		t.Errorf("run summary %+v", run)
	}
	if recs.Workouts[1].Type != "strength_training" {
		t.Errorf("strength type %s", recs.Workouts[1].Type)
	}
	if want := schemas.RecordID("tenant-1", "user-1", provider, "workout", "users/1234567890123456789/dataTypes/exercise/dataPoints/7d1c0b2a"); run.ID != want {
		t.Errorf("id %s, want %s", run.ID, want)
	}
	recs, _ = Normalize(testContext(), ingesttest.ReadFixture(t, "google_health_sleep.json"))
	if night := recs.Sleep[0]; night.IsNap || night.Stages == nil || night.Stages.DeepMinutes != 75 || len(night.Intervals) != 6 || !recs.Sleep[1].IsNap {
		t.Errorf("sleep %+v", recs.Sleep)
	}
	for name, want := range map[string]float64{
		"google_health_weight.json": 72.3505, "google_health_distance.json": 84.25, "google_health_floors.json": 2, "google_health_steps.json": 1042,
	} {
		recs, _ = Normalize(testContext(), ingesttest.ReadFixture(t, name))
		if len(recs.Samples) != 1 || recs.Samples[0].Samples[0].Value != want {
			t.Errorf("%s: samples %+v, want first value %v", name, recs.Samples, want)
		}
	}
}

func TestErrors(t *testing.T) {
	for body, want := range map[string]string{
		``:                  "empty",
		`x`:                 "cannot decode google health body",
		`1`:                 "not a known google health payload",
		`{"a":1}`:           "not a known google health payload",
		`[{"a":1}]`:         "not a known google health payload",
		`{"dataPoints":{}}`: "cannot decode google health dataPoints",
	} {
		if _, err := Normalize(testContext(), []byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", body, err, want)
		}
	}
}

func TestDeterministicIDs(t *testing.T) {
	other := testContext()
	other.UserID = "user-2"
	ingesttest.CheckStableIDs(t, Normalize, testContext(), other, fixtures...)
}

func TestWorkoutTypes(t *testing.T) {
	for unified := range exerciseTable {
		if !schemas.IsWorkoutType(unified) {
			t.Errorf("%s is not a unified workout type", unified)
		}
	}
}

func TestVerifyAndParse(t *testing.T) {
	s := ingest.Settings{WebhookSecret: "hook-secret"}
	h := http.Header{}
	if Verify(s, h, nil) == nil {
		t.Fatal("verified without Authorization")
	}
	for _, v := range []string{"hook-secret", "Bearer hook-secret"} {
		h.Set("Authorization", v)
		if err := Verify(s, h, nil); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
	}
	if Verify(ingest.Settings{}, h, nil) == nil {
		t.Fatal("verified without a configured secret")
	}
	if items, err := ParseWebhook(ingesttest.ReadFixture(t, "google_health_verification.json")); err != nil || len(items) != 0 {
		t.Fatalf("verification: %v, %v", items, err)
	}
	items, err := ParseWebhook(ingesttest.ReadFixture(t, "google_health_webhook.json"))
	if err != nil || len(items) != 3 {
		t.Fatalf("items %+v, %v", items, err)
	}
	if it := items[0]; it.ProviderUserID != "1234567890123456789" || it.Job != ingest.JobFetch || it.DataType != "steps" || it.URL != "2026-01-14T08:00:00Z/2026-01-14T09:00:01Z" {
		t.Errorf("steps item %+v", it)
	}
	if items[1].DataType != "sleep" {
		t.Errorf("sleep item %+v", items[1])
	}
	// The DELETE of exercise is kept as a raw event, which the normaliser
	// turns into a range deletion.
	del := items[2]
	if del.Job != "" || del.ProviderUserID != "1234567890123456789" || del.Body == nil {
		t.Fatalf("delete item %+v", del)
	}
	recs, err := Normalize(testContext(), del.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := ingest.RangeDeletion{Kind: ingest.DeleteWorkouts,
		Start: time.Date(2026, 1, 12, 17, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 12, 17, 45, 1, 0, time.UTC)}
	if len(recs.Deletions) != 1 || !reflect.DeepEqual(recs.Deletions[0], want) || recs.Len() != 0 {
		t.Errorf("deletions %+v", recs.Deletions)
	}
}

func TestSampleDeletions(t *testing.T) {
	day := func(d, h, m int) time.Time { return time.Date(2026, 1, d, h, m, 0, 0, time.UTC) }
	f := func(dataType string, want ingest.RangeDeletion) {
		t.Helper()
		body := `[{"data": {"healthUserId": "1", "operation": "DELETE", "dataType": "` + dataType + `",
			"intervals": [{"physicalTimeInterval": {"startTime": "2026-01-14T08:00:00Z", "endTime": "2026-01-14T09:00:00Z"}}]}}]`
		items, err := ParseWebhook([]byte(body))
		if err != nil || len(items) != 1 || items[0].Body == nil {
			t.Fatalf("%s: items %+v, %v", dataType, items, err)
		}
		recs, err := Normalize(testContext(), items[0].Body)
		if err != nil || len(recs.Deletions) != 1 || !reflect.DeepEqual(recs.Deletions[0], want) {
			t.Fatalf("%s: deletions %+v, %v", dataType, recs.Deletions, err)
		}
	}
	samples := func(series, source string) ingest.RangeDeletion {
		return ingest.RangeDeletion{Kind: ingest.DeleteSamples, Start: day(14, 8, 0), End: day(14, 9, 0).Add(time.Second),
			SeriesTypes: []string{series}, SourceID: source}
	}
	f("steps", samples("steps", "google_health:account"))
	f("distance", samples("distance_walking_running", "google_health:account"))
	f("floors", samples("flights_climbed", "google_health:account"))
	f("heart-rate", samples("heart_rate", "google_health:account"))
	f("weight", samples("weight", "google_health:account"))
	f("daily-resting-heart-rate", ingest.RangeDeletion{Kind: ingest.DeleteSamples, Start: day(14, 0, 0), End: day(15, 0, 0),
		SeriesTypes: []string{"resting_heart_rate"}, SourceID: "google_health:daily"})
	f("sleep", ingest.RangeDeletion{Kind: ingest.DeleteSleep, Start: day(14, 8, 0), End: day(14, 9, 0).Add(time.Second)})
	// A data type without canonical records is not kept.
	items, err := ParseWebhook([]byte(`[{"data": {"healthUserId": "1", "operation": "DELETE", "dataType": "altitude",
		"intervals": [{"physicalTimeInterval": {"startTime": "2026-01-14T08:00:00Z", "endTime": "2026-01-14T09:00:00Z"}}]}}]`))
	if err != nil || len(items) != 0 {
		t.Fatalf("altitude: %+v, %v", items, err)
	}
}

// The series the normaliser writes and those its deletions name agree.
func TestDeletedSeriesWritten(t *testing.T) {
	written := map[string]string{}
	for _, name := range fixtures {
		recs, _ := Normalize(testContext(), ingesttest.ReadFixture(t, name))
		for _, b := range recs.Samples {
			written[b.SeriesType] = b.Source.ID
		}
	}
	for dataType, ds := range deletedSeries {
		if src, ok := written[ds.series]; !ok || src != ds.source {
			t.Errorf("%s deletes %s from %s; the fixtures write it from %q", dataType, ds.series, ds.source, src)
		}
		if filterField[dataType] == "" {
			t.Errorf("%s is deleted but never fetched", dataType)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	ingesttest.SeedFixtures(f, fixtures...)
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Normalize(testContext(), body)
		if err != nil {
			return
		}
		ingesttest.CheckBatches(t, recs.Samples)
		ingesttest.CheckWorkouts(t, recs.Workouts)
		ingesttest.CheckSleep(t, recs.Sleep)
	})
}

func FuzzParseWebhook(f *testing.F) {
	ingesttest.SeedFixtures(f, "google_health_webhook.json", "google_health_verification.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseWebhook(body)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.ProviderUserID == "" || it.Body == nil && (it.URL == "" || filterField[it.DataType] == "") {
				t.Fatalf("item %+v", it)
			}
		}
	})
}
