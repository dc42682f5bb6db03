package garmin

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

var fixtures = []string{
	"garmin_push_dailies.json",
	"garmin_push_epochs.json",
	"garmin_push_sleeps.json",
	"garmin_push_hrv.json",
	"garmin_push_stress_details.json",
	"garmin_push_activities.json",
	"garmin_push_activity_details.json",
	"garmin_push_activity_files.json",
	"garmin_ping.json",
	"garmin_push_lifecycle.json",
}

var receivedAt = time.Date(2026, 1, 14, 12, 30, 5, 0, time.UTC)

func testContext() ingest.Context {
	return ingest.Context{
		Tenant:     "tenant-1",
		UserID:     "user-1",
		Provider:   "garmin",
		RawEventID: "raw-1",
		ReceivedAt: receivedAt,
	}
}

func normalize(t *testing.T, body []byte) ingest.Records {
	t.Helper()
	recs, err := Normalize(testContext(), body)
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	return recs
}

func findBatch(t *testing.T, recs ingest.Records, source, series string) schemas.SampleBatch {
	t.Helper()
	for _, b := range recs.Samples {
		if b.Source.ID == source && b.SeriesType == series {
			return b
		}
	}
	t.Fatalf("no %s batch from %s", series, source)
	return schemas.SampleBatch{}
}

func hasBatch(recs ingest.Records, source, series string) bool {
	for _, b := range recs.Samples {
		if b.Source.ID == source && b.SeriesType == series {
			return true
		}
	}
	return false
}

func wantFloat(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got nil, want %v", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s: got %v, want %v", what, *got, want)
	}
}

func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// TestGolden checks every fixture against testdata/<fixture>.golden.json.
func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			ingesttest.GoldenRecords(t, name, normalize(t, ingesttest.ReadFixture(t, name)))
		})
	}
}

func TestDailies(t *testing.T) {
	recs := normalize(t, ingesttest.ReadFixture(t, "garmin_push_dailies.json"))

	// Daily totals sit at the day's start, local midnight: 1768258800 is
	// 2026-01-12T23:00Z, 00:00 at +01:00.
	f := func(series string, want float64) {
		t.Helper()
		b := findBatch(t, recs, "garmin:daily", series)
		s := b.Samples[0]
		if !s.Time.Equal(unix(1768258800)) || s.ZoneOffset != 60 {
			t.Errorf("%s: first sample at %v %+d min, want 2026-01-12T23:00Z +60", series, s.Time, s.ZoneOffset)
		}
		if s.Value != want {
			t.Errorf("%s: %v, want %v", series, s.Value, want)
		}
		if s.IsDailyTotal == nil || !*s.IsDailyTotal {
			t.Errorf("%s: is_daily_total %v, want true", series, s.IsDailyTotal)
		}
		st, _ := schemas.LookupSeriesType(series)
		if b.Unit != st.Unit {
			t.Errorf("%s: unit %q, want %q", series, b.Unit, st.Unit)
		}
	}
	f("steps", 7694)
	f("energy", 503)
	f("basal_energy", 1825)
	f("distance_walking_running", 6688)
	f("flights_climbed", 5)
	f("active_time", 80.35) // 4821 s
	f("exercise_time", 40)  // 720 s moderate + 1680 s vigorous
	f("resting_heart_rate", 43)
	f("garmin_stress_level", 31)

	// The second user's day starts at 2026-01-13T05:00Z, 00:00 at -05:00.
	steps := findBatch(t, recs, "garmin:daily", "steps")
	if len(steps.Samples) != 2 || !steps.Samples[1].Time.Equal(unix(1768280400)) || steps.Samples[1].ZoneOffset != -300 || steps.Samples[1].Value != 1204 {
		t.Errorf("second day's steps %+v", steps.Samples)
	}
	// Its averageStressLevel -1 is no value.
	if got := findBatch(t, recs, "garmin:daily", "garmin_stress_level").Samples; len(got) != 1 {
		t.Errorf("daily stress %+v, want only the first user's 31", got)
	}
	if recs.Skipped[reasonStressMarker] != 1 {
		t.Errorf("skipped %v, want one stress marker", recs.Skipped)
	}

	hr := findBatch(t, recs, "garmin:device", "heart_rate")
	if len(hr.Samples) != 86 {
		t.Fatalf("%d heart rate samples, want 86", len(hr.Samples))
	}
	// Offsets are seconds from the day's start: "900" is 23:15Z.
	if s := hr.Samples[1]; !s.Time.Equal(unix(1768258800+900)) || s.Value != 51 || s.ZoneOffset != 60 || s.IsDailyTotal == nil || *s.IsDailyTotal {
		t.Errorf("second heart rate sample %+v, want 51 bpm at 23:15Z +60, not a daily total", s)
	}
	if s := hr.Samples[85]; !s.Time.Equal(unix(1768258800+76500)) || s.Value != 51 {
		t.Errorf("last heart rate sample %+v", s)
	}
	if hasBatch(recs, "garmin:daily", "heart_rate") {
		t.Error("daily heart rate statistics became samples")
	}
}

