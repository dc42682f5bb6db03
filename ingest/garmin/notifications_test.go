package garmin

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func TestParsePing(t *testing.T) {
	got, err := ParsePing(ingesttest.ReadFixture(t, "garmin_ping.json"))
	if err != nil {
		t.Fatal(err)
	}
	const base = "https://apis.garmin.com/wellness-api/rest/"
	const query = "?uploadStartTimeInSeconds=1768392600&uploadEndTimeInSeconds=1768392660&token=EXAMPLE_PULL_TOKEN"
	want := []Callback{
		{SummaryType: "dailies", UserID: "garmin_user_123", CallbackURL: base + "dailies" + query, UploadStart: unix(1768392600), UploadEnd: unix(1768392660)},
		{SummaryType: "sleeps", UserID: "garmin_user_123", CallbackURL: base + "sleeps" + query, UploadStart: unix(1768392600), UploadEnd: unix(1768392660)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParsePing = %+v, want %+v", got, want)
	}

	// Push items and activity files are not pings.
	for _, name := range []string{"garmin_push_dailies.json", "garmin_push_activity_files.json"} {
		if got, err := ParsePing(ingesttest.ReadFixture(t, name)); err != nil || len(got) != 0 {
			t.Errorf("ParsePing(%s) = %+v, %v; want none", name, got, err)
		}
	}
	if _, err := ParsePing([]byte("[]")); err == nil {
		t.Error("ParsePing accepted an array body")
	}
}

func TestParseLifecycle(t *testing.T) {
	body := ingesttest.ReadFixture(t, "garmin_push_lifecycle.json")
	dereg, err := ParseDeregistrations(body)
	if err != nil || !reflect.DeepEqual(dereg, []Deregistration{{UserID: "garmin_user_456"}}) {
		t.Errorf("ParseDeregistrations = %+v, %v", dereg, err)
	}
	perms, err := ParsePermissionChanges(body)
	if err != nil || len(perms) != 1 {
		t.Fatalf("ParsePermissionChanges = %+v, %v", perms, err)
	}
	want := []string{"ACTIVITY_EXPORT", "HEALTH_EXPORT", "HISTORICAL_DATA_EXPORT", "WORKOUT_IMPORT"}
	if perms[0].UserID != "garmin_user_123" || !slices.Equal(perms[0].Permissions, want) || !perms[0].ChangedAt.IsZero() {
		t.Errorf("permission change %+v", perms[0])
	}

	// All permissions withdrawn is an empty list, not a missing one.
	perms, err = ParsePermissionChanges([]byte(`{"userPermissionsChange":[{"userId":"u","permissions":[],"changeTimeInSeconds":1768392600}]}`))
	if err != nil || len(perms) != 1 || perms[0].Permissions == nil || len(perms[0].Permissions) != 0 || !perms[0].ChangedAt.Equal(unix(1768392600)) {
		t.Errorf("withdrawn permissions %+v, %v", perms, err)
	}
	if got, err := ParseDeregistrations([]byte(`{"dailies":[]}`)); err != nil || got != nil {
		t.Errorf("no deregistrations: %+v, %v", got, err)
	}
}

func TestParseActivityFiles(t *testing.T) {
	got, err := ParseActivityFiles(ingesttest.ReadFixture(t, "garmin_push_activity_files.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ActivityFile{{
		UserID:       "garmin_user_123",
		SummaryID:    "21047282990-file",
		ActivityID:   "21047282990",
		ActivityName: "Morning Run",
		ActivityType: "RUNNING",
		FileType:     "FIT",
		StartTime:    time.Unix(1763597760, 0).UTC(),
		CallbackURL:  "https://apis.garmin.com/wellness-api/rest/activityFile?id=21047282990&token=EXAMPLE_PULL_TOKEN",
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseActivityFiles = %+v, want %+v", got, want)
	}
}

func TestSplitByUser(t *testing.T) {
	parts, err := SplitByUser(ingesttest.ReadFixture(t, "garmin_push_dailies.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 {
		t.Fatalf("%d users, want 2", len(parts))
	}
	for user, body := range parts {
		var top map[string][]struct {
			UserID string `json:"userId"`
		}
		if err := json.Unmarshal(body, &top); err != nil {
			t.Fatal(err)
		}
		if len(top["dailies"]) != 1 || top["dailies"][0].UserID != user {
			t.Errorf("%s: body %s", user, body)
		}
		recs := normalize(t, body)
		if len(findBatch(t, recs, "garmin:daily", "steps").Samples) != 1 {
			t.Errorf("%s: steps of more than one day", user)
		}
	}

	parts, err = SplitByUser(ingesttest.ReadFixture(t, "garmin_push_lifecycle.json"))
	if err != nil || len(parts) != 2 {
		t.Fatalf("lifecycle split %v, %v", parts, err)
	}
	if d, _ := ParseDeregistrations(parts["garmin_user_456"]); len(d) != 1 {
		t.Errorf("deregistration lost in the split: %s", parts["garmin_user_456"])
	}
}
