package main

// Large inputs end to end: a long FIT ride imported through the gateway and
// an SDK upload of 100,000 samples in one body go through the whole
// pipeline, and ClickHouse holds, under FINAL, exactly the samples the
// normaliser yields from the same bytes, per series. A sample batch larger
// than its topic accepts, or a transaction that commits without it, shows
// up here as missing rows.

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest/fit"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// seriesCounts is the number of distinct samples per series type of what
// the normaliser yields for raw: a sample is identified by (source, series
// type, time), as in the samples table's sort key.
func seriesCounts(t *testing.T, raw schemas.RawEvent) map[string]uint64 {
	t.Helper()
	recs, err := processors.Normalize(raw)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	counts := map[string]uint64{}
	for _, b := range recs.Samples {
		for _, s := range b.Samples {
			id := fmt.Sprintf("%s|%s|%d", b.Source.ID, b.SeriesType, s.Time.UnixMilli())
			if !seen[id] {
				seen[id] = true
				counts[b.SeriesType]++
			}
		}
	}
	return counts
}

// storedCounts is the number of samples per series type of user in
// ClickHouse under FINAL.
func (s *providerStack) storedCounts(user string) map[string]uint64 {
	s.t.Helper()
	rows, err := s.conn.Query(context.Background(),
		"SELECT series_type, count() FROM samples FINAL WHERE user_id = toUUID(?) GROUP BY series_type", user)
	if err != nil {
		s.t.Fatalf("count samples: %v", err)
	}
	defer rows.Close()
	got := map[string]uint64{}
	for rows.Next() {
		var series string
		var n uint64
		if err := rows.Scan(&series, &n); err != nil {
			s.t.Fatal(err)
		}
		got[series] = n
	}
	return got
}

// maxSampleRecordBytes is what a SampleBatch record may weigh: Kafka's
// default max.message.bytes. The topics accept far more, but a batch is
// cut into bounded records whatever the upload's size.
const maxSampleRecordBytes = 1 << 20

// checkSampleRecords reads wearables.samples to its end and fails when a
// record is larger than maxSampleRecordBytes.
func (s *providerStack) checkSampleRecords() {
	s.t.Helper()
	ends := endOffsets(s.t, s.env.Producer, s.env.Topics.Samples())
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.env.Brokers...), kgo.ConsumeTopics(s.env.Topics.Samples()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		s.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	read := map[string]int64{}
	done := func() bool {
		for p, end := range ends {
			if read[p] < end-1 { // the last offset may be a transaction marker
				return false
			}
		}
		return true
	}
	records, largest := 0, 0
	for !done() {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			s.t.Fatalf("read %v of %v on the samples topic", read, ends)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			read[fmt.Sprintf("%s/%d", r.Topic, r.Partition)] = r.Offset + 1
			records++
			largest = max(largest, len(r.Value))
		})
	}
	if largest > maxSampleRecordBytes {
		s.t.Fatalf("a sample record of %d bytes (of %d records): batches are not cut", largest, records)
	}
	s.t.Logf("%d sample records, the largest %d bytes", records, largest)
}

