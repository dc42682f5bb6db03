package sdk

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// seg is one sleep segment for a test body: stage, start and end as
// "2006-01-02T15:04" in UTC, and the writing app.
type seg struct{ stage, start, end, app string }

func sleepBody(t *testing.T, zone string, segs ...seg) []byte {
	t.Helper()
	var items []map[string]any
	for i, s := range segs {
		items = append(items, map[string]any{
			"id":         "s" + string(rune('a'+i)),
			"stage":      s.stage,
			"startDate":  s.start + ":00Z",
			"endDate":    s.end + ":00Z",
			"zoneOffset": zone,
			"source":     map[string]string{"bundleIdentifier": s.app},
		})
	}
	body, err := json.Marshal(map[string]any{"provider": "apple", "data": map[string]any{"sleep": items}})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func normalizeSleep(t *testing.T, zone string, segs ...seg) []schemas.Sleep {
	t.Helper()
	recs, err := Normalize(testContext("apple"), sleepBody(t, zone, segs...))
	if err != nil {
		t.Fatal(err)
	}
	return recs.Sleep
}

func TestSleepSessions(t *testing.T) {
	// want is one session: start, end, sleep minutes, stages (nil when not
	// detailed), intervals and nap flag.
	type want struct {
		start, end string
		sleep      float64
		stages     *schemas.SleepStages
		intervals  int
		nap        bool
	}
	f := func(name, zone string, segs []seg, wants ...want) {
		t.Helper()
		got := normalizeSleep(t, zone, segs...)
		if len(got) != len(wants) {
			t.Fatalf("%s: %d sessions, want %d: %+v", name, len(got), len(wants), got)
		}
		for i, w := range wants {
			g := got[i]
			start, _ := time.Parse("2006-01-02T15:04", w.start)
			end, _ := time.Parse("2006-01-02T15:04", w.end)
			if !g.StartTime.Equal(start) || !g.EndTime.Equal(end) {
				t.Errorf("%s #%d: %v–%v, want %v–%v", name, i, g.StartTime, g.EndTime, start, end)
			}
			if g.SleepDurationSeconds != w.sleep*60 {
				t.Errorf("%s #%d: sleep %v min, want %v", name, i, g.SleepDurationSeconds/60, w.sleep)
			}
			if (g.Stages == nil) != (w.stages == nil) || (w.stages != nil && *g.Stages != *w.stages) {
				t.Errorf("%s #%d: stages %+v, want %+v", name, i, g.Stages, w.stages)
			}
			if len(g.Intervals) != w.intervals {
				t.Errorf("%s #%d: %d intervals, want %d", name, i, len(g.Intervals), w.intervals)
			}
			if g.IsNap != w.nap {
				t.Errorf("%s #%d: nap %v, want %v", name, i, g.IsNap, w.nap)
			}
			if span := g.EndTime.Sub(g.StartTime).Seconds(); g.InBedSeconds != span || g.DurationSeconds != span {
				t.Errorf("%s #%d: in bed %v, duration %v, want the span %v", name, i, g.InBedSeconds, g.DurationSeconds, span)
			}
		}
	}
	stages := func(awake, light, deep, rem float64) *schemas.SleepStages {
		return &schemas.SleepStages{AwakeMinutes: awake, LightMinutes: light, DeepMinutes: deep, RemMinutes: rem}
	}

	f("two nights", "+01:00", []seg{
		{"light", "2026-01-13T22:00", "2026-01-14T02:00", "w"},
		{"deep", "2026-01-14T02:00", "2026-01-14T03:00", "w"},
		{"light", "2026-01-14T22:30", "2026-01-15T06:00", "w"},
	},
		want{"2026-01-13T22:00", "2026-01-14T03:00", 300, stages(0, 240, 60, 0), 2, false},
		want{"2026-01-14T22:30", "2026-01-15T06:00", 450, stages(0, 450, 0, 0), 1, false},
	)
	f("a gap of exactly two hours stays in the session", "Z", []seg{
		{"light", "2026-01-13T22:00", "2026-01-14T01:00", "w"},
		{"rem", "2026-01-14T03:00", "2026-01-14T04:00", "w"},
	},
		want{"2026-01-13T22:00", "2026-01-14T04:00", 240, stages(0, 180, 0, 60), 2, false},
	)
	f("a gap of two hours and a minute splits", "Z", []seg{
		{"light", "2026-01-13T22:00", "2026-01-14T01:00", "w"},
		{"rem", "2026-01-14T03:01", "2026-01-14T04:00", "w"},
	},
		want{"2026-01-13T22:00", "2026-01-14T01:00", 180, stages(0, 180, 0, 0), 1, false},
		want{"2026-01-14T03:01", "2026-01-14T04:00", 59, stages(0, 0, 0, 59), 1, false},
	)
	f("only in_bed is sleep", "Z", []seg{
		{"in_bed", "2026-01-13T23:00", "2026-01-14T07:00", "w"},
	},
		want{"2026-01-13T23:00", "2026-01-14T07:00", 480, nil, 1, false},
	)
	f("sleeping wins over in_bed and awake is taken out", "Z", []seg{
		{"in_bed", "2026-01-13T22:00", "2026-01-14T07:00", "w"},
		{"sleeping", "2026-01-13T22:30", "2026-01-14T03:00", "w"},
		{"awake", "2026-01-14T02:30", "2026-01-14T03:30", "w"},
		{"sleeping", "2026-01-14T03:30", "2026-01-14T06:30", "w"},
	},
		want{"2026-01-13T22:00", "2026-01-14T07:00", 270 - 30 + 180, nil, 4, false},
	)
	f("detailed stages drop wrappers, earlier overlapping segment wins", "Z", []seg{
		{"in_bed", "2026-01-13T22:00", "2026-01-14T06:00", "w"},
		{"sleeping", "2026-01-13T22:10", "2026-01-14T05:50", "w"},
		{"light", "2026-01-13T22:10", "2026-01-14T01:00", "w"},
		{"deep", "2026-01-14T00:30", "2026-01-14T02:00", "w"},
		{"awake", "2026-01-14T02:00", "2026-01-14T02:10", "w"},
		{"rem", "2026-01-14T02:10", "2026-01-14T05:50", "w"},
	},
		want{"2026-01-13T22:00", "2026-01-14T06:00", 170 + 60 + 220, stages(10, 170, 60, 220), 4, false},
	)
	f("nap in the afternoon, local time", "+02:00", []seg{
		{"light", "2026-01-14T12:00", "2026-01-14T13:30", "w"},
	},
		want{"2026-01-14T12:00", "2026-01-14T13:30", 90, stages(0, 90, 0, 0), 1, true},
	)
	f("short sleep before 09:00 local is not a nap", "+02:00", []seg{
		{"light", "2026-01-14T06:30", "2026-01-14T08:00", "w"},
	},
		want{"2026-01-14T06:30", "2026-01-14T08:00", 90, stages(0, 90, 0, 0), 1, false},
	)
	f("three hours in the afternoon is not a nap", "Z", []seg{
		{"light", "2026-01-14T13:00", "2026-01-14T16:00", "w"},
	},
		want{"2026-01-14T13:00", "2026-01-14T16:00", 180, stages(0, 180, 0, 0), 1, false},
	)
	f("two trackers keep their own sessions", "Z", []seg{
		{"light", "2026-01-13T23:00", "2026-01-14T06:00", "watch"},
		{"deep", "2026-01-13T23:10", "2026-01-14T06:10", "ring"},
	},
		want{"2026-01-13T23:00", "2026-01-14T06:00", 420, stages(0, 420, 0, 0), 1, false},
		want{"2026-01-13T23:10", "2026-01-14T06:10", 420, stages(0, 0, 420, 0), 1, false},
	)
	f("the phone's in_bed widens the watch's night", "Z", []seg{
		{"in_bed", "2026-01-13T22:00", "2026-01-14T07:00", "phone"},
		{"light", "2026-01-13T23:00", "2026-01-14T06:00", "watch"},
	},
		want{"2026-01-13T22:00", "2026-01-14T07:00", 420, stages(0, 420, 0, 0), 1, false},
	)
	f("an in_bed that overlaps no detailed night stays its own session", "Z", []seg{
		{"in_bed", "2026-01-14T22:00", "2026-01-15T07:00", "phone"},
		{"light", "2026-01-13T23:00", "2026-01-14T06:00", "watch"},
	},
		want{"2026-01-13T23:00", "2026-01-14T06:00", 420, stages(0, 420, 0, 0), 1, false},
		want{"2026-01-14T22:00", "2026-01-15T07:00", 540, nil, 1, false},
	)
}

func TestSleepSessionIdentity(t *testing.T) {
	night := []seg{
		{"light", "2026-01-13T22:00", "2026-01-14T02:00", "w"},
		{"deep", "2026-01-14T02:00", "2026-01-14T03:00", "w"},
	}
	a := normalizeSleep(t, "Z", night...)
	b := normalizeSleep(t, "Z", night[1], night[0]) // another order
	if len(a) != 1 || len(b) != 1 || a[0].ID != b[0].ID {
		t.Fatalf("the same night in another order got another id: %v %v", a, b)
	}
	if want := schemas.RecordID("tenant-1", "user-1", "apple", "sleep", "apple:w|2026-01-13T22:00:00Z"); a[0].ID != want {
		t.Errorf("id %s, want %s", a[0].ID, want)
	}
	other := normalizeSleep(t, "Z", seg{"light", "2026-01-13T22:00", "2026-01-14T02:00", "other-app"})
	if other[0].ID == a[0].ID {
		t.Error("two sources' nights share an id")
	}
}
