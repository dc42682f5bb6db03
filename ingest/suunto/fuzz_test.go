package suunto

import (
	"testing"

	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func FuzzNormalize(f *testing.F) {
	ingesttest.SeedFixtures(f, fixtures...)
	f.Add([]byte(`[{"timestamp":"2026-05-17T10:00:00+02:00","entryData":{"HR":"60","SpO2":0.9}},{"workoutKey":"k","startTime":1,"stopTime":2}]`))
	f.Add([]byte(`{"error":null,"payload":[{"workoutKey":"k","activityId":"0","startTime":"1779025042670","totalTime":"12.5","timeOffsetInMinutes":-90}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Normalize(testContext(), body)
		if err != nil {
			return
		}
		ingesttest.CheckBatches(t, recs.Samples)
		ingesttest.CheckWorkouts(t, recs.Workouts)
		ingesttest.CheckSleep(t, recs.Sleep)
	})
}

func BenchmarkNormalize(b *testing.B) {
	body := ingesttest.ReadFixture(b, "suunto_workout.json")
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
