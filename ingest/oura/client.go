package oura

// Polling Oura: each collection of the window, in 30-day windows. The
// daily collections and sleep and workouts take start_date and end_date
// (days, end inclusive), heart rate start_datetime and end_datetime; every
// collection answers {"data": [...], "next_token": ...} and is read page
// by page until next_token is null. A webhook's fetch reads one document.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Plan = Plan
		p.Fetch = Fetch
	})
}

// dataHeartRate is the collection read by time rather than by day.
const dataHeartRate = "heartrate"

// collections are the collections a poll reads, in order.
var collections = []string{"sleep", "workout", "daily_activity", "daily_readiness", "daily_spo2", dataHeartRate}

// window is the span of one request (Open Wearables reads heart rate in
// 30-day windows; the same suits the daily collections).
const window = 30 * 24 * time.Hour

// maxPages bounds the pages one step reads.
const maxPages = 100

// Plan returns the steps of a poll or backfill of [start, end).
func Plan(kind string, start, end time.Time) []ingest.Task {
	var out []ingest.Task
	for _, w := range ingest.Windows(start, end, window) {
		for _, c := range collections {
			out = append(out, ingest.Task{Kind: kind, DataType: c, Start: w[0], End: w[1]})
		}
	}
	return out
}

// Fetch runs one fetch, poll or backfill step.
func Fetch(ctx context.Context, s *ingest.Session, t ingest.Task) ([]ingest.Fetched, error) {
	if t.Kind == ingest.TaskFetch {
		res, err := s.Get(ctx, t.URL, nil)
		if err != nil {
			return nil, fmt.Errorf("cannot fetch oura %s: %w", t.DataType, err)
		}
		return []ingest.Fetched{{Body: res.Body, ContentType: "application/json"}}, nil
	}
	q := url.Values{}
	if t.DataType == dataHeartRate {
		q.Set("start_datetime", t.Start.UTC().Format(time.RFC3339))
		q.Set("end_datetime", t.End.UTC().Format(time.RFC3339))
	} else {
		q.Set("start_date", t.Start.UTC().Format(time.DateOnly))
		q.Set("end_date", t.End.Add(-time.Nanosecond).UTC().Format(time.DateOnly))
	}
	var out []ingest.Fetched
	for range maxPages {
		res, err := s.Get(ctx, "/v2/usercollection/"+t.DataType, q)
		if err != nil {
			return nil, fmt.Errorf("cannot list oura %s: %w", t.DataType, err)
		}
		out = append(out, ingest.Fetched{Body: res.Body, ContentType: "application/json"})
		var page struct {
			NextToken *string `json:"next_token"`
		}
		if json.Unmarshal(res.Body, &page) != nil || page.NextToken == nil || *page.NextToken == "" || *page.NextToken == q.Get("next_token") {
			break
		}
		q.Set("next_token", *page.NextToken)
	}
	return out, nil
}
