package polar

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

func FuzzNormalize(f *testing.F) {
	for _, name := range fixtures {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(exerciseWithSamples))
	f.Add([]byte(`[{"id":"a","sport":"RUNNING","start_time":"2026-01-14T07:00:00","start_time_utc_offset":"60","duration":"PT1H"},{"start_time":"2026-01-14T00:00:00","steps":1}]`))
	f.Add([]byte(`{"heart_rates":[{"date":"2026-01-14","heart_rate_samples":[{"heart_rate":"60","sample_time":"01:00"}]}]}`))
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
				if (st.Aggregation == schemas.AggSum) != (s.IsDailyTotal != nil) {
					t.Fatalf("%s: is_daily_total %v", b.SeriesType, s.IsDailyTotal)
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
			for _, iv := range s.Intervals {
				if !iv.End.After(iv.Start) || iv.Start.Before(s.StartTime) || iv.End.After(s.EndTime) {
					t.Fatalf("bad interval %+v in %v – %v", iv, s.StartTime, s.EndTime)
				}
			}
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	body := readFixture(b, "polar_exercise.json")
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

// BenchmarkNormalizeSamples measures an exercise of one hour with heart
// rate, speed, cadence, altitude and power recorded every second.
func BenchmarkNormalizeSamples(b *testing.B) {
	body := syntheticExercise(3600)
	ctx := testContext()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		recs, err := Normalize(ctx, body)
		if err != nil || len(recs.Samples) != 5 || len(recs.Samples[0].Samples) != 3600 {
			b.Fatalf("%v %+v", err, recs.Skipped)
		}
	}
}

func syntheticExercise(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"id":"B1","device":"Polar Vantage V2","device_id":"A1B2C3D4","start_time":"2026-01-14T07:00:00",` +
		`"start_time_utc_offset":60,"duration":"PT1H","sport":"RUNNING","calories":700,"distance":12000,` +
		`"heart_rate":{"average":150,"maximum":178},"samples":[`)
	for code := range 5 {
		if code > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"recording-rate":1,"sample-type":"%d","data":"`, code)
		for i := range n {
			if i > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, "%d.%d", 100+i%60, i%10)
		}
		buf.WriteString(`"}`)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}
