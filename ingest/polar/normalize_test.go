package polar

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
	"polar_exercise.json",
	"polar_sleep.json",
	"polar_nightly_recharge.json",
	"polar_daily_activity.json",
	"polar_continuous_hr.json",
	"polar_webhook.json",
	"polar_webhook_sleep.json",
	"polar_webhook_ping.json",
}

func testContext() ingest.Context {
	return ingest.Context{
		Tenant:     "tenant-1",
		UserID:     "user-1",
		Provider:   "polar",
		RawEventID: "raw-1",
		ReceivedAt: time.Date(2026, 1, 14, 7, 15, 5, 0, time.UTC),
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
	exercise := `{"id":"x","sport":"RUNNING","start_time":"2026-01-14T07:00:00","start_time_utc_offset":60,"duration":"PT30M"}`
	f(exercise, 1, 0, 0)
	f("["+exercise+","+strings.Replace(exercise, `"x"`, `"y"`, 1)+"]", 2, 0, 0)
	f("["+exercise+","+exercise+"]", 1, 0, 0) // one exercise twice
	f(`[]`, 0, 0, 0)
	f(`{"nights":[]}`, 0, 0, 0)
	f(`{"nights":[{"date":"2026-01-14","sleep_start_time":"2026-01-13T23:00:00+01:00","sleep_end_time":"2026-01-14T07:00:00+01:00","light_sleep":28800}]}`, 0, 1, 0)
	f(`{"date":"2026-01-14","sleep_start_time":"2026-01-13T23:00:00+01:00","sleep_end_time":"2026-01-14T07:00:00+01:00"}`, 0, 1, 0)
	f(`{"recharges":[{"date":"2026-01-14","heart_rate_variability_avg":40}]}`, 0, 0, 1)
	f(`{"date":"2026-01-14","nightly_recharge_status":3,"hrv_samples":{"23:00":40},"breathing_samples":{"23:00":14}}`, 0, 0, 2)
	f(`{"heart_rates":[{"date":"2026-01-14","heart_rate_samples":[{"heart_rate":60,"sample_time":"01:00:00"}]},`+
		`{"date":"2026-01-15","heart_rate_samples":[{"heart_rate":61,"sample_time":"01:00:00"}]}]}`, 0, 0, 1)
	f(`{"start_time":"2026-01-14T00:00:00","steps":100}`, 0, 0, 1)
	f(`[{"start_time":"2026-01-14T00:00:00","active_calories":100}]`, 0, 0, 1)
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
	f(`not json`, "cannot decode polar body")
	f(`{"id": 1,`, "cannot decode polar body")
	f(`42`, "not a known polar response")
	f(`{"hello":"world"}`, "not a known polar response")
	f(`[{"hello":"world"}]`, "not a known polar response")
	f(`[1,2]`, "not a known polar response")
	f(`{"nights":{"a":1}}`, "cannot decode polar sleep list")
	f(`{"id":"x","sport":"RUNNING","start_time":"yesterday","duration":"PT1H"}`, "start_time")
	f(`{"id":"x","sport":"RUNNING","start_time":"2026-01-14T07:00:00","duration":"1 hour"}`, "duration")
	f(`{"id":"x","sport":"RUNNING","start_time":"2026-01-14T07:00:00","duration":"PT1H","heart_rate":"high"}`, "cannot decode polar exercise")
	f(`{"date":"2026-01-14","sleep_start_time":"2026-01-14T07:00:00+01:00","sleep_end_time":"2026-01-13T23:00:00+01:00"}`, "cannot normalise polar sleep")
	f(`{"event":"EXERCISE","user_id":475}`, "without url")
}

func TestInvalidListItemsAreCounted(t *testing.T) {
	recs := normalize(t, `[
		{"id":"a","sport":"RUNNING","start_time":"2026-01-14T07:00:00","start_time_utc_offset":60,"duration":"PT30M"},
		{"id":"b","sport":"RUNNING","start_time":"2026-01-14T07:00:00","duration":"soon"},
		{"hello":"world"},
		"text"
	]`)
	want := map[string]int{"invalid exercise": 1, "unknown polar list item": 2}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) || len(recs.Workouts) != 1 {
		t.Errorf("skipped %v, want %v; %d workouts", recs.Skipped, want, len(recs.Workouts))
	}
}

