package reads

import (
	"context"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

// src is a batch from a source with a device type; daily marks its
// samples as daily totals.
func src(userID, seriesType, provider, sourceID, deviceType string, daily bool, samples ...schemas.Sample) schemas.SampleBatch {
	b := batch(userID, seriesType, provider, sourceID, samples...)
	b.Source.DeviceType = deviceType
	if daily {
		for i := range b.Samples {
			b.Samples[i].IsDailyTotal = ptr(true)
		}
	}
	return b
}

// daylightSavingWeek is a New York user's samples around the spring
// change (2026-03-08 02:00 EST → 03:00 EDT): Garmin's watch and its daily
// totals, an iPhone's daily steps, a Withings scale.
func daylightSavingWeek(f *fixture) {
	f.write(chsink.Rows{Samples: []schemas.SampleBatch{
		src(user, "steps", "garmin", "garmin:fr965", "watch", false,
			at("2026-03-07T23:50:00-05:00", 100), // 04:50Z on the 8th: the 7th's
			at("2026-03-08T00:10:00-05:00", 40),
			at("2026-03-08T03:30:00-04:00", 20), // after the change
			at("2026-03-08T23:59:00-04:00", 10),
			at("2026-03-09T00:30:00-04:00", 500)), // the 9th, out of range
		src(user, "steps", "garmin", "garmin:daily", "", true, at("2026-03-07T00:00:00-05:00", 8000)),
		src(user, "steps", "apple", "apple:iphone", "phone", true, at("2026-03-08T00:00:00-05:00", 3000)),
		src(user, "heart_rate", "garmin", "garmin:fr965", "watch", false,
			at("2026-03-08T00:10:00-05:00", 100), // light: 95 ≤ v < 121.6 at max 190
			at("2026-03-08T03:30:00-04:00", 150), // vigorous: 146.3 ≤ v < 178.6
			at("2026-03-08T23:59:00-04:00", 50)),
		src(user, "energy", "garmin", "garmin:fr965", "watch", false, at("2026-03-08T12:00:00-04:00", 300)),
		src(user, "basal_energy", "garmin", "garmin:fr965", "watch", false, at("2026-03-08T12:00:00-04:00", 1500)),
		src(user, "flights_climbed", "apple", "apple:iphone", "phone", false, at("2026-03-08T12:00:00-04:00", 4)),
		src(user, "weight", "withings", "withings:scale", "scale", false, at("2026-03-08T07:00:00-04:00", 70.2)),
	}})
}

// TestActivitySummaryLocalDaysAndPriority sums each local day across the
// daylight-saving change and a midnight at −05:00, and takes each metric
// from the best source that has it: steps from the iPhone (Apple first),
// minutes from the watch (the only intraday steps), heart rate from the
// watch, a provider's daily total before its own intraday sum.
func TestActivitySummaryLocalDaysAndPriority(t *testing.T) {
	f := newFixture(t)
	daylightSavingWeek(f)
	got, err := f.reader.ActivitySummaries(context.Background(), DayQuery{Tenant: tenant, UserID: user, StartDate: "2026-03-07", EndDate: "2026-03-08"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Date != "2026-03-07" || got[1].Date != "2026-03-08" {
		t.Fatalf("days = %+v", got)
	}
	d7, d8 := got[0], got[1]
	eq := func(name string, v *float64, want float64) {
		t.Helper()
		if v == nil || *v != want {
			t.Fatalf("%s = %v, want %v", name, deref(v), want)
		}
	}
	eq("7th steps", d7.Steps, 8000) // Garmin's daily total, not its 100 intraday
	if d7.Source.ID != "garmin:daily" || d7.Sources["active_minutes"].ID != "garmin:fr965" {
		t.Fatalf("7th sources = %+v", d7.Sources)
	}
	eq("7th active minutes", d7.ActiveMinutes, 1)
	eq("7th sedentary minutes", d7.SedentaryMinutes, 0)
	eq("8th steps", d8.Steps, 3000)
	if d8.Source.ID != "apple:iphone" || d8.Sources["heart_rate"].ID != "garmin:fr965" || d8.Sources["active_minutes"].ID != "garmin:fr965" {
		t.Fatalf("8th sources = %+v", d8.Sources)
	}
	eq("8th active minutes", d8.ActiveMinutes, 1)       // the 40
	eq("8th sedentary minutes", d8.SedentaryMinutes, 2) // the 20 and the 10
	if hr := d8.HeartRate; hr == nil || hr.Avg != 100 || hr.Max != 150 || hr.Min != 50 {
		t.Fatalf("8th heart rate = %+v", hr)
	}
	if in := d8.Intensity; in == nil || in.Light != 1 || in.Moderate != 0 || in.Vigorous != 1 {
		t.Fatalf("8th intensity = %+v", in)
	}
	eq("8th active kcal", d8.ActiveKcal, 300)
	eq("8th total kcal", d8.TotalKcal, 1800)
	eq("8th floors", d8.FloorsClimbed, 4)
	if d7.HeartRate != nil || d7.ActiveKcal != nil {
		t.Fatalf("7th has no heart rate or energy: %+v", d7)
	}

	other, err := f.reader.ActivitySummaries(context.Background(), DayQuery{Tenant: tenant, UserID: user, StartDate: "2026-03-08", EndDate: "2026-03-08",
		Priorities: Priorities{Providers: map[string]int{"garmin": 1, "apple": 2}}})
	if err != nil || len(other) != 1 {
		t.Fatalf("garmin first: %+v, %v", other, err)
	}
	eq("8th steps with garmin first", other[0].Steps, 70) // 40 + 20 + 10; the 9th's 500 is another day
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// session is a sleep session of provider's source from start to end (RFC
// 3339 with offsets), asleep for sleepMin minutes, with the given awake
// intervals' count.
func session(provider, sourceID, start, end string, sleepMin float64, nap bool, awakes int) schemas.Sleep {
	s, e := mustTime(start), mustTime(end)
	_, off := s.Zone()
	out := schemas.Sleep{
		ID: schemas.RecordID(tenant, user, provider, "sleep", start), Tenant: tenant, UserID: user,
		Source:    schemas.Source{Provider: provider, ID: sourceID, DeviceType: "watch"},
		StartTime: s.UTC(), EndTime: e.UTC(), ZoneOffset: int32(off / 60),
		DurationSeconds: e.Sub(s).Seconds(), SleepDurationSeconds: sleepMin * 60, InBedSeconds: e.Sub(s).Seconds(),
		Stages: &schemas.SleepStages{AwakeMinutes: 20, LightMinutes: sleepMin - 160, DeepMinutes: 80, RemMinutes: 80},
		IsNap:  nap, Version: 1, RawEventID: "raw-1", IngestedAt: mustTime("2026-03-09T00:00:00Z"),
	}
	for i := 0; i < awakes; i++ {
		at := s.Add(time.Duration(i+1) * time.Hour).UTC()
		out.Intervals = append(out.Intervals, schemas.SleepInterval{Stage: "light", Start: at.Add(-30 * time.Minute), End: at},
			schemas.SleepInterval{Stage: "awake", Start: at, End: at.Add(5 * time.Minute)})
	}
	return out
}

// TestSleepSummaryWakeDayAcrossDaylightSaving places a night across the
// spring change on the day one wakes up, keeps the best source's sessions
// (Garmin before Oura, though Oura's night is longer), counts its nap
// apart, and averages the heart rate measured during the main session
// only; a night ending at 22:00 at −05:00 (03:00Z the next day) is the
// earlier day's.
func TestSleepSummaryWakeDayAcrossDaylightSaving(t *testing.T) {
	f := newFixture(t)
	f.write(chsink.Rows{
		Sleep: []schemas.Sleep{
			session("garmin", "garmin:fr965", "2026-03-07T23:00:00-05:00", "2026-03-08T07:00:00-04:00", 400, false, 2), // 7 h real
			session("garmin", "garmin:fr965", "2026-03-08T14:00:00-04:00", "2026-03-08T14:30:00-04:00", 30, true, 0),
			session("oura", "oura:ring", "2026-03-07T22:00:00-05:00", "2026-03-08T08:00:00-04:00", 500, false, 0),
			session("garmin", "garmin:fr965", "2026-03-07T19:00:00-05:00", "2026-03-07T22:00:00-05:00", 170, false, 0),
		},
		Samples: []schemas.SampleBatch{
			src(user, "heart_rate", "garmin", "garmin:fr965", "watch", false,
				at("2026-03-08T01:00:00-05:00", 50), at("2026-03-08T05:00:00-04:00", 60), at("2026-03-08T08:00:00-04:00", 90)),
			src(user, "heart_rate", "oura", "oura:ring", "ring", false, at("2026-03-08T02:00:00-05:00", 70)),
			src(user, "respiratory_rate", "oura", "oura:ring", "ring", false, at("2026-03-08T04:00:00-04:00", 14)),
		},
	})
	got, err := f.reader.SleepSummaries(context.Background(), DayQuery{Tenant: tenant, UserID: user, StartDate: "2026-03-07", EndDate: "2026-03-08"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Date != "2026-03-07" || got[1].Date != "2026-03-08" {
		t.Fatalf("days = %+v", got)
	}
	if d := got[0]; d.DurationMinutes != 170 || d.NapCount != 0 {
		t.Fatalf("7th = %+v", d)
	}
	d := got[1]
	if d.Source.ID != "garmin:fr965" || len(d.Sessions) != 2 || d.StartTime != mustTime("2026-03-08T04:00:00Z") || d.EndTime != mustTime("2026-03-08T11:00:00Z") || d.ZoneOffset != -300 {
		t.Fatalf("8th main session = %+v", d)
	}
	if d.DurationMinutes != 400 || d.TotalDurationMinutes != 430 || d.TimeInBedMinutes != 420 || d.NapCount != 1 || d.NapDurationMinutes != 30 || d.InterruptionsCount != 2 {
		t.Fatalf("8th durations = %+v", d)
	}
	if d.EfficiencyPercent == nil || *d.EfficiencyPercent != 100*400.0/420 {
		t.Fatalf("8th efficiency = %v", deref(d.EfficiencyPercent))
	}
	if d.Stages.Deep == nil || *d.Stages.Deep != 80 || *d.Stages.Light != 240 {
		t.Fatalf("8th stages = %+v", d.Stages)
	}
	if d.AvgHeartRateBPM == nil || *d.AvgHeartRateBPM != 55 || d.VitalSources["heart_rate"].ID != "garmin:fr965" {
		t.Fatalf("8th heart rate = %v from %v", deref(d.AvgHeartRateBPM), d.VitalSources)
	}
	if d.AvgRespiratoryRate == nil || *d.AvgRespiratoryRate != 14 || d.VitalSources["respiratory_rate"].ID != "oura:ring" {
		t.Fatalf("8th respiratory rate = %v: the only source that measured it", deref(d.AvgRespiratoryRate))
	}
}

// TestBodyRecoveryAndDataSummaries reads the body snapshot (the scale's
// weight, since the watch has none), the day's recovery vitals and
// counts per provider.
func TestBodyRecoveryAndDataSummaries(t *testing.T) {
	f := newFixture(t)
	daylightSavingWeek(f)
	score := 77.0
	f.write(chsink.Rows{Samples: []schemas.SampleBatch{
		src(user, "weight", "withings", "withings:scale", "scale", false, at("2026-03-01T07:00:00-05:00", 71)),
		src(user, "height", "apple", "apple:iphone", "phone", false, at("2026-01-01T07:00:00-05:00", 180)),
		src(user, "resting_heart_rate", "garmin", "garmin:fr965", "watch", false, at("2026-03-07T08:00:00-05:00", 50), at("2026-03-08T08:00:00-04:00", 54)),
		src(user, "blood_pressure_systolic", "omron", "omron:cuff", "other", false, at("2026-03-08T20:00:00-04:00", 120), at("2026-03-08T21:00:00-04:00", 130)),
		src(user, "blood_pressure_diastolic", "omron", "omron:cuff", "other", false, at("2026-03-08T20:00:00-04:00", 80), at("2026-03-08T21:00:00-04:00", 70)),
	}, Summaries: []schemas.Summary{{ID: schemas.SummaryID(tenant, user, "whoop", "recovery", "c1"), Tenant: tenant, UserID: user,
		Source: schemas.Source{Provider: "whoop", ID: "whoop:band"}, Category: "recovery", Date: "2026-03-08",
		RecordedAt: mustTime("2026-03-08T11:00:00Z"), ZoneOffset: -240, Value: &score, Version: 1, IngestedAt: mustTime("2026-03-09T00:00:00Z")}}})
	b, err := f.reader.BodySummary(context.Background(), BodyQuery{Tenant: tenant, UserID: user, Now: mustTime("2026-03-08T22:00:00-04:00"), AveragePeriodDays: 2})
	if err != nil {
		t.Fatal(err)
	}
	if b.WeightKg == nil || *b.WeightKg != 70.2 || b.Sources["weight"].ID != "withings:scale" || b.HeightCm == nil || *b.HeightCm != 180 {
		t.Fatalf("slow-changing = %+v", b)
	}
	if b.BMI == nil || *b.BMI != 70.2/(1.8*1.8) {
		t.Fatalf("bmi = %v", deref(b.BMI))
	}
	if b.RestingHeartRateBPM == nil || *b.RestingHeartRateBPM != 52 {
		t.Fatalf("resting heart rate over 2 days = %v", deref(b.RestingHeartRateBPM))
	}
	if bp := b.BloodPressure; bp == nil || bp.AvgSystolic != 125 || bp.MaxSystolic != 130 || bp.MinDiastolic != 70 || bp.Readings != 2 || *b.BloodPressureAt != mustTime("2026-03-09T01:00:00Z") {
		t.Fatalf("blood pressure = %+v", bp)
	}
	if _, err := f.reader.BodySummary(context.Background(), BodyQuery{Tenant: tenant, UserID: schemas.NameID(tenant, "nobody"), Now: mustTime("2026-03-08T22:00:00-04:00")}); err != ErrNoData {
		t.Fatalf("body of a user without data: %v", err)
	}

	rec, err := f.reader.RecoverySummaries(context.Background(), DayQuery{Tenant: tenant, UserID: user, StartDate: "2026-03-07", EndDate: "2026-03-08"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 2 || rec[0].RestingHeartRateBPM == nil || *rec[0].RestingHeartRateBPM != 50 || rec[0].RecoveryScore != nil ||
		rec[1].RecoveryScore == nil || *rec[1].RecoveryScore != 77 || *rec[1].RestingHeartRateBPM != 54 || rec[1].Source.ID != "whoop:band" {
		t.Fatalf("recovery = %+v", rec)
	}

	ds, err := f.reader.DataSummary(context.Background(), tenant, user, "2026-03-08", "2026-03-08")
	if err != nil {
		t.Fatal(err)
	}
	// The 8th, local: garmin steps 40, 20, 10; apple 3000; 3 heart rates;
	// energy, basal, resting HR; apple flights; withings weight; omron 4.
	if ds.SeriesTypeCounts["steps"] != 4 || ds.SeriesTypeCounts["heart_rate"] != 3 || ds.DataPoints != 16 || len(ds.ByProvider) != 4 ||
		ds.ByProvider[0].Provider != "apple" || ds.ByProvider[0].DataPoints != 2 || ds.ByProvider[1].DataPoints != 9 {
		t.Fatalf("data summary = %+v", ds)
	}
}
