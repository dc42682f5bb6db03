package googlehealth

import (
	"net/http"
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
	"google_health_webhook.json",
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
	if len(recs.Deletions) != 1 || recs.Deletions[0] != want || recs.Len() != 0 {
		t.Errorf("deletions %+v", recs.Deletions)
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

func FuzzVerify(f *testing.F) {
	f.Add("secret", "Bearer secret")
	f.Fuzz(func(t *testing.T, secret, header string) {
		h := http.Header{}
		h.Set("Authorization", header)
		if Verify(ingest.Settings{WebhookSecret: secret}, h, nil) == nil && secret == "" {
			t.Fatal("verified without a secret")
		}
	})
}