func TestStressDetails(t *testing.T) {
	recs := normalize(t, ingesttest.ReadFixture(t, "garmin_push_stress_details.json"))
	stress := findBatch(t, recs, "garmin:device", "garmin_stress_level")
	// Twelve values, of which "540": -1 and "1260": -2 are Garmin's markers.
	if len(stress.Samples) != 10 {
		t.Fatalf("%d stress samples, want 10", len(stress.Samples))
	}
	for _, s := range stress.Samples {
		if s.Value < 0 {
			t.Errorf("marker %v kept", s.Value)
		}
		if s.Time.Equal(unix(1768258800+540)) || s.Time.Equal(unix(1768258800+1260)) {
			t.Errorf("sample at a marker's offset: %+v", s)
		}
	}
	if s := stress.Samples[3]; !s.Time.Equal(unix(1768258800+720)) || s.Value != 31 {
		t.Errorf("fourth stress sample %+v, want 31 at +720 s", s)
	}
	if recs.Skipped[reasonStressMarker] != 2 || len(recs.Skipped) != 1 {
		t.Errorf("skipped %v, want two stress markers", recs.Skipped)
	}
	if bb := findBatch(t, recs, "garmin:device", "garmin_body_battery"); len(bb.Samples) != 12 || bb.Samples[11].Value != 52 {
		t.Errorf("body battery %+v", bb.Samples)
	}
}

func TestEpochs(t *testing.T) {
	recs := normalize(t, ingesttest.ReadFixture(t, "garmin_push_epochs.json"))
	f := func(series string, want ...float64) {
		t.Helper()
		b := findBatch(t, recs, "garmin:device", series)
		if len(b.Samples) != len(want) {
			t.Fatalf("%s: %d samples, want %d", series, len(b.Samples), len(want))
		}
		for i, s := range b.Samples {
			if s.Value != want[i] || !s.Time.Equal(unix(1768295700+int64(i)*900)) || s.ZoneOffset != 60 || *s.IsDailyTotal {
				t.Errorf("%s[%d] = %+v, want %v at the epoch's start", series, i, s, want[i])
			}
		}
	}
	f("steps", 0, 412, 96, 1530)
	f("energy", 0, 33, 8, 176)
	f("distance_walking_running", 0, 318.4, 74, 2480.2)
	f("active_time", 0, 9, 3, 15)
	if hasBatch(recs, "garmin:device", "heart_rate") {
		t.Error("epoch mean heart rate kept")
	}

	// Two activity types in one window add up.
	body := []byte(`{"epochs":[
		{"userId":"u","summaryId":"x-1-0","activityType":"SEDENTARY","steps":10,"activeKilocalories":1,"activeTimeInSeconds":0,"startTimeInSeconds":1768295700,"startTimeOffsetInSeconds":3600,"durationInSeconds":900},
		{"userId":"u","summaryId":"x-1-6","activityType":"WALKING","steps":300,"activeKilocalories":20,"activeTimeInSeconds":240,"startTimeInSeconds":1768295700,"startTimeOffsetInSeconds":3600,"durationInSeconds":900}]}`)
	recs = normalize(t, body)
	if s := findBatch(t, recs, "garmin:device", "steps").Samples; len(s) != 1 || s[0].Value != 310 {
		t.Errorf("window steps %+v, want one sample of 310", s)
	}
	if s := findBatch(t, recs, "garmin:device", "active_time").Samples; len(s) != 1 || s[0].Value != 4 {
		t.Errorf("window active time %+v, want 4 minutes", s)
	}
}

