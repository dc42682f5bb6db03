package suunto

import (
	"math"
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

func FuzzNormalize(f *testing.F) {
	for _, name := range fixtures {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`[{"timestamp":"2026-05-17T10:00:00+02:00","entryData":{"HR":"60","SpO2":0.9}},{"workoutKey":"k","startTime":1,"stopTime":2}]`))
	f.Add([]byte(`{"error":null,"payload":[{"workoutKey":"k","activityId":"0","startTime":"1779025042670","totalTime":"12.5","timeOffsetInMinutes":-90}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Normalize(testContext(), body)
		if err != nil {
			return
		}
		for _, b := range recs.Samples {
			st, ok := schemas.LookupSeriesType(b.SeriesType)
			if !ok || st.Unit != b.Unit || b.ID == "" || len(b.Samples) == 0 {
				t.Fatalf("bad batch %+v", b)
			}
			for i, s := range b.Samples {
				if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
					t.Fatalf("%s: value %v", b.SeriesType, s.Value)
				}
				if i > 0 && !s.Time.After(b.Samples[i-1].Time) {
					t.Fatalf("%s: samples not strictly ordered", b.SeriesType)
				}
			}
		}
		for _, w := range recs.Workouts {
			if !schemas.IsWorkoutType(w.Type) || w.EndTime.Before(w.StartTime) || w.ID == "" || w.DurationSeconds < 0 {
				t.Fatalf("bad workout %+v", w)
			}
		}
		for _, s := range recs.Sleep {
			if !s.EndTime.After(s.StartTime) || s.SleepDurationSeconds < 0 || s.SleepDurationSeconds > s.InBedSeconds || s.ID == "" {
				t.Fatalf("bad sleep %+v", s)
			}
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	body := readFixture(b, "suunto_workout.json")
	ctx := testContext()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		recs, err := Normalize(ctx, body)
		if err != nil || len(recs.Workouts) != 1 {
			b.Fatal(err)
		}
	}
}
