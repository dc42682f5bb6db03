package polar

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

func FuzzNormalize(f *testing.F) {
	ingesttest.SeedFixtures(f, fixtures...)
	f.Add([]byte(exerciseWithSamples))
	f.Add([]byte(`[{"id":"a","sport":"RUNNING","start_time":"2026-01-14T07:00:00","start_time_utc_offset":"60","duration":"PT1H"},{"start_time":"2026-01-14T00:00:00","steps":1}]`))
	f.Add([]byte(`{"heart_rates":[{"date":"2026-01-14","heart_rate_samples":[{"heart_rate":"60","sample_time":"01:00"}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Normalize(testContext(), body)
		if err != nil {
			return
		}
		ingesttest.CheckBatches(t, recs.Samples)
		for _, b := range recs.Samples {
			st, _ := schemas.LookupSeriesType(b.SeriesType)
			for _, s := range b.Samples {
				if (st.Aggregation == schemas.AggSum) != (s.IsDailyTotal != nil) {
					t.Fatalf("%s: is_daily_total %v", b.SeriesType, s.IsDailyTotal)
				}
			}
		}
		ingesttest.CheckWorkouts(t, recs.Workouts)
		ingesttest.CheckSleep(t, recs.Sleep)
		ingesttest.CheckIntervals(t, recs.Sleep)
	})
}

func BenchmarkNormalize(b *testing.B) {
	body := ingesttest.ReadFixture(b, "polar_exercise.json")
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
