package whoop

// Fetching from WHOOP's API v2. Polls and backfills read workouts, sleep,
// recovery and cycles by window (start inclusive, end exclusive) in pages
// of 25, following next_token (sent back as nextToken). A webhook's fetch
// reads one document: a recovery is fetched through its sleep
// (/v2/activity/sleep/{id} → cycle_id → /v2/cycle/{cycle_id}/recovery),
// and a v1 id through /v1/activity-mapping/{id}.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Plan = Plan
		p.Fetch = Fetch
	})
}

// collections are the routes a poll reads, by data type.
var collections = []struct{ dataType, path string }{
	{"workout", "/v2/activity/workout"},
	{"sleep", "/v2/activity/sleep"},
	{"recovery", "/v2/recovery"},
	{"cycle", "/v2/cycle"},
}

// window is the span of one step.
const window = 30 * 24 * time.Hour

// pageSize is the largest page WHOOP serves.
const pageSize = 25

// maxPages bounds the pages one step reads.
const maxPages = 200

// Plan returns the steps of a poll or backfill of [start, end).
func Plan(kind string, start, end time.Time) []ingest.Task {
	var out []ingest.Task
	for _, w := range ingest.Windows(start, end, window) {
		for _, c := range collections {
			out = append(out, ingest.Task{Kind: kind, DataType: c.dataType, Start: w[0], End: w[1]})
		}
	}
	return out
}

// Fetch runs one fetch, poll or backfill step.
func Fetch(ctx context.Context, s *ingest.Session, t ingest.Task) ([]ingest.Fetched, error) {
	if t.Kind == ingest.TaskFetch {
		return fetchOne(ctx, s, t)
	}
	path := ""
	for _, c := range collections {
		if c.dataType == t.DataType {
			path = c.path
		}
	}
	if path == "" {
		return nil, fmt.Errorf("cannot list whoop %q: not a collection", t.DataType)
	}
	q := url.Values{
		"start": {t.Start.UTC().Format(time.RFC3339Nano)},
		"end":   {t.End.UTC().Format(time.RFC3339Nano)},
		"limit": {strconv.Itoa(pageSize)},
	}
	var out []ingest.Fetched
	for range maxPages {
		res, err := s.Get(ctx, path, q)
		if err != nil {
			return nil, fmt.Errorf("cannot list whoop %s: %w", t.DataType, err)
		}
		out = append(out, ingest.Fetched{Body: res.Body, ContentType: "application/json"})
		var page struct {
			NextToken *string `json:"next_token"`
		}
		if json.Unmarshal(res.Body, &page) != nil || page.NextToken == nil || *page.NextToken == "" || *page.NextToken == q.Get("nextToken") {
			break
		}
		q.Set("nextToken", *page.NextToken)
	}
	return out, nil
}

func fetchOne(ctx context.Context, s *ingest.Session, t ingest.Task) ([]ingest.Fetched, error) {
	res, err := s.Get(ctx, t.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch whoop %s: %w", t.DataType, err)
	}
	out := []ingest.Fetched{{Body: res.Body, ContentType: "application/json"}}
	switch {
	case strings.HasPrefix(t.DataType, dataMapping):
		var m struct {
			V2ActivityID string `json:"v2_activity_id"`
		}
		if err := json.Unmarshal(res.Body, &m); err != nil || m.V2ActivityID == "" {
			return nil, fmt.Errorf("cannot read the whoop v1 mapping of %s", t.URL)
		}
		kind := strings.TrimPrefix(t.DataType, dataMapping)
		path := "/v2/activity/sleep/"
		if kind == dataWorkout {
			path = "/v2/activity/workout/"
		}
		return fetchOne(ctx, s, ingest.Task{Kind: ingest.TaskFetch, DataType: kind, URL: path + url.PathEscape(m.V2ActivityID)})
	case t.DataType == dataRecovery && strings.HasPrefix(t.URL, "/v2/activity/sleep/"):
		var sl struct {
			CycleID ingest.Text `json:"cycle_id"`
		}
		if err := json.Unmarshal(res.Body, &sl); err != nil || sl.CycleID == "" {
			return nil, fmt.Errorf("cannot read the cycle of whoop sleep %s", t.URL)
		}
		rec, err := s.Get(ctx, "/v2/cycle/"+url.PathEscape(string(sl.CycleID))+"/recovery", nil)
		if err != nil {
			return nil, fmt.Errorf("cannot fetch whoop recovery: %w", err)
		}
		out = append(out, ingest.Fetched{Body: rec.Body, ContentType: "application/json"})
	}
	return out, nil
}
