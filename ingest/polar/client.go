package polar

// Fetching from Polar AccessLink with the user's token: the url a
// notification named (an exercise, with its samples; a night; a day of
// activity or heart rate), and the list endpoints a poll or backfill reads.

import (
	"context"
	"fmt"
	"net/url"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) { p.Fetch = Fetch })
}

// Fetch runs one fetch, poll or backfill step.
func Fetch(ctx context.Context, s *ingest.Session, t ingest.Task) ([]ingest.Fetched, error) {
	target, q := t.URL, url.Values{}
	if t.Kind != ingest.TaskFetch {
		target, q = endpoint(t)
	}
	if t.DataType == "EXERCISE" || t.DataType == dataExercises {
		q.Set("samples", "true")
	}
	res, err := s.Get(ctx, target, q)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch polar %s: %w", t.DataType, err)
	}
	if res.Status == 204 || len(res.Body) == 0 {
		return nil, nil // nothing in this window
	}
	return []ingest.Fetched{{Body: res.Body, ContentType: "application/json"}}, nil
}
