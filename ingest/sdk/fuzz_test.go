package sdk

import (
	"testing"

	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

func FuzzNormalize(f *testing.F) {
	ingesttest.SeedFixtures(f, fixtures...)
	f.Add([]byte(`{"provider":"apple","data":{"records":[{"type":"HKQuantityTypeIdentifierHeartRate","startDate":5,"value":"1"}]}}`))
	f.Add([]byte(`{"provider":"google","data":{"records":[{"type":"BLOOD_GLUCOSE","startDate":"2026-01-14T12:30:00Z","zoneOffset":"-05:00","value":6.1,"unit":"mmol/L"}]}}`))
	f.Add([]byte(`{"provider":"apple","data":{"sleep":[` +
		`{"stage":"in_bed","startDate":"2026-01-13T21:35:00Z","endDate":"2026-01-14T05:58:00Z","source":{"bundleIdentifier":"p"}},` +
		`{"stage":"light","startDate":"2026-01-13T21:40:00Z","endDate":"2026-01-14T01:00:00Z","zoneOffset":"+01:00","source":{"bundleIdentifier":"w"}},` +
		`{"stage":"awake","startDate":"2026-01-14T00:50:00Z","endDate":"2026-01-14T01:10:00Z","source":{"bundleIdentifier":"w"}}]}}`))
	f.Add([]byte(`{"provider":"samsung","data":{"workouts":[{"id":"w","type":"RUNNING","startDate":"2026-02-24T06:00:00Z",` +
		`"endDate":"2026-02-24T06:45:00Z","values":[{"type":"duration","value":2700000,"unit":"ms"},{"type":"meanSpeed","value":"1.5"},` +
		`{"type":"distance","value":5,"unit":"km"},{"type":"meanCadence","value":165}]}]}}`))
	f.Add([]byte(`{"provider":"apple","data":{"workouts":[{"type":"running","startDate":"2026-01-14T06:00:00Z","endDate":"2026-01-14T06:30:00Z",` +
		`"route":[{"timestamp":"2026-01-14T06:00:05Z","latitude":52.2,"longitude":"21.0","altitudeM":101}],` +
		`"samples":[{"timestamp":"2026-01-14T06:01:00Z","type":"heartRate","value":131}],` +
		`"laps":[{"startDate":"2026-01-14T06:00:00Z","duration":300,"distance":{"value":1,"unit":"km"}}],"segments":[{"start":"x"}]}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, parseErr := Parse(body)
		recs, err := Normalize(testContext(""), body)
		if (parseErr == nil) != (err == nil) {
			t.Fatalf("Parse error %v but Normalize error %v", parseErr, err)
		}
		if err != nil {
			return
		}
		ingesttest.CheckBatches(t, recs.Samples)
		for _, w := range recs.Workouts {
			if !schemas.IsWorkoutType(w.Type) || w.EndTime.Before(w.StartTime) || w.ID == "" {
				t.Fatalf("bad workout %+v", w)
			}
		}
		for _, s := range recs.Sleep {
			if !s.EndTime.After(s.StartTime) || s.SleepDurationSeconds < 0 || s.SleepDurationSeconds > s.InBedSeconds {
				t.Fatalf("bad sleep %+v", s)
			}
		}
	})
}
