// Package ingesttest holds what the tests of the provider normalisers
// share: fixtures in testdata/, golden files (rewritten with go test
// -update), fuzz seeds and the checks every normaliser's output passes.
package ingesttest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// ReadFixture returns the contents of testdata/name.
func ReadFixture(t testing.TB, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// SeedFixtures adds each fixture in testdata/ to the seed corpus of f.
func SeedFixtures(f *testing.F, names ...string) {
	f.Helper()
	for _, name := range names {
		f.Add(ReadFixture(f, name))
	}
}

// Golden compares v, as indented JSON, with the golden file testdata/name,
// which go test -update rewrites.
func Golden(t testing.TB, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s; run go test -update and review the diff\n%s", path, got)
	}
}

// goldenRecords is what a provider's golden file holds: the records of a
// body, without the fields that only some normalisers fill, so that adding
// one does not change the golden files of the others. Summaries appear
// only in the golden files of providers that give scores, Deletions only
// in those of deletes.
type goldenRecords struct {
	Samples   []schemas.SampleBatch
	Workouts  []schemas.Workout
	Sleep     []schemas.Sleep
	Summaries []schemas.Summary      `json:",omitempty"`
	Deletions []ingest.RangeDeletion `json:",omitempty"`
	Skipped   map[string]int
}

// GoldenRecords compares the records normalised from testdata/fixture
// with testdata/<fixture without .json>.golden.json.
func GoldenRecords(t testing.TB, fixture string, recs ingest.Records) {
	t.Helper()
	Golden(t, strings.TrimSuffix(fixture, ".json")+".golden.json",
		goldenRecords{recs.Samples, recs.Workouts, recs.Sleep, recs.Summaries, recs.Deletions, recs.Skipped})
}

// IDs lists the ids of the records, one a line: batches, workouts, sleep,
// summaries.
func IDs(r ingest.Records) string {
	var sb strings.Builder
	for _, b := range r.Samples {
		fmt.Fprintln(&sb, b.ID)
	}
	for _, w := range r.Workouts {
		fmt.Fprintln(&sb, w.ID)
	}
	for _, s := range r.Sleep {
		fmt.Fprintln(&sb, s.ID)
	}
	for _, s := range r.Summaries {
		fmt.Fprintln(&sb, s.ID)
	}
	return sb.String()
}

