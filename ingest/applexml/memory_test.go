package applexml

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMillionRecordsInFlatMemory splits a synthetic export of one million
// records (about 450 MB of XML, generated on the fly) and checks that the
// heap stays small whatever the size: the parser holds one chunk at a
// time. It logs the peak heap, the peak RSS and the records per second
// (benchmarks/README.md, "Imports"). Skipped with -short.
func TestMillionRecordsInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a million records take a few seconds")
	}
	const records = 1_000_000
	var peakHeap uint64
	var ms runtime.MemStats
	sample := func() {
		runtime.ReadMemStats(&ms)
		peakHeap = max(peakHeap, ms.HeapInuse)
	}
	var bytes int64
	input := &countingReader{r: NewSyntheticExport(records), n: &bytes}
	start := time.Now()
	chunks := 0
	st, err := Split(input, Options{}, func(body []byte, n int) error {
		chunks++
		if chunks%20 == 0 {
			sample()
		}
		return nil
	})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	sample()
	if st.Items() != records {
		t.Fatalf("read %d records and workouts, want %d", st.Items(), records)
	}
	t.Logf("%d records (%d MB of XML) in %d chunks, %.1f s, %.0f records/s, %.1f MB/s; peak heap in use %.1f MB, peak RSS %s",
		st.Items(), bytes>>20, st.Chunks, elapsed.Seconds(), float64(st.Items())/elapsed.Seconds(),
		float64(bytes)/(1<<20)/elapsed.Seconds(), float64(peakHeap)/(1<<20), peakRSS())
	// A generous bound: the chunk being built and the one being encoded
	// are a few MB; a parser that kept the document would need gigabytes.
	if peakHeap > 64<<20 {
		t.Fatalf("peak heap in use %d MB, want under 64 MB", peakHeap>>20)
	}
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// peakRSS is the process's peak resident set (VmHWM) on Linux.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if kb, err := strconv.Atoi(f[0]); err == nil {
				return strconv.Itoa(kb>>10) + " MB"
			}
		}
	}
	return "unknown"
}

func BenchmarkSplit(b *testing.B) {
	const records = 20000
	var size int64
	_, _ = Split(&countingReader{r: NewSyntheticExport(records), n: &size}, Options{}, func([]byte, int) error { return nil })
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Split(NewSyntheticExport(records), Options{}, func([]byte, int) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkNormalizeChunk(b *testing.B) {
	var chunk []byte
	_, _ = Split(NewSyntheticExport(DefaultChunkRecords), Options{}, func(body []byte, n int) error {
		if chunk == nil {
			chunk = body
		}
		return nil
	})
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Normalize(testContext(), chunk); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(DefaultChunkRecords)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
