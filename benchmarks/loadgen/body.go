package main

import (
	"fmt"
	"strconv"
	"time"
)

// sampleEpoch is the time of the first generated sample. Each user's
// samples follow one another a second apart from here, so every sample of a
// run is a distinct row of wearables.samples.
var sampleEpoch = time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC)

// upload is one pre-generated SDK sync request.
type upload struct {
	user    string
	body    []byte
	samples int
}

// source is the writing device of every generated record.
const source = `{"name":"Bench Watch","bundleIdentifier":"com.apple.health.bench","deviceManufacturer":"Apple Inc.","deviceModel":"Watch","productType":"Watch7,5","deviceType":"watch"}`

// makeUploads generates n uploads of perUpload heart-rate samples, assigned
// to users round-robin. Upload k of a user continues that user's timeline
// where upload k-1 stopped. Record ids start with run, so that a second run
// against the same stack sends new records.
func makeUploads(run string, users []string, n, perUpload int) []upload {
	out := make([]upload, n)
	for j := range out {
		u := j % len(users)
		seq := j / len(users)
		first := sampleEpoch.Add(time.Duration(seq*perUpload) * time.Second)
		out[j] = upload{
			user:    users[u],
			body:    syncBody(fmt.Sprintf("%s-%04x-%06x", run, u, seq), first, perUpload),
			samples: perUpload,
		}
	}
	return out
}

// syncBody is an Open Wearables SDK sync body with n heart-rate records, one
// a second from first, with ids prefix-<index>.
func syncBody(prefix string, first time.Time, n int) []byte {
	b := make([]byte, 0, 128+n*(len(source)+200))
	b = append(b, `{"provider":"apple","sdkVersion":"1.0.0","syncTimestamp":"`...)
	b = first.Add(time.Duration(n)*time.Second).AppendFormat(b, time.RFC3339)
	b = append(b, `","data":{"records":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		ts := first.Add(time.Duration(i) * time.Second)
		b = append(b, `{"id":"`...)
		b = append(b, prefix...)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(i), 16)
		b = append(b, `","type":"HKQuantityTypeIdentifierHeartRate","startDate":"`...)
		b = ts.AppendFormat(b, time.RFC3339)
		b = append(b, `","endDate":"`...)
		b = ts.AppendFormat(b, time.RFC3339)
		b = append(b, `","zoneOffset":"+01:00","source":`...)
		b = append(b, source...)
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, int64(50+(i*7)%90), 10)
		b = append(b, `,"unit":"count/min"}`...)
	}
	b = append(b, `]}}`...)
	return b
}
