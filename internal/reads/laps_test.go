package reads

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

// TestLapsOfTheCurrentRevision reads a workout's laps: a revision with
// fewer laps hides the older rows of the other indexes, one with none
// shows none, and a deleted workout, another user's or an unknown id is
// ErrNotFound.
func TestLapsOfTheCurrentRevision(t *testing.T) {
	f := newFixture(t)
	laps := func(n int) []schemas.WorkoutLap {
		var out []schemas.WorkoutLap
		start := mustTime("2026-05-10T07:00:00-05:00").UTC()
		for i := range n {
			d := 1000.0 * float64(i+1)
			out = append(out, schemas.WorkoutLap{Kind: "lap", Index: int32(i), StartTime: start.Add(time.Duration(i) * 5 * time.Minute),
				EndTime: start.Add(time.Duration(i+1) * 5 * time.Minute), DistanceMeters: &d})
		}
		return out
	}
	v1 := workout(user, "w1", "running", "2026-05-10T07:00:00-05:00", 1)
	v1.Laps = laps(3)
	other := workout(user, "w2", "running", "2026-05-11T07:00:00-05:00", 1)
	other.Laps = laps(2)
	f.write(chsink.Rows{Workouts: []schemas.Workout{v1, other}})
	read := func(w schemas.Workout, userID string) ([]Lap, error) {
		t.Helper()
		return f.reader.Laps(context.Background(), tenant, userID, w.ID)
	}
	want := func(w schemas.Workout, n int) {
		t.Helper()
		got, err := read(w, user)
		if err != nil || len(got) != n {
			t.Fatalf("laps of %s = %+v, %v; want %d", w.ProviderRecordID, got, err, n)
		}
		for i, l := range got {
			if l.Kind != "lap" || l.Index != uint32(i) || l.DistanceMeters == nil || *l.DistanceMeters != 1000*float64(i+1) ||
				l.EndTime.Sub(l.StartTime) != 5*time.Minute || l.DurationSeconds != 300 {
				t.Fatalf("lap %d = %+v", i, l)
			}
		}
	}
	want(v1, 3)

	v2 := workout(user, "w1", "running", "2026-05-10T07:00:00-05:00", 2)
	v2.Laps = laps(2)
	f.write(chsink.Rows{Workouts: []schemas.Workout{v2}})
	want(v1, 2)
	v3 := workout(user, "w1", "running", "2026-05-10T07:00:00-05:00", 3)
	f.write(chsink.Rows{Workouts: []schemas.Workout{v3}})
	want(v1, 0)
	want(other, 2)

	gone := schemas.Workout{ID: other.ID, Tenant: tenant, UserID: user, Version: 2, Deleted: true}
	f.write(chsink.Rows{Workouts: []schemas.Workout{gone}})
	for name, c := range map[string]struct {
		w    schemas.Workout
		user string
	}{
		"deleted":      {other, user},
		"another user": {v1, schemas.NameID(tenant, "user-2")},
		"unknown":      {workout(user, "nope", "running", "2026-05-10T07:00:00-05:00", 1), user},
	} {
		if _, err := read(c.w, c.user); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}