func TestSleeps(t *testing.T) {
	recs := normalize(t, ingesttest.ReadFixture(t, "garmin_push_sleeps.json"))
	if len(recs.Sleep) != 3 {
		t.Fatalf("%d sleep sessions, want the night, its nap and the second night", len(recs.Sleep))
	}
	night := recs.Sleep[0]
	if !night.StartTime.Equal(unix(1768340460)) || night.ZoneOffset != 60 {
		t.Errorf("night starts %v %+d", night.StartTime, night.ZoneOffset)
	}
	// durationInSeconds 28620 is the time asleep; the last awake interval
	// ends at 1768369980, 900 s after start + duration.
	if !night.EndTime.Equal(unix(1768369980)) || night.DurationSeconds != 29520 || night.InBedSeconds != 29520 {
		t.Errorf("night ends %v, duration %v, in bed %v; want 1768369980, 29520, 29520", night.EndTime, night.DurationSeconds, night.InBedSeconds)
	}
	if night.SleepDurationSeconds != 28620 {
		t.Errorf("asleep %v s, want 28620", night.SleepDurationSeconds)
	}
	want := schemas.SleepStages{DeepMinutes: 120, LightMinutes: 252, RemMinutes: 105, AwakeMinutes: 15}
	if night.Stages == nil || *night.Stages != want {
		t.Errorf("stages %+v, want %+v", night.Stages, want)
	}
	wantFloat(t, "efficiency", night.EfficiencyPercent, ingest.Tidy(28620.0/29520*100))
	if len(night.Intervals) != 11 || night.Intervals[0].Stage != "light" || night.Intervals[1].Stage != "deep" || night.Intervals[10].Stage != "awake" {
		t.Errorf("intervals %+v", night.Intervals)
	}
	for i := 1; i < len(night.Intervals); i++ {
		if !night.Intervals[i].Start.Equal(night.Intervals[i-1].End) {
			t.Errorf("interval %d starts %v, previous ends %v", i, night.Intervals[i].Start, night.Intervals[i-1].End)
		}
	}
	if night.IsNap || night.ProviderRecordID != "x5b70ccc-6966bbec" {
		t.Errorf("night nap %v, record id %q", night.IsNap, night.ProviderRecordID)
	}

	nap := recs.Sleep[1]
	if !nap.IsNap || !nap.StartTime.Equal(unix(1768401000)) || !nap.EndTime.Equal(unix(1768401000+1620)) || nap.ZoneOffset != 60 {
		t.Errorf("nap %+v, want a 27-minute nap at 15:30 local", nap)
	}
	if nap.Stages != nil || nap.SleepDurationSeconds != 1620 {
		t.Errorf("nap stages %+v, asleep %v", nap.Stages, nap.SleepDurationSeconds)
	}
	if want := schemas.RecordID("tenant-1", "user-1", "garmin", "sleep", "nap-1768401000"); nap.ID != want {
		t.Errorf("nap id %s, want %s", nap.ID, want)
	}

	short := recs.Sleep[2]
	if short.IsNap || short.Stages != nil || short.EfficiencyPercent != nil || short.ZoneOffset != -300 ||
		short.DurationSeconds != 23880 || short.SleepDurationSeconds != 23880 || len(short.Intervals) != 0 {
		t.Errorf("tentative night without stages %+v", short)
	}

	spo2 := findBatch(t, recs, "garmin:device", "oxygen_saturation")
	if len(spo2.Samples) != 5 || !spo2.Samples[1].Time.Equal(unix(1768340460+3600)) || spo2.Samples[1].Value != 96 {
		t.Errorf("sleep spo2 %+v", spo2.Samples)
	}
	if rr := findBatch(t, recs, "garmin:device", "respiratory_rate"); len(rr.Samples) != 4 || rr.Samples[1].Value != 13.5 {
		t.Errorf("sleep respiration %+v", rr.Samples)
	}
	if len(recs.Skipped) != 0 {
		t.Errorf("skipped %v", recs.Skipped)
	}
}

