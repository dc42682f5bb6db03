package sdk

import (
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"testing"
	"time"
)

func TestWorkoutRouteSamplesAndLaps(t *testing.T) {
	body := `{"provider":"apple","data":{"workouts":[{"id":"w1","type":"running","startDate":"2026-01-14T06:00:00Z","endDate":"2026-01-14T06:30:00Z","zoneOffset":"+01:00",
	  "source":{"bundleIdentifier":"com.apple.health.watch","productType":"Watch7,5"},
	  "route":[
	    {"timestamp":"2026-01-14T06:00:05Z","latitude":52.2297,"longitude":21.0122,"altitudeM":101.4,"horizontalAccuracyM":4.1},
	    {"timestamp":"2026-01-14T06:00:10Z","latitude":"52.2298","longitude":21.0124,"altitudeM":null},
	    {"timestamp":"2026-01-14T06:00:15Z","latitude":95,"longitude":21},
	    {"timestamp":"2026-01-14T09:00:00Z","latitude":52,"longitude":21},
	    {"timestamp":7,"latitude":52,"longitude":21}],
	  "samples":[
	    {"timestamp":"2026-01-14T06:01:00Z","type":"heartRate","value":131,"unit":"count/min"},
	    {"timestamp":"2026-01-14T06:01:00Z","type":"speed","value":10.8,"unit":"km/hr"},
	    {"timestamp":"2026-01-14T06:01:00Z","type":"running_power","value":250,"unit":"W"},
	    {"timestamp":"2026-01-14T06:01:00Z","type":"cadence","value":170,"unit":"spm"},
	    {"timestamp":"2026-01-14T06:01:00Z","type":"flowState","value":1},
	    {"timestamp":"2026-01-14T06:01:00Z","type":"heartRate","value":"n/a"}],
	  "laps":[
	    {"startDate":"2026-01-14T06:00:00Z","endDate":"2026-01-14T06:05:00Z","distance":{"value":1,"unit":"km"},"averageHeartRate":128},
	    {"startDate":"2026-01-14T06:05:00Z","duration":290,"distance":1000,"averageSpeed":3.4},
	    {"endDate":"2026-01-14T06:20:00Z"}],
	  "segments":[{"startDate":"2026-01-14T06:00:00Z","endDate":"2026-01-14T06:15:00Z","calories":{"value":418.4,"unit":"kJ"}}]}]}}`
	recs, err := Normalize(testContext("apple"), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	w := recs.Workouts[0]
	lat := ingesttest.FindBatch(t, recs, "latitude")
	if lat.Source.ID != w.Source.ID || len(lat.Samples) != 2 || lat.Samples[1].Value != 52.2298 || lat.Samples[0].ZoneOffset != 60 {
		t.Fatalf("latitude %+v (workout source %s)", lat, w.Source.ID)
	}
	if lon := ingesttest.FindBatch(t, recs, "longitude"); len(lon.Samples) != 2 || lon.Samples[0].Value != 21.0122 {
		t.Fatalf("longitude %+v", lon.Samples)
	}
	if el := ingesttest.FindBatch(t, recs, "elevation"); len(el.Samples) != 1 || el.Samples[0].Value != 101.4 {
		t.Fatalf("elevation %+v", el.Samples)
	}
	at := time.Date(2026, 1, 14, 6, 1, 0, 0, time.UTC)
	for series, want := range map[string]float64{"heart_rate": 131, "speed": 3, "power": 250, "cadence": 170} {
		b := ingesttest.FindBatch(t, recs, series)
		if len(b.Samples) != 1 || !b.Samples[0].Time.Equal(at) || !near(b.Samples[0].Value, want, 1e-9) || b.Source.ID != w.Source.ID {
			t.Errorf("%s samples %+v, want %v at %v", series, b.Samples, want, at)
		}
	}
	for reason, n := range map[string]int{
		reasonInvalidRoute: 2, reasonOutsideWorkout: 1, reasonInvalidWSample: 1,
		reasonUnknownWSamplePf + "flowState": 1, reasonInvalidLap: 1,
	} {
		if recs.Skipped[reason] != n {
			t.Errorf("skipped[%q] = %d, want %d (all %v)", reason, recs.Skipped[reason], n, recs.Skipped)
		}
	}

	if len(w.Laps) != 3 {
		t.Fatalf("laps %+v", w.Laps)
	}
	l0, seg, l1 := w.Laps[0], w.Laps[1], w.Laps[2]
	if l0.Kind != "lap" || l0.Index != 0 || *l0.DistanceMeters != 1000 || *l0.AvgHeartRateBPM != 128 || l0.EndTime.Sub(l0.StartTime) != 5*time.Minute {
		t.Errorf("first lap %+v", l0)
	}
	if seg.Kind != "segment" || seg.Index != 0 || *seg.CaloriesKcal != 100 || seg.DistanceMeters != nil {
		t.Errorf("segment %+v", seg)
	}
	if l1.Kind != "lap" || l1.Index != 1 || l1.EndTime.Sub(l1.StartTime) != 290*time.Second || *l1.AvgSpeedMPS != 3.4 {
		t.Errorf("second lap %+v", l1)
	}
}

func TestWorkoutDetailOfWrongShape(t *testing.T) {
	body := `{"provider":"apple","data":{"workouts":[{"type":"running","startDate":"2026-01-14T06:00:00Z","endDate":"2026-01-14T06:30:00Z",
	  "route":{"not":"an array"},"samples":"x","laps":[1,"a",null]}]}}`
	recs, err := Normalize(testContext("apple"), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Workouts) != 1 || len(recs.Workouts[0].Laps) != 0 || len(recs.Samples) != 0 {
		t.Fatalf("the workout must be kept without detail: %+v", recs)
	}
	if recs.Skipped[reasonInvalidRoute] != 1 || recs.Skipped[reasonInvalidWSample] != 1 || recs.Skipped[reasonInvalidLap] != 3 {
		t.Fatalf("skipped %v", recs.Skipped)
	}
}
