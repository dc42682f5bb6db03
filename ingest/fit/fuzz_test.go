package fit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

// FuzzNormalize feeds arbitrary bytes to the FIT path (checksum, decoder,
// normaliser): no panic, and what comes out is well formed.
func FuzzNormalize(f *testing.F) {
	f.Add(encodedActivity(f))
	dir := ingesttest.FITCorpusDir(f)
	for _, name := range []string{"from_official_sdk/activity_multisport.fit", "from_official_sdk/activity_poolswim.fit", "from_official_sdk/activity_truncated.fit"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(".FIT"))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := Normalize(testContext(), b)
		if err != nil {
			return
		}
		for _, w := range recs.Workouts {
			if !schemas.IsWorkoutType(w.Type) || w.EndTime.Before(w.StartTime) || w.ID == "" {
				t.Fatalf("bad workout %+v", w)
			}
		}
		for _, s := range recs.Samples {
			if len(s.Samples) == 0 {
				t.Fatalf("empty batch %s", s.SeriesType)
			}
			for i := 1; i < len(s.Samples); i++ {
				if !s.Samples[i].Time.After(s.Samples[i-1].Time) {
					t.Fatalf("%s: samples not ordered", s.SeriesType)
				}
			}
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(ingesttest.FITCorpusDir(b), "big_activity.fit"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Normalize(testContext(), data); err != nil {
			b.Fatal(err)
		}
	}
}