func TestHRV(t *testing.T) {
	recs := normalize(t, ingesttest.ReadFixture(t, "garmin_push_hrv.json"))
	avg := findBatch(t, recs, "garmin:daily", "heart_rate_variability_rmssd").Samples
	if len(avg) != 1 || avg[0].Value != 84 || !avg[0].Time.Equal(unix(1768340715)) || !*avg[0].IsDailyTotal {
		t.Errorf("night average %+v", avg)
	}
	values := findBatch(t, recs, "garmin:device", "heart_rate_variability_rmssd").Samples
	if len(values) != 3 || !values[0].Time.Equal(unix(1768340715+265)) || values[0].Value != 70 || values[2].Value != 68 {
		t.Errorf("hrv values %+v", values)
	}
}

func TestActivities(t *testing.T) {
	recs := normalize(t, ingesttest.ReadFixture(t, "garmin_push_activities.json"))
	if len(recs.Workouts) != 4 {
		t.Fatalf("%d workouts, want 4", len(recs.Workouts))
	}
	run := recs.Workouts[0]
	if run.Type != "running" || run.Name != "Morning Run" || run.ProviderRecordID != "21047282990" {
		t.Errorf("run %q %q %q", run.Type, run.Name, run.ProviderRecordID)
	}
	if !run.StartTime.Equal(unix(1763597760)) || !run.EndTime.Equal(unix(1763597760+3600)) || run.ZoneOffset != 60 || run.DurationSeconds != 3600 {
		t.Errorf("run times %v–%v %+d %v", run.StartTime, run.EndTime, run.ZoneOffset, run.DurationSeconds)
	}
	wantFloat(t, "calories", run.CaloriesKcal, 712)
	wantFloat(t, "distance", run.DistanceMeters, 10012.4)
	wantFloat(t, "avg hr", run.AvgHeartRateBPM, 148)
	wantFloat(t, "max hr", run.MaxHeartRateBPM, 176)
	wantFloat(t, "avg speed", run.AvgSpeedMPS, 2.781)
	wantFloat(t, "max speed", run.MaxSpeedMPS, 4.102)
	wantFloat(t, "pace", run.AvgPaceSecPerKm, ingest.Tidy(1000/2.781))
	wantFloat(t, "elevation gain", run.ElevationGainMeters, 64.2)
	wantFloat(t, "steps", run.Steps, 9830)
	wantSource := schemas.Source{Provider: "garmin", ID: "garmin:Forerunner 965", Device: "Forerunner 965"}
	if run.Source != wantSource {
		t.Errorf("source %+v, want %+v", run.Source, wantSource)
	}

	ride := recs.Workouts[1]
	if ride.Type != "indoor_cycling" || ride.ZoneOffset != -300 || ride.Source.ID != "garmin:Edge 1040" {
		t.Errorf("VIRTUAL_RIDE: %q %+d %q", ride.Type, ride.ZoneOffset, ride.Source.ID)
	}
	wantFloat(t, "ride pace", ride.AvgPaceSecPerKm, ingest.Tidy(1000/8.191))

	swim := recs.Workouts[2]
	if swim.Type != "pool_swimming" || swim.AvgHeartRateBPM != nil {
		t.Errorf("LAP_SWIMMING: %q, hr %v", swim.Type, swim.AvgHeartRateBPM)
	}
	wantFloat(t, "swim pace from duration and distance", swim.AvgPaceSecPerKm, ingest.Tidy(2410/1.5))

	gym := recs.Workouts[3]
	if gym.Type != "strength_training" || gym.Source.ID != "garmin:device" || gym.DistanceMeters != nil || gym.CaloriesKcal != nil || gym.AvgPaceSecPerKm != nil {
		t.Errorf("manual strength session %+v", gym)
	}
	if len(recs.Samples) != 0 || len(recs.Skipped) != 0 {
		t.Errorf("samples %d, skipped %v", len(recs.Samples), recs.Skipped)
	}
}

