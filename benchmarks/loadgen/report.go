package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// result is what one load run measured.
type result struct {
	URL              string `json:"url"`
	Users            int    `json:"users"`
	Concurrency      int    `json:"concurrency"`
	SamplesPerUpload int    `json:"samples_per_upload"`

	UploadsSent     int64 `json:"uploads_sent"`
	SamplesSent     int64 `json:"samples_sent"`
	BytesSent       int64 `json:"bytes_sent"`
	UploadsAccepted int64 `json:"uploads_accepted"`
	SamplesAccepted int64 `json:"samples_accepted"`
	// Errors counts failed uploads by HTTP status, or "network" when no
	// response came back; ErrorExamples holds the first message of each.
	Errors        map[string]int64  `json:"errors"`
	ErrorExamples map[string]string `json:"error_examples,omitempty"`

	// SendSeconds runs from the first request to the last response.
	SendSeconds           float64 `json:"send_seconds"`
	AcceptedSamplesPerSec float64 `json:"accepted_samples_per_sec"`
	AcceptedMBPerSec      float64 `json:"accepted_mb_per_sec"`
	AckMeanMs             float64 `json:"ack_mean_ms"`
	AckP50Ms              float64 `json:"ack_p50_ms"`
	AckP90Ms              float64 `json:"ack_p90_ms"`
	AckP99Ms              float64 `json:"ack_p99_ms"`
	AckMaxMs              float64 `json:"ack_max_ms"`

	// RowsQueryable is the last count of the run's rows under FINAL.
	RowsQueryable uint64 `json:"rows_queryable"`
	// QueryableSeconds runs from the first request until every accepted
	// sample was queryable under FINAL; nil when that did not happen.
	QueryableSeconds      *float64 `json:"queryable_seconds"`
	EndToEndSamplesPerSec *float64 `json:"end_to_end_samples_per_sec"`

	// With -kafka: the largest consumer lag seen, in records (uploads for
	// the processors, canonical records for the sink), and when the
	// processors had consumed every upload, from the first request.
	MaxProcessorLag  *int64   `json:"max_processor_lag_records,omitempty"`
	MaxSinkLag       *int64   `json:"max_sink_lag_records,omitempty"`
	ProcessedSeconds *float64 `json:"processed_seconds,omitempty"`
}

// latencies summarises the ack latencies of accepted uploads with exact
// percentiles (nearest rank over the sorted durations).
func (r *result) latencies(d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	r.AckMeanMs = ms(sum / time.Duration(len(d)))
	r.AckP50Ms = ms(percentile(d, 0.50))
	r.AckP90Ms = ms(percentile(d, 0.90))
	r.AckP99Ms = ms(percentile(d, 0.99))
	r.AckMaxMs = ms(d[len(d)-1])
}

// percentile is the nearest-rank q-quantile of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// print writes the result for a reader.
func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "\nwearstream load against %s: %d users, %d samples per upload, concurrency %d\n",
		r.URL, r.Users, r.SamplesPerUpload, r.Concurrency)
	fmt.Fprintf(w, "  sent          %d uploads, %d samples, %.1f MB\n", r.UploadsSent, r.SamplesSent, float64(r.BytesSent)/1e6)
	fmt.Fprintf(w, "  accepted      %d uploads, %d samples in %.2fs: %.0f samples/s, %.1f MB/s\n",
		r.UploadsAccepted, r.SamplesAccepted, r.SendSeconds, r.AcceptedSamplesPerSec, r.AcceptedMBPerSec)
	fmt.Fprintf(w, "  ack latency   p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms, mean %.1f ms\n",
		r.AckP50Ms, r.AckP90Ms, r.AckP99Ms, r.AckMaxMs, r.AckMeanMs)
	if len(r.Errors) == 0 {
		fmt.Fprintf(w, "  errors        none\n")
	} else {
		keys := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  errors        %s: %d (first: %s)\n", k, r.Errors[k], oneLine(r.ErrorExamples[k]))
		}
	}
	if r.MaxProcessorLag != nil {
		done := "not observed before the wait ended"
		if r.ProcessedSeconds != nil {
			done = fmt.Sprintf("%.2fs after the first request", *r.ProcessedSeconds)
		}
		fmt.Fprintf(w, "  kafka lag     max %d uploads behind at the processors, %d records at the sink; processors done %s\n",
			*r.MaxProcessorLag, *r.MaxSinkLag, done)
	}
	if r.QueryableSeconds == nil {
		fmt.Fprintf(w, "  queryable     NOT all: %d of %d samples in ClickHouse under FINAL\n", r.RowsQueryable, r.SamplesAccepted)
		return
	}
	fmt.Fprintf(w, "  queryable     all %d samples in ClickHouse %.2fs after the first request\n", r.RowsQueryable, *r.QueryableSeconds)
	fmt.Fprintf(w, "  end to end    %.0f samples/s\n", *r.EndToEndSamplesPerSec)
}

// printJSON writes the result as one JSON object on one line.
func (r *result) printJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
