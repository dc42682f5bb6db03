package suunto

import (
	"fmt"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func TestActivityFixture(t *testing.T) {
	recs := normalizeFixture(t, "suunto_webhook_247_activity.json")
	f := func(series, unit string, want ...float64) {
		t.Helper()
		b := ingesttest.FindBatch(t, recs, series)
		if b.Unit != unit || b.Source.ID != "suunto:account" {
			t.Errorf("%s: unit %q source %q", series, b.Unit, b.Source.ID)
		}
		var got []float64
		for _, s := range b.Samples {
			got = append(got, s.Value)
			if s.ZoneOffset != 120 {
				t.Errorf("%s: zone %d, want 120 (+02:00)", series, s.ZoneOffset)
			}
			st, _ := schemas.LookupSeriesType(series)
			if sum := st.Aggregation == schemas.AggSum; sum != (s.IsDailyTotal != nil) || (sum && *s.IsDailyTotal) {
				t.Errorf("%s: is_daily_total %v", series, s.IsDailyTotal)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", series, got, want)
		}
	}
	f("heart_rate", "bpm", 72, 88, 69)
	f("steps", "count", 140, 612, 0)      // 0 steps in an interval is a value
	f("energy", "kcal", 15, 30)           // 62760 J and 125520 J ÷ 4184
	f("oxygen_saturation", "percent", 97) // 0.97
	f("heart_rate_variability_rmssd", "ms", 41)
	// 10:00 at +02:00 is 08:00 UTC.
	if first := ingesttest.FindBatch(t, recs, "heart_rate").Samples[0]; !first.Time.Equal(ingesttest.UTC("2026-05-17T08:00:00Z")) {
		t.Errorf("first heart rate at %v, want 08:00 UTC", first.Time)
	}
	if len(recs.Samples) != 5 || len(recs.Skipped) != 0 {
		t.Errorf("%d batches, skipped %v", len(recs.Samples), recs.Skipped)
	}
}

func TestActivityMarkers(t *testing.T) {
	recs := normalize(t, `[{"timestamp":"2026-05-17T10:00:00.000-04:00","entryData":
		{"HR":0,"HRV":0,"SpO2":0,"StepCount":-2,"EnergyConsumption":"lots"}},
		{"timestamp":"2026-05-17T10:10:00.000-04:00","entryData":{"HR":70,"SpO2":96.5}},
		{"timestamp":"2026-05-17T10:20:00.000-04:00","entryData":{"SpO2":140}}]`)
	want := map[string]int{
		"no value: 24/7 activity HR 0":            1,
		"no value: 24/7 activity HRV 0":           1,
		"no value: 24/7 activity SpO2 0":          1,
		"invalid 24/7 activity StepCount":         1,
		"invalid 24/7 activity EnergyConsumption": 1,
		"invalid 24/7 activity SpO2":              1,
	}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped\n got %v\nwant %v", recs.Skipped, want)
	}
	if s := ingesttest.FindBatch(t, recs, "oxygen_saturation").Samples; len(s) != 1 || s[0].Value != 96.5 || s[0].ZoneOffset != -240 {
		t.Errorf("spo2 %+v, want 96.5 (already a percentage) at −04:00", s)
	}
	if s := ingesttest.FindBatch(t, recs, "heart_rate").Samples[0]; !s.Time.Equal(ingesttest.UTC("2026-05-17T14:10:00Z")) {
		t.Errorf("heart rate at %v, want 14:10 UTC (10:10 at −04:00)", s.Time)
	}
}

func TestRecoveryFixture(t *testing.T) {
	recs := normalizeFixture(t, "suunto_webhook_247_recovery.json")
	if len(recs.Summaries) != 2 || len(recs.Skipped) != 0 {
		t.Fatalf("%d summaries, skipped %v", len(recs.Summaries), recs.Skipped)
	}
	s := recs.Summaries[0]
	if s.Category != schemas.SummaryRecovery || *s.Value != 74 || s.Qualifier != "relaxing" || s.Date != "2026-05-17" ||
		!s.RecordedAt.Equal(ingesttest.UTC("2026-05-17T07:30:00Z")) || s.ZoneOffset != 120 {
		t.Errorf("recovery %+v, want 74 relaxing at 09:30 +02:00", s)
	}
}

func TestRecoveryEntries(t *testing.T) {
	f := func(entry string, want float64, skipped string) {
		t.Helper()
		body := `{"type":"SUUNTO_247_RECOVERY_CREATED","username":"u","samples":[{"timestamp":"2026-05-17T23:30:00-05:00","entryData":` + entry + `}]}`
		recs, err := Normalize(testContext(), []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if skipped != "" && recs.Skipped[skipped] != 1 {
			t.Errorf("%s: skipped %v, want %q", entry, recs.Skipped, skipped)
		}
		switch {
		case want < 0 && len(recs.Summaries) != 0:
			t.Errorf("%s: %d summaries, want none", entry, len(recs.Summaries))
		case want >= 0 && (len(recs.Summaries) != 1 || *recs.Summaries[0].Value != want || recs.Summaries[0].Date != "2026-05-17"):
			t.Errorf("%s: summaries %+v, want %v on 2026-05-17 (local day)", entry, recs.Summaries, want)
		}
	}
	f(`{"Balance":0.5}`, 50, "")
	f(`{"Balance":80,"StressState":2}`, 80, "")
	f(`{"Balance":0.5,"StressState":9}`, 50, "invalid 24/7 recovery StressState")
	f(`{"StressState":1}`, -1, "24/7 recovery without Balance")
	f(`{"Balance":-0.1}`, -1, "invalid 24/7 recovery Balance")
	f(`{"Balance":101}`, -1, "invalid 24/7 recovery Balance")
	f(`{"Balance":"x"}`, -1, "invalid 24/7 recovery Balance")
}

func TestSleepFixture(t *testing.T) {
	recs := normalizeFixture(t, "suunto_webhook_247_sleep.json")
	if len(recs.Sleep) != 2 {
		t.Fatalf("%d sleep sessions", len(recs.Sleep))
	}
	night, nap := recs.Sleep[0], recs.Sleep[1]

	// 02:13 to 09:19 at +02:00.
	if !night.StartTime.Equal(ingesttest.UTC("2026-05-17T00:13:00Z")) || !night.EndTime.Equal(ingesttest.UTC("2026-05-17T07:19:00Z")) || night.ZoneOffset != 120 {
		t.Errorf("night %v – %v zone %d", night.StartTime, night.EndTime, night.ZoneOffset)
	}
	// By hand: deep 5610 + light 17970 + REM 1710 = 25290 s asleep of a
	// Duration of 25560 s, so 270 s awake.
	want := schemas.SleepStages{AwakeMinutes: 4.5, LightMinutes: 299.5, DeepMinutes: 93.5, RemMinutes: 28.5}
	if *night.Stages != want {
		t.Errorf("night stages %+v, want %+v", *night.Stages, want)
	}
	if night.SleepDurationSeconds != 25290 || night.InBedSeconds != 25560 || night.DurationSeconds != 25560 || night.IsNap {
		t.Errorf("night %+v", night)
	}
	ingesttest.WantFloat(t, "night efficiency", night.EfficiencyPercent, ingest.Tidy(25290.0/25560*100))
	if night.ProviderRecordID != "1778976780" || night.Source.ID != "suunto:account" || night.Intervals != nil {
		t.Errorf("night ids %q %q intervals %v", night.ProviderRecordID, night.Source.ID, night.Intervals)
	}

	if !nap.IsNap || nap.SleepDurationSeconds != 1980 || nap.Stages.AwakeMinutes != 3 || nap.Stages.DeepMinutes != 0 {
		t.Errorf("nap %+v stages %+v", nap, *nap.Stages)
	}

	// The night's minimum heart rate and average HRV, at its end, from the
	// daily source; the nap has neither.
	for series, v := range map[string]float64{"resting_heart_rate": 52, "heart_rate_variability_rmssd": 38} {
		b := ingesttest.FindBatch(t, recs, series)
		if b.Source.ID != "suunto:daily" || len(b.Samples) != 1 || b.Samples[0].Value != v ||
			!b.Samples[0].Time.Equal(night.EndTime) || b.Samples[0].ZoneOffset != 120 {
			t.Errorf("%s: %+v", series, b)
		}
	}
	if len(recs.Samples) != 2 || len(recs.Skipped) != 0 {
		t.Errorf("%d batches, skipped %v", len(recs.Samples), recs.Skipped)
	}
}

func TestSleepEdges(t *testing.T) {
	recs := normalize(t, `{"type":"SUUNTO_247_SLEEP_CREATED","username":"u","samples":[
		{"timestamp":"2026-05-17T13:00:00.000+02:00","entryData":{"BedtimeStart":"2026-05-17T13:00:00.000+02:00","Duration":1800,"AvgHRV":0}},
		{"timestamp":"2026-05-17T23:00:00.000+02:00","entryData":{"BedtimeStart":"2026-05-17T23:00:00.000+02:00","BedtimeEnd":"2026-05-17T22:00:00.000+02:00"}},
		{"timestamp":"2026-05-18T23:00:00.000+02:00","entryData":{"BedtimeStart":"2026-05-18T23:00:00.000+02:00",
			"BedtimeEnd":"2026-05-19T06:00:00.000+02:00","Duration":25200,"DeepSleepDuration":30000,"LightSleepDuration":"x"}}
	]}`)
	if len(recs.Sleep) != 2 {
		t.Fatalf("%d sleep sessions", len(recs.Sleep))
	}
	// No BedtimeEnd: start + Duration; no IsNap: a short afternoon sleep is
	// a nap; no stages: sleep is Duration and the stage minutes unknown.
	nap := recs.Sleep[0]
	if !nap.EndTime.Equal(ingesttest.UTC("2026-05-17T11:30:00Z")) || !nap.IsNap || nap.Stages != nil || nap.SleepDurationSeconds != 1800 {
		t.Errorf("nap %+v", nap)
	}
	// Stage seconds beyond the span are capped at the span.
	if n := recs.Sleep[1]; n.SleepDurationSeconds != n.InBedSeconds || n.Stages.AwakeMinutes != 0 {
		t.Errorf("night %+v stages %+v", n, *n.Stages)
	}
	want := map[string]int{
		"no value: 24/7 sleep AvgHRV 0":         1,
		"invalid 24/7 sleep":                    1,
		"invalid 24/7 sleep LightSleepDuration": 1,
	}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped\n got %v\nwant %v", recs.Skipped, want)
	}
}
