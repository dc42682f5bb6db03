package applexml

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

// FuzzSplit feeds arbitrary bytes to the XML parser: it must not panic,
// and every chunk it emits must decode and normalise.
func FuzzSplit(f *testing.F) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "apple_health_export.xml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fixture)
	small, _ := io.ReadAll(NewSyntheticExport(30))
	f.Add(small)
	f.Add([]byte(`<HealthData><Record type="HKCategoryTypeIdentifierSleepAnalysis" startDate="2026-01-14 01:00:00 +0100" endDate="2026-01-14 00:00:00 +0100" value="HKCategoryValueSleepAnalysisAsleepREM"/></HealthData>`))
	f.Add([]byte(`<HealthData><Workout startDate="x"><WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" average="NaN"/></Workout></HealthData>`))
	f.Add([]byte(`<HealthData></Other></HealthData>`))
	f.Fuzz(func(t *testing.T, input []byte) {
		_, _ = Split(bytes.NewReader(input), Options{ChunkRecords: 3}, func(body []byte, n int) error {
			c, err := Decode(body)
			if err != nil {
				t.Fatalf("emitted chunk does not decode: %v", err)
			}
			if c.Len() != n || n == 0 {
				t.Fatalf("chunk of %d items reported as %d", c.Len(), n)
			}
			checkNormalized(t, body)
			return nil
		})
	})
}

// FuzzNormalize feeds arbitrary chunk bodies to the normaliser.
func FuzzNormalize(f *testing.F) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "apple_health_export.xml"))
	if err != nil {
		f.Fatal(err)
	}
	_, _ = Split(bytes.NewReader(fixture), Options{}, func(body []byte, _ int) error {
		f.Add(body)
		return nil
	})
	f.Add([]byte(`{"format":"apple-health-export/1","sources":[{"name":"x"}],"records":[{"type":"HKQuantityTypeIdentifierHeartRate","source":0,"start":"2026-01-14 07:20:00 +0100","end":"2026-01-14 07:19:00 +0100","value":"1e400"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, err := Decode(body); err != nil {
			return
		}
		checkNormalized(t, body)
	})
}

func checkNormalized(t *testing.T, body []byte) {
	t.Helper()
	recs, err := Normalize(testContext(), body)
	if err != nil {
		t.Fatalf("a decodable chunk does not normalise: %v", err)
	}
	for _, b := range recs.Samples {
		st, ok := schemas.LookupSeriesType(b.SeriesType)
		if !ok || st.Unit != b.Unit || len(b.Samples) == 0 {
			t.Fatalf("bad batch %+v", b)
		}
		for _, s := range b.Samples {
			if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
				t.Fatalf("%s: value %v", b.SeriesType, s.Value)
			}
		}
	}
	for _, w := range recs.Workouts {
		if !schemas.IsWorkoutType(w.Type) || w.EndTime.Before(w.StartTime) {
			t.Fatalf("bad workout %+v", w)
		}
	}
}
