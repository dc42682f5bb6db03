package reads

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

func workout(userID, recordID, typ, start string, version int64) schemas.Workout {
	t := mustTime(start)
	_, off := t.Zone()
	kcal := 400.0
	return schemas.Workout{
		ID: schemas.RecordID(tenant, userID, "garmin", "workout", recordID), Tenant: tenant, UserID: userID,
		Source: schemas.Source{Provider: "garmin", ID: "garmin:watch", Device: "Forerunner 965"}, ProviderRecordID: recordID,
		Type: typ, StartTime: t.UTC(), EndTime: t.Add(time.Hour).UTC(), ZoneOffset: int32(off / 60), DurationSeconds: 3600,
		CaloriesKcal: &kcal, Version: version, RawEventID: "raw-1", IngestedAt: time.Now().UTC(),
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func workoutIDs(ws []Workout) []string { return ids(ws, func(w Workout) string { return w.ID }) }

// TestWorkoutsCurrentByTimeAndLocalDay reads current workouts only: an
// update that moved a workout to another month and a delete that carries
// only the id live in other partitions than the first revision, and neither
// brings the old row back under a time filter. Dates are local days.
func TestWorkoutsCurrentByTimeAndLocalDay(t *testing.T) {
	f := newFixture(t)
	run := workout(user, "w1", "running", "2026-05-10T07:00:00-05:00", 1)
	moved := workout(user, "w2", "trail_running", "2026-05-20T07:00:00-05:00", 1)
	movedLater := workout(user, "w2", "trail_running", "2026-06-02T07:00:00-05:00", 2)
	gone := workout(user, "w3", "running", "2026-05-15T07:00:00-05:00", 1)
	goneDelete := schemas.Workout{ID: gone.ID, Tenant: tenant, UserID: user, Version: 2, Deleted: true}
	lateRide := workout(user, "w4", "cycling", "2026-05-31T22:30:00-05:00", 1) // 03:30Z on 1 June
	stranger := workout(schemas.NameID(tenant, "user-2"), "w1", "running", "2026-05-10T07:00:00-05:00", 1)
	f.write(chsink.Rows{Workouts: []schemas.Workout{run, moved, gone, lateRide, stranger}})
	f.write(chsink.Rows{Workouts: []schemas.Workout{movedLater, goneDelete}})

	read := func(q EventQuery) Page[Workout] {
		t.Helper()
		q.Tenant, q.UserID = tenant, user
		pg, err := f.reader.Workouts(context.Background(), q)
		if err != nil {
			t.Fatalf("Workouts(%+v): %v", q, err)
		}
		return pg
	}
	want := func(pg Page[Workout], ws ...schemas.Workout) {
		t.Helper()
		if got, w := workoutIDs(pg.Items), ids(ws, func(w schemas.Workout) string { return w.ID }); !slices.Equal(got, w) || pg.Total != uint64(len(w)) {
			t.Fatalf("workouts = %v (total %d), want %v", got, pg.Total, w)
		}
	}
	want(read(EventQuery{StartTime: mustTime("2026-05-01T00:00:00Z"), EndTime: mustTime("2026-06-01T00:00:00Z")}), run)
	want(read(EventQuery{StartDate: "2026-05-01", EndDate: "2026-05-31"}), run, lateRide)
	want(read(EventQuery{StartDate: "2026-06-01"}), movedLater)
	want(read(EventQuery{RecordType: "RUN"}), run, movedLater)
	want(read(EventQuery{}), run, lateRide, movedLater)

	got := read(EventQuery{StartDate: "2026-05-10", EndDate: "2026-05-10"}).Items[0]
	if got.Type != "running" || !got.StartTime.Equal(run.StartTime) || got.ZoneOffset != -300 || got.Source.Device != "Forerunner 965" ||
		got.CaloriesKcal == nil || *got.CaloriesKcal != 400 || got.DistanceMeters != nil {
		t.Fatalf("workout = %+v", got)
	}

	// One a page, forward then back.
	var walked []Workout
	var pages []Page[Workout]
	q := EventQuery{Limit: 1}
	for {
		pg := read(q)
		walked, pages = append(walked, pg.Items...), append(pages, pg)
		if pg.Next == "" {
			break
		}
		q.Cursor = pg.Next
	}
	want(Page[Workout]{Items: walked, Total: 3}, run, lateRide, movedLater)
	q.Cursor = pages[2].Previous
	if back := read(q); !slices.Equal(workoutIDs(back.Items), []string{lateRide.ID}) || back.Previous == "" {
		t.Fatalf("back from the last page: %v, previous %q", workoutIDs(back.Items), back.Previous)
	}

	// A cursor of other filters, an end before the start, a bad date.
	for _, c := range []struct {
		param string
		q     EventQuery
	}{
		{"cursor", EventQuery{RecordType: "run", Cursor: pages[0].Next}},
		{"end_date", EventQuery{StartDate: "2026-05-02", EndDate: "2026-05-01"}},
		{"end_date", EventQuery{StartTime: mustTime("2026-05-02T00:00:00Z"), EndTime: mustTime("2026-05-01T00:00:00Z")}},
		{"start_date", EventQuery{StartDate: "2026-5-1"}},
		{"limit", EventQuery{Limit: MaxLimit + 1}},
	} {
		c.q.Tenant, c.q.UserID = tenant, user
		_, err := f.reader.Workouts(context.Background(), c.q)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != c.param {
			t.Fatalf("Workouts(%+v) error = %v, want a ParamError for %s", c.q, err, c.param)
		}
	}
}

// TestSleepSessionsByWakeUpDay reads sleep sessions, naps included, by the
// local day they end on, with stages and intervals; deleted ones are gone.
func TestSleepSessionsByWakeUpDay(t *testing.T) {
	f := newFixture(t)
	session := func(recordID, start, end string, nap bool, version int64) schemas.Sleep {
		s, e := mustTime(start), mustTime(end)
		_, off := s.Zone()
		eff := 91.5
		return schemas.Sleep{
			ID: schemas.RecordID(tenant, user, "oura", "sleep", recordID), Tenant: tenant, UserID: user,
			Source: schemas.Source{Provider: "oura", ID: "oura:ring", DeviceType: "ring"}, ProviderRecordID: recordID,
			StartTime: s.UTC(), EndTime: e.UTC(), ZoneOffset: int32(off / 60), DurationSeconds: e.Sub(s).Seconds(),
			SleepDurationSeconds: e.Sub(s).Seconds() - 600, InBedSeconds: e.Sub(s).Seconds(), EfficiencyPercent: &eff,
			Stages: &schemas.SleepStages{AwakeMinutes: 10, LightMinutes: 200, DeepMinutes: 100, RemMinutes: 170}, IsNap: nap,
			Intervals: []schemas.SleepInterval{{Stage: "light", Start: s.UTC(), End: s.Add(time.Hour).UTC()}, {Stage: "deep", Start: s.Add(time.Hour).UTC(), End: e.UTC()}},
			Version:   version, RawEventID: "raw-1", IngestedAt: time.Now().UTC(),
		}
	}
	night := session("n1", "2026-05-09T23:00:00-05:00", "2026-05-10T07:00:00-05:00", false, 1)
	nap := session("n2", "2026-05-10T14:00:00-05:00", "2026-05-10T14:30:00-05:00", true, 1)
	nextNight := session("n3", "2026-05-10T23:30:00-05:00", "2026-05-11T06:30:00-05:00", false, 1)
	deleted := session("n4", "2026-05-10T15:00:00-05:00", "2026-05-10T15:30:00-05:00", true, 1)
	f.write(chsink.Rows{Sleep: []schemas.Sleep{night, nap, nextNight, deleted}})
	f.write(chsink.Rows{Sleep: []schemas.Sleep{{ID: deleted.ID, Tenant: tenant, UserID: user, Version: 2, Deleted: true}}})

	pg, err := f.reader.SleepSessions(context.Background(), EventQuery{Tenant: tenant, UserID: user, StartDate: "2026-05-10", EndDate: "2026-05-10"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(pg.Items, func(s Sleep) string { return s.ID }); !slices.Equal(got, []string{night.ID, nap.ID}) {
		t.Fatalf("sleep on 10 May = %v, want the night and the nap", got)
	}
	s := pg.Items[0]
	if s.IsNap || s.ZoneOffset != -300 || s.SleepDurationSeconds != 8*3600-600 || *s.EfficiencyPercent != 91.5 ||
		*s.Stages.Deep != 100 || len(s.Intervals) != 2 || s.Intervals[1].Stage != "deep" || !s.Intervals[1].End.Equal(night.EndTime) ||
		s.Source.DeviceType != "ring" || !pg.Items[1].IsNap {
		t.Fatalf("night = %+v", s)
	}
}
