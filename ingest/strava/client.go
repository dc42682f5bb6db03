package strava

// Fetching from Strava's API with the athlete's token: one activity with
// its streams (what a webhook asks for), and the athlete's activities of a
// window, in pages of 200.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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

// The data types of plan steps.
const dataActivities = "activities"

// pageSize is the largest page of GET /athlete/activities.
const pageSize = 200

// maxPages bounds the pages one step reads.
const maxPages = 50

// window is the span of one poll or backfill step.
const window = 30 * 24 * time.Hour

// streamKeys are the streams asked for with an activity.
const streamKeys = "time,heartrate,velocity_smooth,cadence,watts,altitude,latlng,distance"

// Plan returns the steps of a poll or backfill of [start, end): the
// activities of each 30-day window.
func Plan(kind string, start, end time.Time) []ingest.Task {
	var out []ingest.Task
	for _, w := range ingest.Windows(start, end, window) {
		out = append(out, ingest.Task{Kind: kind, DataType: dataActivities, Start: w[0], End: w[1]})
	}
	return out
}

// Fetch runs one fetch, poll or backfill step.
func Fetch(ctx context.Context, s *ingest.Session, t ingest.Task) ([]ingest.Fetched, error) {
	if t.Kind == ingest.TaskFetch {
		body, err := FetchActivity(ctx, s, t.URL)
		if err != nil {
			return nil, err
		}
		return []ingest.Fetched{{Body: body, ContentType: "application/json"}}, nil
	}
	var out []ingest.Fetched
	for page := 1; page <= maxPages; page++ {
		q := url.Values{
			"after":    {strconv.FormatInt(t.Start.Unix()-1, 10)},
			"before":   {strconv.FormatInt(t.End.Unix(), 10)},
			"page":     {strconv.Itoa(page)},
			"per_page": {strconv.Itoa(pageSize)},
		}
		res, err := s.Get(ctx, "athlete/activities", q)
		if err != nil {
			return nil, fmt.Errorf("cannot list strava activities: %w", err)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(res.Body, &items); err != nil {
			return nil, fmt.Errorf("cannot decode strava activities: %w", err)
		}
		if len(items) > 0 {
			out = append(out, ingest.Fetched{Body: res.Body, ContentType: "application/json"})
		}
		if len(items) < pageSize {
			break
		}
	}
	return out, nil
}

// FetchActivity fetches the activity at path (activities/{id}) and its
// streams, and returns them as one body {"activity": …, "streams": …};
// streams is null for an activity without any (a manual one).
func FetchActivity(ctx context.Context, s *ingest.Session, path string) ([]byte, error) {
	path = strings.TrimSuffix(path, "/")
	res, err := s.Get(ctx, path, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch strava activity: %w", err)
	}
	if !json.Valid(res.Body) {
		return nil, errors.New("cannot fetch strava activity: the answer is not JSON")
	}
	streams := json.RawMessage("null")
	sres, err := s.Get(ctx, path+"/streams", url.Values{"keys": {streamKeys}, "key_by_type": {"true"}})
	var se *ingest.StatusError
	switch {
	case err == nil && json.Valid(sres.Body):
		streams = sres.Body
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
	case err != nil:
		return nil, fmt.Errorf("cannot fetch strava activity streams: %w", err)
	}
	body, err := json.Marshal(struct {
		Activity json.RawMessage `json:"activity"`
		Streams  json.RawMessage `json:"streams"`
	}{res.Body, streams})
	if err != nil {
		return nil, fmt.Errorf("cannot encode strava activity: %w", err)
	}
	return body, nil
}
