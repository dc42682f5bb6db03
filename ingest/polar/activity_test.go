package polar

import (
	"fmt"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func TestDailyActivityFixture(t *testing.T) {
	recs := normalizeFixture(t, "polar_daily_activity.json")
	day := ingesttest.UTC("2026-01-14T00:00:00Z") // local midnight, no offset given
	batch := func(series, source string) schemas.SampleBatch {
		t.Helper()
		for _, b := range recs.Samples {
			if b.SeriesType == series && b.Source.ID == source {
				return b
			}
		}
		t.Fatalf("no %s batch from %s", series, source)
		return schemas.SampleBatch{}
	}
	f := func(series, unit string, want float64) {
		t.Helper()
		b := batch(series, "polar:daily")
		if b.Unit != unit || len(b.Samples) != 1 {
			t.Fatalf("%s: unit %q, %d samples", series, b.Unit, len(b.Samples))
		}
		s := b.Samples[0]
		if !s.Time.Equal(day) || s.IsDailyTotal == nil || !*s.IsDailyTotal || s.ZoneOffset != 0 {
			t.Errorf("%s: at %v, daily total %v, zone %d", series, s.Time, s.IsDailyTotal, s.ZoneOffset)
		}
		if s.Value != want {
			t.Errorf("%s: %v, want %v", series, s.Value, want)
		}
	}
	f("steps", "count", 11982)
	f("energy", "kcal", 701)
	f("basal_energy", "kcal", 1787) // 2488 total − 701 active
	f("distance_walking_running", "meters", 8740.5)
	f("active_time", "minutes", 134.5) // PT2H14M30S
	f("exercise_time", "minutes", 0)   // only SEDENTARY and LIGHT zones
	if len(recs.Samples) != 7 {
		t.Errorf("%d batches, want the six totals and the hourly steps", len(recs.Samples))
	}

	// Hourly steps are intraday samples from the account source, so the
	// one at midnight does not collide with the day's total.
	steps := batch("steps", "polar:account").Samples
	if len(steps) != 3 {
		t.Fatalf("%d hourly step samples, want 3", len(steps))
	}
	for i, want := range []struct {
		at    string
		value float64
	}{{"2026-01-14T00:00:00Z", 0}, {"2026-01-14T07:00:00Z", 1480}, {"2026-01-14T08:00:00Z", 3022}} {
		s := steps[i]
		if !s.Time.Equal(ingesttest.UTC(want.at)) || s.Value != want.value || s.IsDailyTotal == nil || *s.IsDailyTotal {
			t.Errorf("step sample %d: %v %v total %v, want %+v intraday", i, s.Time, s.Value, s.IsDailyTotal, want)
		}
	}
	if len(recs.Skipped) != 0 {
		t.Errorf("skipped %v", recs.Skipped)
	}
}

func TestExerciseTimeFromZones(t *testing.T) {
	recs := normalize(t, `{"start_time":"2026-01-14T00:00:00","end_time":"2026-01-14T23:59:59","steps":10,
		"samples":{"activity_zones":{"samples":[
			{"zone":"LIGHT","timestamp":"2026-01-14T07:00:00"},
			{"zone":"MODERATE","timestamp":"2026-01-14T07:30:00"},
			{"zone":"VIGOROUS","timestamp":"2026-01-14T07:50:00"},
			{"zone":"SEDENTARY","timestamp":"2026-01-14T08:05:00"},
			{"zone":"VIGOROUS","timestamp":"2026-01-14T23:59:00"}]}}}`)
	// 20 + 15 + 0:59 to the day's end.
	if got := ingesttest.FindBatch(t, recs, "exercise_time").Samples[0].Value; got != ingest.Tidy(35+59.0/60) {
		t.Errorf("exercise time %v", got)
	}
}

func TestDailyActivityMarkers(t *testing.T) {
	recs := normalize(t, `{"start_time":"2026-01-14T00:00:00","steps":"many","active_calories":-5,"calories":100,
		"active_duration":"two hours","daily_activity":80,"kudos":3}`)
	if len(recs.Samples) != 0 {
		t.Errorf("batches %+v", recs.Samples)
	}
	want := map[string]int{
		"invalid daily activity field steps":           1,
		"invalid daily activity field active_calories": 1,
		"invalid daily activity field active_duration": 1,
		"unknown daily activity field kudos":           1,
	}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped\n got %v\nwant %v", recs.Skipped, want)
	}
}

