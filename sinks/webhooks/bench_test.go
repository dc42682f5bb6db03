package webhooks

import (
	"testing"
	"time"
)

func BenchmarkSign(b *testing.B) {
	m := SampleMessages(testBatch(100))[0]
	ts := time.Unix(specTimestamp, 0)
	b.ReportAllocs()
	b.SetBytes(int64(len(m.Body)))
	for b.Loop() {
		if _, err := Sign(specSecret, m.ID, ts, m.Body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	m := SampleMessages(testBatch(100))[0]
	ts := time.Unix(specTimestamp, 0)
	sig, err := Sign(specSecret, m.ID, ts, m.Body)
	if err != nil {
		b.Fatal(err)
	}
	secrets := []string{specSecret}
	b.ReportAllocs()
	b.SetBytes(int64(len(m.Body)))
	for b.Loop() {
		if err := Verify(secrets, m.ID, "1614265330", sig, m.Body, ts, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSampleMessages(b *testing.B) {
	batch := testBatch(MaxSamplesPerMessage)
	var size int64
	for _, m := range SampleMessages(batch) {
		size += int64(len(m.Body))
	}
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		if len(SampleMessages(batch)) != 2 {
			b.Fatal("want 2 messages")
		}
	}
}
