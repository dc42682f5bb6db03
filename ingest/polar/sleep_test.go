package polar

import (
	"fmt"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func TestSleepFixture(t *testing.T) {
	recs := normalizeFixture(t, "polar_sleep.json")
	if len(recs.Sleep) != 1 {
		t.Fatalf("%d sleep sessions, want 1", len(recs.Sleep))
	}
	s := recs.Sleep[0]
	// 22:54:30 and 06:41:00 at UTC−5.
	if !s.StartTime.Equal(ingesttest.UTC("2026-01-14T03:54:30Z")) || !s.EndTime.Equal(ingesttest.UTC("2026-01-14T11:41:00Z")) || s.ZoneOffset != -300 {
		t.Errorf("span %v – %v zone %d", s.StartTime, s.EndTime, s.ZoneOffset)
	}
	// By hand: light 13860 s, deep 5640 s, REM 6720 s, interruptions 1770 s;
	// the span is 7 h 46 min 30 s = 27990 s = sleep 26220 s + awake 1770 s.
	want := schemas.SleepStages{AwakeMinutes: 29.5, LightMinutes: 231, DeepMinutes: 94, RemMinutes: 112}
	if s.Stages == nil || *s.Stages != want {
		t.Errorf("stages %+v, want %+v", s.Stages, want)
	}
	if s.SleepDurationSeconds != 26220 || s.InBedSeconds != 27990 || s.DurationSeconds != 27990 {
		t.Errorf("sleep %v, in bed %v, duration %v", s.SleepDurationSeconds, s.InBedSeconds, s.DurationSeconds)
	}
	ingesttest.WantFloat(t, "efficiency", s.EfficiencyPercent, ingest.Tidy(26220.0/27990*100))
	if s.IsNap {
		t.Error("a night is not a nap")
	}
	if s.ProviderRecordID != "2026-01-14" || s.Source.ID != "polar:C2D4E6F8" {
		t.Errorf("record id %q source %q", s.ProviderRecordID, s.Source.ID)
	}

	// The hypnogram crosses midnight; its first entry (22:54) is clamped
	// to the start (22:54:30) and the last (06:30, awake) runs to the end.
	type iv struct{ stage, from, to string }
	wantIntervals := []iv{
		{"awake", "22:54:30", "23:05"}, {"light", "23:05", "23:40"}, {"deep", "23:40", "00:35"},
		{"light", "00:35", "01:20"}, {"rem", "01:20", "01:55"}, {"light", "01:55", "02:50"},
		{"deep", "02:50", "03:30"}, {"awake", "03:30", "03:39"}, {"light", "03:39", "04:45"},
		{"rem", "04:45", "05:30"}, {"light", "05:30", "06:30"}, {"awake", "06:30", "06:41"},
	}
	local := func(tm time.Time) string {
		l := tm.Add(-5 * time.Hour)
		if l.Second() != 0 {
			return l.Format("15:04:05")
		}
		return l.Format("15:04")
	}
	if len(s.Intervals) != len(wantIntervals) {
		t.Fatalf("%d intervals, want %d: %+v", len(s.Intervals), len(wantIntervals), s.Intervals)
	}
	for i, w := range wantIntervals {
		got := iv{s.Intervals[i].Stage, local(s.Intervals[i].Start), local(s.Intervals[i].End)}
		if got != w {
			t.Errorf("interval %d: %+v, want %+v", i, got, w)
		}
	}
	if !s.Intervals[2].End.Equal(ingesttest.UTC("2026-01-14T05:35:00Z")) {
		t.Errorf("the deep sleep from 23:40 ends at %v, want 00:35 local on the 14th", s.Intervals[2].End)
	}

	hr := ingesttest.FindBatch(t, recs, "heart_rate")
	if len(hr.Samples) != 12 || hr.Source.ID != "polar:C2D4E6F8" {
		t.Fatalf("%d heart-rate samples from %s, want 12 from the sleep's device", len(hr.Samples), hr.Source.ID)
	}
	first, last := hr.Samples[0], hr.Samples[11]
	if !first.Time.Equal(ingesttest.UTC("2026-01-14T03:55:00Z")) || first.Value != 64 || first.ZoneOffset != -300 {
		t.Errorf("first heart rate %+v, want 64 at 22:55 local", first)
	}
	if !last.Time.Equal(ingesttest.UTC("2026-01-14T11:40:00Z")) || last.Value != 60 {
		t.Errorf("last heart rate %+v, want 60 at 06:40 local on the 14th", last)
	}
	if len(recs.Skipped) != 0 {
		t.Errorf("skipped %v", recs.Skipped)
	}
}

func TestSleepEdges(t *testing.T) {
	recs := normalize(t, `{"nights":[
		{"date":"2026-01-14","sleep_start_time":"2026-01-14T13:10:00+01:00","sleep_end_time":"2026-01-14T13:55:00+01:00",
		 "light_sleep":2400,"deep_sleep":0,"rem_sleep":0,
		 "hypnogram":{"13:10":2,"13:30":3,"13:50":9,"bad":1,"02:00":4},
		 "heart_rate_samples":{"13:20":0,"13:30":"x","13:40":55}},
		{"date":"2026-01-15","sleep_start_time":"2026-01-15T01:00:00+01:00","sleep_end_time":"2026-01-15T07:00:00+01:00",
		 "total_interruption_duration":3600}
	]}`)
	if len(recs.Sleep) != 2 {
		t.Fatalf("%d sleep sessions", len(recs.Sleep))
	}
	nap, night := recs.Sleep[0], recs.Sleep[1]
	if !nap.IsNap || night.IsNap {
		t.Errorf("nap %v, night %v", nap.IsNap, night.IsNap)
	}
	// Light sleep 40 min of a 45 min span; no interruptions given, so awake
	// is the rest. Codes 2 and 3 are both light and join into one interval;
	// the unknown code 9 ends it at 13:50.
	if want := (schemas.SleepStages{AwakeMinutes: 5, LightMinutes: 40}); *nap.Stages != want {
		t.Errorf("nap stages %+v, want %+v", *nap.Stages, want)
	}
	if len(nap.Intervals) != 1 || nap.Intervals[0].Stage != "light" || !nap.Intervals[0].End.Equal(ingesttest.UTC("2026-01-14T12:50:00Z")) {
		t.Errorf("nap intervals %+v", nap.Intervals)
	}
	// No stage totals: sleep is the span minus the interruptions, and the
	// stage minutes are unknown.
	if night.Stages != nil || night.SleepDurationSeconds != 5*3600 {
		t.Errorf("night stages %+v, sleep %v", night.Stages, night.SleepDurationSeconds)
	}
	want := map[string]int{
		"unknown hypnogram stage":             1,
		"invalid hypnogram time":              1,
		"hypnogram outside the night":         1,
		"no value: sleep heart rate sample 0": 1,
		"invalid sleep heart rate sample":     1,
	}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped\n got %v\nwant %v", recs.Skipped, want)
	}
	if hr := ingesttest.FindBatch(t, recs, "heart_rate").Samples; len(hr) != 1 || hr[0].Value != 55 {
		t.Errorf("heart rate %+v", hr)
	}
}
