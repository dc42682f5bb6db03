package suunto

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

var fixtures = []string{
	"suunto_webhook.json",
	"suunto_workout.json",
	"suunto_webhook_247_activity.json",
	"suunto_webhook_247_sleep.json",
	"suunto_webhook_247_recovery.json",
}

func testContext() ingest.Context {
	return ingest.Context{
		Tenant:     "tenant-1",
		UserID:     "user-1",
		Provider:   "suunto",
		RawEventID: "raw-1",
		ReceivedAt: time.Date(2026, 5, 17, 14, 0, 0, 0, time.UTC),
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

func normalizeFixture(t *testing.T, name string) ingest.Records {
	t.Helper()
	return normalize(t, string(ingesttest.ReadFixture(t, name)))
}

func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			ingesttest.GoldenRecords(t, name, normalizeFixture(t, name))
		})
	}
}

func TestShapes(t *testing.T) {
	f := func(body string, workouts, sleep, batches int) {
		t.Helper()
		recs := normalize(t, body)
		if len(recs.Workouts) != workouts || len(recs.Sleep) != sleep || len(recs.Samples) != batches {
			t.Errorf("%s: got %d workouts, %d sleep, %d batches; want %d, %d, %d (skipped %v)",
				body, len(recs.Workouts), len(recs.Sleep), len(recs.Samples), workouts, sleep, batches, recs.Skipped)
		}
	}
	w := `{"workoutKey":"k","activityId":1,"startTime":1779025042670,"totalTime":60}`
	f(w, 1, 0, 0)
	f(`{"error":null,"payload":`+w+`}`, 1, 0, 0)
	f(`{"error":null,"payload":[`+w+`,`+strings.Replace(w, `"k"`, `"k2"`, 1)+`],"metadata":{}}`, 2, 0, 0)
	f(`{"error":null,"payload":[`+w+`,`+w+`],"metadata":{}}`, 1, 0, 0) // one workout twice
	f(`{"error":null,"payload":null}`, 0, 0, 0)
	f(`[]`, 0, 0, 0)
	f(`[{"timestamp":"2026-05-17T10:00:00+02:00","entryData":{"HR":60}},`+
		`{"timestamp":"2026-05-17T02:13:00+02:00","entryData":{"BedtimeStart":"2026-05-17T02:13:00+02:00","BedtimeEnd":"2026-05-17T06:13:00+02:00"}},`+
		`{"timestamp":"2026-05-17T09:30:00+02:00","entryData":{"Balance":0.5}}]`, 0, 1, 1)
	f(`{"type":"ROUTE_CREATED","username":"u","route":{}}`, 0, 0, 0)
	f(`{"type":"SUUNTO_247_ACTIVITY_CREATED","username":"u"}`, 0, 0, 0)
	f(`{"type":"WORKOUT_CREATED","username":"u","workout":`+w+`,"gear":"odd"}`, 1, 0, 0)
}

func TestErrors(t *testing.T) {
	f := func(body, wantInError string) {
		t.Helper()
		_, err := Normalize(testContext(), []byte(body))
		if err == nil {
			t.Errorf("%s: no error", body)
			return
		}
		if !strings.Contains(err.Error(), wantInError) {
			t.Errorf("%s: error %q does not say %q", body, err, wantInError)
		}
	}
	f(``, "empty")
	f(`<xml/>`, "cannot decode suunto body")
	f(`{"type":`, "cannot decode suunto body")
	f(`"text"`, "not a known suunto payload")
	f(`{"hello":"world"}`, "not a known suunto payload")
	f(`[{"hello":"world"}]`, "not a known suunto payload")
	f(`{"error":{"code":401,"message":"Unauthorized"},"payload":null}`, "suunto api error")
	f(`{"error":null,"payload":"x"}`, "not a known suunto payload")
	f(`{"type":5,"username":"u"}`, "cannot decode suunto webhook type")
	f(`{"type":"WORKOUT_CREATED","username":"u"}`, "without workout")
	f(`{"type":"SUUNTO_247_SLEEP_CREATED","username":"u","samples":{}}`, "cannot decode suunto SUUNTO_247_SLEEP_CREATED samples")
	f(`{"workoutKey":"k","startTime":"soon","totalTime":60}`, "startTime")
	f(`{"workoutKey":"k","startTime":1779025042670}`, "neither totalTime nor stopTime")
	f(`{"workoutKey":"k","startTime":1779025042670,"totalTime":60,"hrdata":[1]}`, "cannot decode suunto workout")
}

