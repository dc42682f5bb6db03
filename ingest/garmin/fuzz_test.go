package garmin

import (
	"testing"

	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func FuzzNormalize(f *testing.F) {
	ingesttest.SeedFixtures(f, fixtures...)
	f.Add([]byte(`{"pulseox":[{"userId":"u","startTimeInSeconds":1768340460,"startTimeOffsetInSeconds":3600,"timeOffsetSpo2Values":{"0":95,"60":0,"x":1}}]}`))
	f.Add([]byte(`{"bodyComps":[{"userId":"u","measurementTimeInSeconds":1768377600,"measurementTimeOffsetInSeconds":-14400,"weightInGrams":72300}],` +
		`"bloodPressures":[{"userId":"u","measurementTimeInSeconds":1768377600,"systolic":121,"diastolic":79}]}`))
	f.Add([]byte(`{"userMetrics":[{"userId":"u","calendarDate":"2026-01-14","vo2Max":48}],"skinTemp":[{"userId":"u","calendarDate":"2026-01-14","avgDeviationCelsius":-0.4}],` +
		`"healthSnapshot":[{"userId":"u","startTimeInSeconds":1768377600,"summaries":[{"summaryType":"stress","avgValue":-1,"epochSummaries":{"0":20}}]}]}`))
	f.Add([]byte(`{"sleeps":[{"userId":"u","startTimeInSeconds":1768340460,"durationInSeconds":60,"sleepLevelsMap":{"deep":[{"startTimeInSeconds":1768340400,"endTimeInSeconds":1768340460}]},` +
		`"naps":[{"napStartTimeInSeconds":1768401000,"napDurationInSeconds":-5}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Normalize(testContext(), body)
		if err != nil {
			return
		}
		ingesttest.CheckBatches(t, recs.Samples)
		for _, b := range recs.Samples {
			for _, s := range b.Samples {
				if s.IsDailyTotal == nil {
					t.Fatalf("%s: sample %+v", b.SeriesType, s)
				}
				if s.ZoneOffset < -18*60 || s.ZoneOffset > 18*60 {
					t.Fatalf("%s: zone offset %d", b.SeriesType, s.ZoneOffset)
				}
			}
		}
		ingesttest.CheckWorkouts(t, recs.Workouts)
		ingesttest.CheckSleep(t, recs.Sleep)
		ingesttest.CheckIntervals(t, recs.Sleep)
		// The parsers never fail where Normalize succeeded.
		if _, err := ParsePing(body); err != nil {
			t.Fatal(err)
		}
		if _, err := SplitByUser(body); err != nil {
			t.Fatal(err)
		}
	})
}