func TestActivityDetails(t *testing.T) {
	recs := normalize(t, ingesttest.ReadFixture(t, "garmin_push_activity_details.json"))
	if len(recs.Workouts) != 1 {
		t.Fatalf("%d workouts, want 1", len(recs.Workouts))
	}
	// The details' workout is the activity's workout.
	summary := normalize(t, ingesttest.ReadFixture(t, "garmin_push_activities.json")).Workouts[0]
	if w := recs.Workouts[0]; w.ID != summary.ID || w.ProviderRecordID != "21047282990" || w.Type != "running" {
		t.Errorf("details workout %s %q %q, want the activity's id %s", w.ID, w.ProviderRecordID, w.Type, summary.ID)
	}
	f := func(series string, first, last float64) {
		t.Helper()
		b := findBatch(t, recs, "garmin:Forerunner 965", series)
		if len(b.Samples) != 5 {
			t.Fatalf("%s: %d samples, want 5", series, len(b.Samples))
		}
		if b.Samples[0].Value != first || b.Samples[4].Value != last {
			t.Errorf("%s: %v … %v, want %v … %v", series, b.Samples[0].Value, b.Samples[4].Value, first, last)
		}
		if !b.Samples[1].Time.Equal(unix(1763597775)) || b.Samples[1].ZoneOffset != 60 {
			t.Errorf("%s: second sample at %v %+d", series, b.Samples[1].Time, b.Samples[1].ZoneOffset)
		}
	}
	f("heart_rate", 112, 132)
	f("speed", 2.4, 2.7)
	f("cadence", 160, 166)
	f("elevation", 101.4, 102.6)
	f("latitude", 52.229676, 52.230876)
	f("longitude", 21.012229, 21.014029)
	if len(recs.Samples) != 6 || len(recs.Skipped) != 0 {
		t.Errorf("%d batches (want 6), skipped %v", len(recs.Samples), recs.Skipped)
	}
}

func TestWellnessConversions(t *testing.T) {
	f := func(body, source, series string, want float64, at time.Time, zone int32) {
		t.Helper()
		recs := normalize(t, []byte(body))
		b := findBatch(t, recs, source, series)
		if len(b.Samples) != 1 {
			t.Fatalf("%s: %d samples, want 1 (skipped %v)", series, len(b.Samples), recs.Skipped)
		}
		s := b.Samples[0]
		if s.Value != want || !s.Time.Equal(at) || s.ZoneOffset != zone {
			t.Errorf("%s: %v at %v %+d, want %v at %v %+d", series, s.Value, s.Time, s.ZoneOffset, want, at, zone)
		}
	}
	const bc = `{"bodyComps":[{"userId":"u","summaryId":"b1","measurementTimeInSeconds":1768377600,"measurementTimeOffsetInSeconds":-14400,` +
		`"weightInGrams":72300,"bodyFatInPercent":18.5,"bodyMassIndex":23.1,"muscleMassInGrams":33650,"boneMassInGrams":3100}]}`
	f(bc, "garmin:device", "weight", 72.3, unix(1768377600), -240)
	f(bc, "garmin:device", "skeletal_muscle_mass", 33.65, unix(1768377600), -240)
	f(bc, "garmin:device", "body_fat_percentage", 18.5, unix(1768377600), -240)
	f(bc, "garmin:device", "body_mass_index", 23.1, unix(1768377600), -240)

	const bp = `{"bloodPressures":[{"userId":"u","summaryId":"p1","measurementTimeInSeconds":1768377600,"measurementTimeOffsetInSeconds":19800,"systolic":121,"diastolic":79,"pulse":64,"sourceType":"MANUAL"}]}`
	f(bp, "garmin:device", "blood_pressure_systolic", 121, unix(1768377600), 330)
	f(bp, "garmin:device", "blood_pressure_diastolic", 79, unix(1768377600), 330)

	const um = `{"userMetrics":[{"userId":"u","summaryId":"m1","calendarDate":"2026-01-14","vo2Max":48.0,"fitnessAge":32,"enhanced":true}]}`
	f(um, "garmin:daily", "vo2_max", 48, time.Date(2026, 1, 14, 0, 0, 0, 0, time.UTC), 0)
	f(um, "garmin:daily", "garmin_fitness_age", 32, time.Date(2026, 1, 14, 0, 0, 0, 0, time.UTC), 0)

	const st = `{"skinTemp":[{"userId":"u","summaryId":"s1","calendarDate":"2026-01-14","avgDeviationCelsius":-0.4,"durationInSeconds":25000,"startTimeInSeconds":1768340460,"startTimeOffsetInSeconds":3600}]}`
	f(st, "garmin:daily", "skin_temperature_deviation", -0.4, unix(1768340460), 60)

	const rr = `{"allDayRespiration":[{"userId":"u","summaryId":"r1","startTimeInSeconds":1768340460,"startTimeOffsetInSeconds":3600,"durationInSeconds":900,"timeOffsetEpochToBreaths":{"60":14.5,"120":0}}]}`
	f(rr, "garmin:device", "respiratory_rate", 14.5, unix(1768340520), 60)

	const hs = `{"healthSnapshot":[{"userId":"u","summaryId":"h1","calendarDate":"2026-01-14","startTimeInSeconds":1768377600,"startTimeOffsetInSeconds":3600,"durationInSeconds":120,` +
		`"summaries":[{"summaryType":"heart_rate","minValue":60,"maxValue":70,"avgValue":64},{"summaryType":"sdrr_hrv","avgValue":51.5},{"summaryType":"spo2","avgValue":97,"epochSummaries":{"60":96}}]}]}`
	f(hs, "garmin:device", "heart_rate", 64, unix(1768377600), 60)
	f(hs, "garmin:device", "heart_rate_variability_sdnn", 51.5, unix(1768377600), 60)
	f(hs, "garmin:device", "oxygen_saturation", 96, unix(1768377660), 60)
}

