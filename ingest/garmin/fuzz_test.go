package garmin

import (
	"math"
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

func FuzzNormalize(f *testing.F) {
	for _, name := range fixtures {
		f.Add(readFixture(f, name))
	}
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
		for _, b := range recs.Samples {
			st, ok := schemas.LookupSeriesType(b.SeriesType)
			if !ok || st.Unit != b.Unit || b.ID == "" || len(b.Samples) == 0 {
				t.Fatalf("bad batch %+v", b)
			}
			for i, s := range b.Samples {
				if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.IsDailyTotal == nil {
					t.Fatalf("%s: sample %+v", b.SeriesType, s)
				}
				if s.ZoneOffset < -18*60 || s.ZoneOffset > 18*60 {
					t.Fatalf("%s: zone offset %d", b.SeriesType, s.ZoneOffset)
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
			if !s.EndTime.After(s.StartTime) || s.ID == "" || s.SleepDurationSeconds < 0 || s.SleepDurationSeconds > s.InBedSeconds {
				t.Fatalf("bad sleep %+v", s)
			}
			for _, iv := range s.Intervals {
				if !iv.End.After(iv.Start) || iv.Start.Before(s.StartTime) || iv.End.After(s.EndTime) {
					t.Fatalf("bad interval %+v in %v–%v", iv, s.StartTime, s.EndTime)
				}
			}
		}
		// The parsers never fail where Normalize succeeded.
		if _, err := ParsePing(body); err != nil {
			t.Fatal(err)
		}
		if _, err := SplitByUser(body); err != nil {
			t.Fatal(err)
		}
	})
}