func TestUnknownItemsAreCounted(t *testing.T) {
	recs := normalize(t, `{"type":"SUUNTO_247_ACTIVITY_CREATED","username":"u","extra":1,"samples":[
		{"timestamp":"2026-05-17T10:00:00.000+02:00","entryData":{"HR":72,"Cadence":80}},
		{"timestamp":"yesterday","entryData":{"HR":72}},
		{"timestamp":"2026-05-17T10:10:00.000+02:00","entryData":"none"},
		{"timestamp":"2026-05-17T10:20:00.000+02:00"},
		{"timestamp":"2026-05-17T10:00:00.000+02:00","entryData":{"HR":75}}
	]}`)
	want := map[string]int{
		"unknown webhook field extra":            1,
		"unknown 24/7 activity field Cadence":    1,
		"invalid 24/7 activity sample timestamp": 1,
		"invalid 24/7 sample":                    1,
		"unknown suunto list item":               1,
		"duplicate sample":                       1,
	}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped\n got %v\nwant %v", recs.Skipped, want)
	}
	if hr := ingesttest.FindBatch(t, recs, "heart_rate").Samples; len(hr) != 1 || hr[0].Value != 75 {
		t.Errorf("heart rate %+v, want the later of two at 10:00", hr)
	}
	recs = normalize(t, `{"type":"SOMETHING_NEW","username":"u"}`)
	if recs.Skipped["unknown webhook type SOMETHING_NEW"] != 1 || recs.Len() != 0 {
		t.Errorf("unknown type: %+v", recs)
	}
}

func TestRegistered(t *testing.T) {
	p, ok := ingest.Lookup("suunto")
	if !ok || p.DisplayName != "Suunto" || p.SDK || p.Normalize == nil {
		t.Errorf("suunto registered as %+v, %v", p, ok)
	}
}

func TestDeterministicIDs(t *testing.T) {
	other := testContext()
	other.Tenant = "tenant-2"
	ingesttest.CheckStableIDs(t, Normalize, testContext(), other, fixtures...)
}

func TestWorkoutIDSurvivesRefetch(t *testing.T) {
	// The webhook's summary and the workout fetched later by its key are
	// one workout: same id, higher version.
	hook := normalizeFixture(t, "suunto_webhook.json").Workouts[0]
	later := testContext()
	later.RawEventID = "raw-2"
	later.ReceivedAt = later.ReceivedAt.Add(time.Minute)
	body := `{"error":null,"payload":{"workoutKey":"67604889401b942184624cb8","activityId":3,"startTime":1702729200000,"totalTime":3600}}`
	fetched, err := Normalize(later, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if f := fetched.Workouts[0]; f.ID != hook.ID || f.Version <= hook.Version {
		t.Errorf("re-fetched workout: id %s version %d; webhook's %s %d", f.ID, f.Version, hook.ID, hook.Version)
	}
	if want := schemas.RecordID("tenant-1", "user-1", "suunto", "workout", "67604889401b942184624cb8"); hook.ID != want {
		t.Errorf("workout id %s, want RecordID over the workoutKey (%s)", hook.ID, want)
	}
	sleep := normalizeFixture(t, "suunto_webhook_247_sleep.json").Sleep[0]
	if want := schemas.RecordID("tenant-1", "user-1", "suunto", "sleep", "1778976780"); sleep.ID != want {
		t.Errorf("sleep id %s, want RecordID over the SleepId (%s)", sleep.ID, want)
	}
	hr := ingesttest.FindBatch(t, normalizeFixture(t, "suunto_webhook_247_activity.json"), "heart_rate")
	if want := schemas.NameID("tenant-1", "user-1", "suunto", "samples", "suunto:account", "heart_rate", "raw-1"); hr.ID != want {
		t.Errorf("batch id %s, want %s", hr.ID, want)
	}
}