func TestPulseOxZeroSkipped(t *testing.T) {
	body := []byte(`{"pulseox":[{"userId":"u","summaryId":"p","calendarDate":"2026-01-14","startTimeInSeconds":1768340460,"startTimeOffsetInSeconds":3600,` +
		`"durationInSeconds":180,"timeOffsetSpo2Values":{"0":95,"60":0,"120":97},"onDemand":false}]}`)
	recs := normalize(t, body)
	s := findBatch(t, recs, "garmin:device", "oxygen_saturation").Samples
	if len(s) != 2 || s[0].Value != 95 || s[1].Value != 97 || !s[1].Time.Equal(unix(1768340580)) {
		t.Errorf("spo2 %+v, want 95 and 97 without the 0", s)
	}
	if recs.Skipped[reasonZeroSpO2] != 1 || len(recs.Skipped) != 1 {
		t.Errorf("skipped %v, want one zero reading", recs.Skipped)
	}
}

func TestIDsAreDeterministic(t *testing.T) {
	for _, name := range fixtures {
		body := ingesttest.ReadFixture(t, name)
		a, b := normalize(t, body), normalize(t, body)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s: two runs differ", name)
		}
	}

	recs := normalize(t, ingesttest.ReadFixture(t, "garmin_push_activities.json"))
	if want := schemas.RecordID("tenant-1", "user-1", "garmin", "workout", "21047282990"); recs.Workouts[0].ID != want {
		t.Errorf("workout id %s, want %s", recs.Workouts[0].ID, want)
	}
	recs = normalize(t, ingesttest.ReadFixture(t, "garmin_push_sleeps.json"))
	if want := schemas.RecordID("tenant-1", "user-1", "garmin", "sleep", "x5b70ccc-6966bbec"); recs.Sleep[0].ID != want {
		t.Errorf("sleep id %s, want %s", recs.Sleep[0].ID, want)
	}
	b := recs.Samples[0]
	if want := schemas.NameID("tenant-1", "user-1", "garmin", "samples", b.Source.ID, b.SeriesType, "raw-1"); b.ID != want {
		t.Errorf("batch id %s, want %s", b.ID, want)
	}
	if b.Version != receivedAt.UnixMilli() || b.RawEventID != "raw-1" || !b.IngestedAt.Equal(receivedAt) || b.Tenant != "tenant-1" || b.UserID != "user-1" {
		t.Errorf("context fields %+v", b)
	}

	// A re-delivery of the same night in another raw event keeps the
	// night's id and gets a higher version.
	ctx := testContext()
	ctx.RawEventID, ctx.ReceivedAt = "raw-2", receivedAt.Add(time.Hour)
	again, err := Normalize(ctx, ingesttest.ReadFixture(t, "garmin_push_sleeps.json"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Sleep[0].ID != recs.Sleep[0].ID || again.Sleep[0].Version <= recs.Sleep[0].Version {
		t.Errorf("re-delivered night: id %s version %d, first %s version %d", again.Sleep[0].ID, again.Sleep[0].Version, recs.Sleep[0].ID, recs.Sleep[0].Version)
	}
	if again.Samples[0].ID == recs.Samples[0].ID {
		t.Error("batches of two raw events share an id")
	}
}

func TestNoDataBodies(t *testing.T) {
	f := func(name string, want map[string]int) {
		t.Helper()
		recs := normalize(t, ingesttest.ReadFixture(t, name))
		if recs.Len() != 0 {
			t.Errorf("%s: %d records, want none", name, recs.Len())
		}
		if len(recs.Skipped) != len(want) {
			t.Errorf("%s: skipped %v, want %v", name, recs.Skipped, want)
		}
		for reason, n := range want {
			if recs.Skipped[reason] != n {
				t.Errorf("%s: skipped %v, want %v", name, recs.Skipped, want)
			}
		}
	}
	f("garmin_ping.json", map[string]int{reasonPing: 2})
	f("garmin_push_activity_files.json", map[string]int{"activity file notification (the file is fetched from its callbackURL)": 1})
	f("garmin_push_lifecycle.json", map[string]int{"deregistration notification": 1, "permission change notification": 1})
}

func TestBadBodies(t *testing.T) {
	fail := func(body, wantErr string) {
		t.Helper()
		_, err := Normalize(testContext(), []byte(body))
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("Normalize(%s): error %v, want one containing %q", body, err, wantErr)
		}
	}
	fail(`not json`, "cannot decode garmin push body")
	fail(`[{"userId":"u"}]`, "cannot decode garmin push body")
	fail(`null`, "no known summary type")
	fail(`{}`, "no known summary type")
	fail(`{"somethingNew":[{"userId":"u"}]}`, "no known summary type")
	fail(`{"dailies":{"userId":"u"}}`, "no known summary type")

	ok := func(body string, want map[string]int) {
		t.Helper()
		recs, err := Normalize(testContext(), []byte(body))
		if err != nil {
			t.Fatalf("Normalize(%s): %v", body, err)
		}
		for reason, n := range want {
			if recs.Skipped[reason] != n {
				t.Errorf("Normalize(%s): skipped %v, want %v", body, recs.Skipped, want)
			}
		}
	}
	ok(`{"dailies":[],"somethingNew":[{}]}`, map[string]int{"unknown summary type somethingNew": 1})
	ok(`{"dailies":[{"userId":"u","startTimeInSeconds":1768258800,"steps":5,"newField":1,"userAccessToken":"t"}]}`,
		map[string]int{"unknown field dailies.newField": 1})
	ok(`{"dailies":[{"userId":"u","steps":5}]}`, map[string]int{"invalid dailies item": 1})
	ok(`{"dailies":[{"userId":"u","startTimeInSeconds":"soon"}]}`, map[string]int{"invalid dailies item": 1})
	ok(`{"dailies":[{"userId":"u","startTimeInSeconds":1768258800,"timeOffsetHeartRateSamples":{"0":50,"x":51,"60":null}}]}`,
		map[string]int{reasonBadOffsetKey: 2})
	ok(`{"sleeps":[{"userId":"u","startTimeInSeconds":1768340460,"durationInSeconds":600,"sleepLevelsMap":{"snoring":[{"startTimeInSeconds":1768340460,"endTimeInSeconds":1768340560}]}}]}`,
		map[string]int{"unknown sleep stage snoring": 1})
	ok(`{"mct":[{"userId":"u"}],"moveIQActivities":[{"userId":"u"}]}`,
		map[string]int{"mct item (no canonical record type)": 1, "moveIQActivities item (no canonical record type)": 1})
}

func BenchmarkNormalize(b *testing.B) {
	body := ingesttest.ReadFixture(b, "garmin_push_dailies.json")
	ctx := testContext()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		recs, err := Normalize(ctx, body)
		if err != nil || len(recs.Samples) == 0 {
			b.Fatalf("%v %+v", err, recs.Skipped)
		}
	}
}
