package strava

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

// fixtures are the payloads the normaliser reads.
var fixtures = []string{
	"strava_activity.json",
	"strava_activity_list.json",
	"strava_activity_with_streams.json",
	"strava_streams.json",
	"strava_webhook_create.json",
	"strava_webhook_event.json",
	"strava_webhook_deauth.json",
	"strava_webhook_delete.json",
	"strava_token_response.json",
	"strava_webhook_challenge_response.json",
}

func testContext() ingest.Context {
	return ingest.Context{
		Tenant: "tenant-1", UserID: "user-1", Provider: provider, RawEventID: "raw-1",
		ReceivedAt: time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC),
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

func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			recs := normalize(t, string(ingesttest.ReadFixture(t, name)))
			ingesttest.CheckBatches(t, recs.Samples)
			ingesttest.CheckWorkouts(t, recs.Workouts)
			ingesttest.GoldenRecords(t, name, recs)
		})
	}
}

func TestActivity(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "strava_activity_with_streams.json")))
	if len(recs.Workouts) != 1 || len(recs.Samples) != 3 {
		t.Fatalf("got %d workouts, %d batches (skipped %v)", len(recs.Workouts), len(recs.Samples), recs.Skipped)
	}
	w := recs.Workouts[0]
	if w.Type != "trail_running" || w.ZoneOffset != 60 || w.DurationSeconds != 3180 || *w.CaloriesKcal != 742 ||
		!w.StartTime.Equal(time.Date(2026, 1, 14, 11, 12, 33, 0, time.UTC)) || w.Source.Device != "Garmin Forerunner 965" {
		t.Errorf("workout %+v", w)
	}
	if want := schemas.RecordID("tenant-1", "user-1", provider, "workout", "15551234567"); w.ID != want {
		t.Errorf("id %s, want RecordID over the activity id (%s)", w.ID, want)
	}
	for _, b := range recs.Samples {
		if b.SeriesType == "heart_rate" && (len(b.Samples) != 6 || !b.Samples[5].Time.Equal(w.StartTime.Add(5*time.Second)) || b.Samples[5].Value != 123) {
			t.Errorf("heart rate %+v", b.Samples)
		}
	}
}

// A ride's kilojoules are mechanical work, about the kcal burned: they
// stand for the calories when Strava gives none, undivided.
func TestRideKilojoulesAreKcal(t *testing.T) {
	recs := normalize(t, `[{"id":1,"sport_type":"Ride","type":"Ride","start_date":"2026-01-10T09:00:00Z","utc_offset":-18000,
		"elapsed_time":3600,"distance":30000,"average_watts":180,"kilojoules":648.5,"has_heartrate":false}]`)
	w := recs.Workouts[0]
	if w.CaloriesKcal == nil || *w.CaloriesKcal != 648.5 || w.Type != "cycling" || w.ZoneOffset != -300 || *w.AvgPowerWatts != 180 {
		t.Errorf("ride %+v", w)
	}
	recs = normalize(t, `{"id":2,"sport_type":"Ride","start_date":"2026-01-10T09:00:00Z","elapsed_time":3600,"kilojoules":600,"calories":700}`)
	if *recs.Workouts[0].CaloriesKcal != 700 {
		t.Errorf("calories %v, want Strava's own 700", *recs.Workouts[0].CaloriesKcal)
	}
}

// An updated activity keeps its id and gets a newer version; a delete event
// yields a deleted workout with the same id.
func TestUpdateAndDelete(t *testing.T) {
	first := normalize(t, string(ingesttest.ReadFixture(t, "strava_activity.json"))).Workouts[0]
	later := testContext()
	later.RawEventID, later.ReceivedAt = "raw-2", later.ReceivedAt.Add(time.Hour)
	body := strings.Replace(string(ingesttest.ReadFixture(t, "strava_activity.json")), "Lunch trail run", "Renamed run", 1)
	upd, err := Normalize(later, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if u := upd.Workouts[0]; u.ID != first.ID || u.Version <= first.Version || u.Name != "Renamed run" {
		t.Errorf("update: id %s version %d name %q; first %s %d", u.ID, u.Version, u.Name, first.ID, first.Version)
	}
	later.ReceivedAt = later.ReceivedAt.Add(time.Hour)
	del, err := Normalize(later, []byte(`{"aspect_type":"delete","event_time":1768400000,"object_id":15551234567,"object_type":"activity","owner_id":134815,"subscription_id":120475,"updates":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(del.Workouts) != 1 || !del.Workouts[0].Deleted || del.Workouts[0].ID != first.ID || del.Workouts[0].Version <= upd.Workouts[0].Version {
		t.Errorf("delete: %+v", del.Workouts)
	}
	want := ingest.RangeDeletion{Kind: ingest.DeleteSamples, Record: first.ID, SeriesTypes: []string{"heart_rate", "speed", "cadence", "power"}, SourceID: "strava:account"}
	if len(del.Deletions) != 1 || !reflect.DeepEqual(del.Deletions[0], want) {
		t.Errorf("delete removes samples %+v, want %+v", del.Deletions, want)
	}
}

// An activity's streams add samples only of the series its delete removes,
// within the workout's [start, end], the span the delete resolves to.
func TestDeletedSamplesListed(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "strava_activity_with_streams.json")))
	w := recs.Workouts[0]
	for _, b := range recs.Samples {
		if b.Source.ID != accountSource.ID || !slices.Contains(streamSeriesTypes(), b.SeriesType) {
			t.Errorf("%s from %s is not among the series the delete removes", b.SeriesType, b.Source.ID)
		}
		for _, x := range b.Samples {
			if x.Time.Before(w.StartTime) || x.Time.After(w.EndTime) {
				t.Errorf("%s at %s lies outside the workout", b.SeriesType, x.Time)
			}
		}
	}
}

func TestShapesAndErrors(t *testing.T) {
	if recs := normalize(t, `[]`); recs.Len() != 0 {
		t.Errorf("empty list: %+v", recs)
	}
	if recs := normalize(t, `[{"id":1},{"id":2,"start_date":"2026-01-10T09:00:00Z","elapsed_time":60}]`); len(recs.Workouts) != 1 || recs.Skipped["invalid activity"] != 1 {
		t.Errorf("list with a bad item: %+v", recs)
	}
	if recs := normalize(t, string(ingesttest.ReadFixture(t, "strava_webhook_deauth.json"))); recs.Len() != 0 || len(recs.Skipped) != 1 {
		t.Errorf("deauth: %+v", recs)
	}
	for body, want := range map[string]string{
		``:            "empty",
		`nope`:        "cannot decode strava body",
		`"x"`:         "not a known strava payload",
		`{"hello":1}`: "not a known strava payload",
		`{"id":1,"start_date":"yesterday","elapsed_time":5}`: "start_date",
		`{"id":1,"start_date":"2026-01-10T09:00:00Z"}`:       "duration",
		`{"object_type":"activity","aspect_type":"delete"}`:  "without object_id",
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
	for _, c := range [][3]string{{"TrailRun", "Run", "trail_running"}, {"Pickleball", "Workout", "pickleball"}, {"Nope", "Ride", "cycling"}, {"", "", "other"}} {
		if got := WorkoutType(c[0], c[1]); got != c[2] {
			t.Errorf("WorkoutType(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	for unified := range sportTable {
		if !schemas.IsWorkoutType(unified) {
			t.Errorf("%s is not a unified workout type", unified)
		}
	}
}