func TestRegistered(t *testing.T) {
	p, ok := ingest.Lookup("polar")
	if !ok || p.DisplayName != "Polar" || p.SDK || p.Normalize == nil {
		t.Errorf("polar registered as %+v, %v", p, ok)
	}
}

func TestDeterministicIDs(t *testing.T) {
	other := testContext()
	other.UserID = "user-2"
	ingesttest.CheckStableIDs(t, Normalize, testContext(), other, fixtures...)
}

func TestIDsSurviveRefetch(t *testing.T) {
	// The same exercise and night fetched again (another raw event, a later
	// receive time) keep their ids and get a higher version; sample batches
	// are per ingestion.
	first := normalizeFixture(t, "polar_exercise.json")
	later := testContext()
	later.RawEventID = "raw-2"
	later.ReceivedAt = later.ReceivedAt.Add(time.Hour)
	second, err := Normalize(later, ingesttest.ReadFixture(t, "polar_exercise.json"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Workouts[0].ID != second.Workouts[0].ID || second.Workouts[0].Version <= first.Workouts[0].Version {
		t.Error("re-fetched exercise changed id or did not raise the version")
	}
	if want := schemas.RecordID("tenant-1", "user-1", "polar", "workout", "2AC312F"); first.Workouts[0].ID != want {
		t.Errorf("workout id %s, want RecordID over the exercise id (%s)", first.Workouts[0].ID, want)
	}
	night := normalizeFixture(t, "polar_sleep.json")
	if want := schemas.RecordID("tenant-1", "user-1", "polar", "sleep", "2026-01-14"); night.Sleep[0].ID != want {
		t.Errorf("sleep id %s, want RecordID over the night's date (%s)", night.Sleep[0].ID, want)
	}
	hr := ingesttest.FindBatch(t, night, "heart_rate")
	if want := schemas.NameID("tenant-1", "user-1", "polar", "samples", "polar:C2D4E6F8", "heart_rate", "raw-1"); hr.ID != want {
		t.Errorf("batch id %s, want %s", hr.ID, want)
	}
}

func TestParseDuration(t *testing.T) {
	f := func(in string, want float64, wantOK bool) {
		t.Helper()
		got, ok := parseDuration(in)
		if ok != wantOK || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, %v", in, got, ok, want, wantOK)
		}
	}
	f("PT2H44M", 9840, true)
	f("PT1H2M3S", 3723, true)
	f("PT52M13.4S", 3133.4, true)
	f("PT9H3M", 32580, true)
	f("PT2H14M30S", 8070, true)
	f("PT0S", 0, true)
	f("P1DT2H", 93600, true)
	f("PT45S", 45, true)
	f("pt1m", 60, true)
	f("PT", 0, false)
	f("P", 0, false)
	f("PT1H2", 0, false)
	f("P1M", 0, false) // a month has no fixed length
	f("P1Y", 0, false)
	f("PT1D", 0, false)
	f("-PT1H", 0, false)
	f("1:02:03", 0, false)
	f("PTTH", 0, false)
	f("PT1..5S", 0, false)
}

func TestParseClock(t *testing.T) {
	f := func(in string, want time.Duration, wantOK bool) {
		t.Helper()
		got, ok := parseClock(in)
		if ok != wantOK || got != want {
			t.Errorf("parseClock(%q) = %v, %v; want %v, %v", in, got, ok, want, wantOK)
		}
	}
	f("22:54", 22*time.Hour+54*time.Minute, true)
	f("00:05:30", 5*time.Minute+30*time.Second, true)
	f("7:05", 7*time.Hour+5*time.Minute, true)
	f("24:00", 0, false)
	f("12:60", 0, false)
	f("12", 0, false)
	f("12:00:00:00", 0, false)
	f("ab:cd", 0, false)
	f("-1:00", 0, false)
}