// waitForSamples waits until ClickHouse holds exactly want for user, and
// says what it held last when it never does.
func (s *providerStack) waitForSamples(user string, want map[string]uint64) {
	s.t.Helper()
	var got map[string]uint64
	deadline := time.Now().Add(3 * time.Minute)
	for {
		got = s.storedCounts(user)
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("samples in clickhouse per series: %v, want %v", got, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestBigFITImportEndToEnd(t *testing.T) {
	s := startProviderStack(t)
	user := s.user("rider@example.com")
	file := ingesttest.FITCorpus(t, "big_activity.fit")
	want := seriesCounts(t, schemas.RawEvent{
		ID: "expected", Tenant: defaultTenant, UserID: user, Provider: fit.Provider,
		Kind: string(schemas.KindImport), ContentType: fit.ContentType, ReceivedAt: time.Now(), Body: file,
	})
	var total uint64
	for _, n := range want {
		total += n
	}
	if len(want) != 6 || total < 100_000 {
		t.Fatalf("the normaliser yields %v from big_activity.fit; the file is meant to be large", want)
	}

	out := s.call("POST", "/api/v1/users/"+user+"/import/fit", file, map[string]string{"Content-Type": "application/octet-stream"}, 202)
	s.waitForSamples(user, want)
	s.checkSampleRecords()
	if out["samples"] != float64(total) {
		t.Fatalf("the import answered %v samples, the normaliser yields %d", out["samples"], total)
	}
	waitFor(t, "the workout", func() bool { return count(t, s.conn, "workouts FINAL") == 1 })
}

// sdkHeartRates is an SDK sync body (the format of ingest/sdk/testdata) with
// n heart rate records about a second apart from start, each as the iOS SDK
// writes it (a UUID, the zone offset, the watch as source, metadata), about
// 560 bytes a record. Times and values vary like a sensor's (milliseconds,
// decimals), so that the sample batch does not compress to nothing on its
// way through Kafka.
func sdkHeartRates(n int, start time.Time) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	const source = `{"name":"Jane's Apple Watch","bundleIdentifier":"com.apple.health.81C4D1E2-5A3B-4C6D-8E9F-0A1B2C3D4E5F",` +
		`"deviceManufacturer":"Apple Inc.","deviceModel":"Watch","productType":"Watch7,5","deviceHardwareVersion":"Watch7,5",` +
		`"deviceSoftwareVersion":"11.2","deviceType":"watch","operatingSystemVersion":{"majorVersion":11,"minorVersion":2,"patchVersion":0}}`
	var b bytes.Buffer
	b.WriteString(`{"provider":"apple","sdkVersion":"1.0.0","syncTimestamp":"` + start.Format(time.RFC3339) + `","data":{"records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		at := start.Add(time.Duration(i)*time.Second + time.Duration(rng.IntN(1000))*time.Millisecond).Format(time.RFC3339Nano)
		fmt.Fprintf(&b, `{"id":"%08X-0001-4E5F-8A9B-0C1D2E3F4A01","type":"HKQuantityTypeIdentifierHeartRate","startDate":"%s","endDate":"%s",`+
			`"zoneOffset":"+01:00","source":%s,"value":%s,"unit":"count/min","metadata":{"HKMetadataKeyHeartRateMotionContext":1}}`,
			i, at, at, source, strconv.FormatFloat(50+100*rng.Float64(), 'f', -1, 64))
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// sdkBodyLimit is the body limit of the SDK test: 100,000 records as the
// iOS SDK writes them are about 56 MB, over the default
// WEARSTREAM_MAX_BODY_BYTES (32 MiB), which would answer 413.
const sdkBodyLimit = "67108864"

func TestLargeSDKUploadEndToEnd(t *testing.T) {
	const n = 100_000
	s := startProviderStack(t, withSettings(map[string]string{"WEARSTREAM_MAX_BODY_BYTES": sdkBodyLimit}))
	user := s.user("phone@example.com")
	body := sdkHeartRates(n, time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC))
	want := seriesCounts(t, schemas.RawEvent{
		ID: "expected", Tenant: defaultTenant, UserID: user, Provider: "apple",
		Kind: string(schemas.KindSDK), ContentType: "application/json", ReceivedAt: time.Now(), Body: body,
	})
	if !maps.Equal(want, map[string]uint64{"heart_rate": n}) {
		t.Fatalf("the normaliser yields %v from the body, want %d heart rates", want, n)
	}
	t.Logf("SDK body of %d samples: %.1f MB", n, float64(len(body))/(1<<20))

	s.call("POST", "/api/v1/sdk/users/"+user+"/sync", body, map[string]string{"Content-Type": "application/json"}, 202)
	s.waitForSamples(user, want)
	s.checkSampleRecords()
}