func TestContinuousHeartRateFixture(t *testing.T) {
	recs := normalizeFixture(t, "polar_continuous_hr.json")
	hr := ingesttest.FindBatch(t, recs, "heart_rate")
	if len(hr.Samples) != 5 || hr.Source.ID != "polar:account" || hr.Unit != "bpm" {
		t.Fatalf("%d samples from %s", len(hr.Samples), hr.Source.ID)
	}
	if s := hr.Samples[3]; !s.Time.Equal(ingesttest.UTC("2026-01-14T12:40:00Z")) || s.Value != 91 || s.ZoneOffset != 0 || s.IsDailyTotal != nil {
		t.Errorf("fourth sample %+v, want 91 at 12:40 local (written as UTC, zone 0)", s)
	}
	if s := hr.Samples[4]; !s.Time.Equal(ingesttest.UTC("2026-01-14T23:55:00Z")) {
		t.Errorf("last sample at %v, want 23:55 on the same date", s.Time)
	}
	if len(recs.Skipped) != 0 {
		t.Errorf("skipped %v", recs.Skipped)
	}
}

func TestContinuousHeartRateMarkers(t *testing.T) {
	recs := normalize(t, `{"date":"2026-01-14","heart_rate_samples":[
		{"heart_rate":0,"sample_time":"00:00:00"},{"heart_rate":null,"sample_time":"00:05:00"},
		{"heart_rate":61,"sample_time":"25:00:00"},{"heart_rate":62,"sample_time":"00:10:00"}]}`)
	want := map[string]int{"no value: continuous heart rate sample 0": 1, "invalid continuous heart rate sample time": 1}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped %v, want %v", recs.Skipped, want)
	}
	if hr := ingesttest.FindBatch(t, recs, "heart_rate").Samples; len(hr) != 1 || hr[0].Value != 62 {
		t.Errorf("heart rate %+v", hr)
	}
}

func TestNightlyRechargeFixture(t *testing.T) {
	recs := normalizeFixture(t, "polar_nightly_recharge.json")
	f := func(series, unit string, want ...float64) {
		t.Helper()
		b := ingesttest.FindBatch(t, recs, series)
		if b.Unit != unit || b.Source.ID != "polar:account" {
			t.Errorf("%s: unit %q source %q", series, b.Unit, b.Source.ID)
		}
		var got []float64
		for _, s := range b.Samples {
			got = append(got, s.Value)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", series, got, want)
		}
		// The recharge of the 14th measured the night from the 13th: 23:05
		// is on the evening before the date.
		if !b.Samples[0].Time.Equal(ingesttest.UTC("2026-01-13T23:05:00Z")) {
			t.Errorf("%s: first sample at %v, want 23:05 on the 13th", series, b.Samples[0].Time)
		}
		if last := b.Samples[len(b.Samples)-1].Time; !last.Equal(ingesttest.UTC("2026-01-13T23:25:00Z")) {
			t.Errorf("%s: last sample at %v", series, last)
		}
	}
	f("heart_rate_variability_rmssd", "ms", 41, 44, 47, 52, 49)
	f("respiratory_rate", "brpm", 14.1, 14.4, 14.6, 14.8, 14.5)
	if len(recs.Samples) != 2 || len(recs.Skipped) != 0 {
		t.Errorf("%d batches, skipped %v", len(recs.Samples), recs.Skipped)
	}
}

func TestNightlyRechargeAverages(t *testing.T) {
	recs := normalize(t, `{"recharges":[{"date":"2026-01-14","heart_rate_variability_avg":48,"breathing_rate_avg":0,
		"hrv_samples":{"01:00":0,"xx":3}}]}`)
	hrv := ingesttest.FindBatch(t, recs, "heart_rate_variability_rmssd").Samples
	if len(hrv) != 1 || hrv[0].Value != 48 || !hrv[0].Time.Equal(ingesttest.UTC("2026-01-14T00:00:00Z")) || ingesttest.FindBatch(t, recs, "heart_rate_variability_rmssd").Source.ID != "polar:daily" {
		t.Errorf("hrv %+v, want the average at the date's midnight when no sample is usable", hrv)
	}
	want := map[string]int{
		"no value: nightly recharge hrv sample 0":        1,
		"invalid nightly recharge hrv sample time":       1,
		"no value: nightly recharge breathing average 0": 1,
	}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped\n got %v\nwant %v", recs.Skipped, want)
	}
}
