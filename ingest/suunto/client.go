package suunto

// Fetching from Suunto's Cloud API with the user's token and the
// subscription key: one workout, the workouts since a time (pages of 100),
// and the 24/7 samples of a window.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) { p.Fetch = Fetch })
}

// pageSize is the largest page of GET /v3/workouts.
const pageSize = 100

// maxPages bounds the pages one step reads.
const maxPages = 50

// Fetch runs one fetch, poll or backfill step.
func Fetch(ctx context.Context, s *ingest.Session, t ingest.Task) ([]ingest.Fetched, error) {
	if t.Kind == ingest.TaskFetch {
		res, err := s.Get(ctx, t.URL, nil)
		if err != nil {
			return nil, fmt.Errorf("cannot fetch suunto %s: %w", t.DataType, err)
		}
		return []ingest.Fetched{{Body: res.Body, ContentType: "application/json"}}, nil
	}
	if t.DataType != dataWorkouts {
		q := url.Values{"from": {ms(t.Start)}, "to": {ms(t.End)}}
		res, err := s.Get(ctx, "/247samples/"+t.DataType, q)
		if err != nil {
			return nil, fmt.Errorf("cannot fetch suunto 24/7 %s: %w", t.DataType, err)
		}
		return []ingest.Fetched{{Body: res.Body, ContentType: "application/json"}}, nil
	}
	var out []ingest.Fetched
	since := t.Start.UnixMilli()
	for range maxPages {
		q := url.Values{"since": {strconv.FormatInt(since, 10)}, "limit": {strconv.Itoa(pageSize)}}
		res, err := s.Get(ctx, "/v3/workouts/", q)
		if err != nil {
			return nil, fmt.Errorf("cannot list suunto workouts: %w", err)
		}
		out = append(out, ingest.Fetched{Body: res.Body, ContentType: "application/json"})
		var page struct {
			Payload []struct {
				StartTime int64 `json:"startTime"`
			} `json:"payload"`
		}
		if json.Unmarshal(res.Body, &page) != nil || len(page.Payload) < pageSize {
			break
		}
		last := page.Payload[len(page.Payload)-1].StartTime
		if last < since {
			break
		}
		since = last + 1
	}
	return out, nil
}