// CheckStableIDs normalises each fixture twice with ctx and once with
// other, a context of another user or tenant: the two runs must give the
// same ids, one per record, and none of them may be other's.
func CheckStableIDs(t *testing.T, normalize ingest.Normalizer, ctx, other ingest.Context, fixtures ...string) {
	t.Helper()
	for _, name := range fixtures {
		body := ReadFixture(t, name)
		a, err := normalize(ctx, body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := normalize(ctx, body)
		if IDs(a) != IDs(b) {
			t.Errorf("%s: normalising twice gave different ids", name)
		}
		c, _ := normalize(other, body)
		seen := map[string]bool{}
		for _, id := range strings.Fields(IDs(a)) {
			seen[id] = true
		}
		for _, id := range strings.Fields(IDs(c)) {
			if seen[id] {
				t.Errorf("%s: id %s shared by %s/%s and %s/%s", name, id, ctx.Tenant, ctx.UserID, other.Tenant, other.UserID)
			}
		}
		if len(seen) != a.Len() {
			t.Errorf("%s: %d distinct ids for %d records", name, len(seen), a.Len())
		}
	}
}

// CheckBatches fails t unless every batch is of a catalog series type in
// its unit, has an id and samples, and holds finite values in strictly
// increasing time order.
func CheckBatches(t *testing.T, batches []schemas.SampleBatch) {
	t.Helper()
	for _, b := range batches {
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
}

// CheckWorkouts fails t unless every workout has a unified type, an id, a
// duration that is not negative and an end that is not before its start.
func CheckWorkouts(t *testing.T, workouts []schemas.Workout) {
	t.Helper()
	for _, w := range workouts {
		if !schemas.IsWorkoutType(w.Type) || w.EndTime.Before(w.StartTime) || w.ID == "" || w.DurationSeconds < 0 {
			t.Fatalf("bad workout %+v", w)
		}
	}
}

// CheckSleep fails t unless every session has an id, ends after it
// starts, and sleeps no less than zero and no longer than it is in bed.
func CheckSleep(t *testing.T, sleep []schemas.Sleep) {
	t.Helper()
	for _, s := range sleep {
		if !s.EndTime.After(s.StartTime) || s.SleepDurationSeconds < 0 || s.SleepDurationSeconds > s.InBedSeconds || s.ID == "" {
			t.Fatalf("bad sleep %+v", s)
		}
	}
}

// CheckIntervals fails t unless every stage interval of every session is
// not empty and lies within its session.
func CheckIntervals(t *testing.T, sleep []schemas.Sleep) {
	t.Helper()
	for _, s := range sleep {
		for _, iv := range s.Intervals {
			if !iv.End.After(iv.Start) || iv.Start.Before(s.StartTime) || iv.End.After(s.EndTime) {
				t.Fatalf("bad interval %+v in %v – %v", iv, s.StartTime, s.EndTime)
			}
		}
	}
}

// FindBatch returns the one sample batch of series in recs, failing the
// test when there is none or more than one.
func FindBatch(t testing.TB, recs ingest.Records, series string) schemas.SampleBatch {
	t.Helper()
	var found []schemas.SampleBatch
	for _, b := range recs.Samples {
		if b.SeriesType == series {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s batch, got %d", series, len(found))
	}
	return found[0]
}

// WantFloat reports an error unless got is set and equal to want.
func WantFloat(t testing.TB, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got nil, want %v", what, want)
		return
	}
	if *got != want {
		t.Errorf("%s: got %v, want %v", what, *got, want)
	}
}

// UTC parses an RFC 3339 time for a test table; it panics on a typo.
func UTC(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// InRecordSpan reports whether at lies in the span the processor resolves
// one of the records of recs to when a delete names it: [start, end] of a
// workout or sleep session, a summary's recorded time or its Spans entry.
func InRecordSpan(recs ingest.Records, at time.Time) bool {
	in := func(id string, start, end time.Time) bool {
		if span, ok := recs.Spans[id]; ok {
			start, end = span.Start, span.End
		}
		return !at.Before(start) && !at.After(end)
	}
	for _, w := range recs.Workouts {
		if in(w.ID, w.StartTime, w.EndTime) {
			return true
		}
	}
	for _, s := range recs.Sleep {
		if in(s.ID, s.StartTime, s.EndTime) {
			return true
		}
	}
	for _, s := range recs.Summaries {
		if in(s.ID, s.RecordedAt, s.RecordedAt) {
			return true
		}
	}
	return false
}

// CheckSampleDeletions checks that recs delete, with the record of id, the
// samples of want: one deletion per group, by the record, in order.
func CheckSampleDeletions(t testing.TB, recs ingest.Records, id string, want []ingest.SampleGroup) {
	t.Helper()
	if len(recs.Deletions) != len(want) {
		t.Fatalf("deletions %+v, want %d", recs.Deletions, len(want))
	}
	for i, d := range recs.Deletions {
		if d.Kind != ingest.DeleteSamples || d.Record != id || !d.Start.IsZero() || !d.End.IsZero() ||
			d.SourceID != want[i].SourceID || !slices.Equal(d.SeriesTypes, want[i].Series) {
			t.Errorf("deletion %+v, want %v from %s of %s", d, want[i].Series, want[i].SourceID, id)
		}
	}
}

// CheckSamplesDeletable checks that every sample of recs, normalised from
// fixture, is of a series groups lists for its source and lies in the span
// of one of the records of recs (InRecordSpan): a delete of the record
// then removes it.
func CheckSamplesDeletable(t testing.TB, fixture string, recs ingest.Records, groups []ingest.SampleGroup) {
	t.Helper()
	if len(recs.Samples) == 0 {
		t.Fatalf("%s: no samples", fixture)
	}
	for _, b := range recs.Samples {
		if !slices.ContainsFunc(groups, func(g ingest.SampleGroup) bool {
			return g.SourceID == b.Source.ID && slices.Contains(g.Series, b.SeriesType)
		}) {
			t.Errorf("%s: %s from %s is not among the series its delete removes", fixture, b.SeriesType, b.Source.ID)
		}
		for _, s := range b.Samples {
			if !InRecordSpan(recs, s.Time) {
				t.Errorf("%s: %s at %s lies outside every record's span", fixture, b.SeriesType, s.Time)
			}
		}
	}
}
