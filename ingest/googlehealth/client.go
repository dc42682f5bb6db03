package googlehealth

// Fetching data points: GET /v4/users/me/dataTypes/{type}/dataPoints with
// an AIP-160 filter on the window and pageToken paging
// (https://developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/list,
// https://developers.google.com/health/filters). The type is kebab-case in
// the URL and snake_case in the filter, whose field depends on the record
// type: {type}.interval.start_time for intervals,
// {type}.sample_time.physical_time for samples, {type}.date for daily
// values, exercise.interval.civil_start_time and sleep.interval.end_time
// for sessions. A civil filter compares local times, so its window is
// widened by a day on each side (a data point is identified by its name,
// so one read twice is the same record). Exercise and sleep list at most
// 25 data points a page. Polls and backfills read every data type in
// 14-day windows (the longest range of heart rate). Google publishes no
// request budget; 429 and Retry-After are honoured.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Plan = Plan
		p.Fetch = Fetch
		// Data points are read as Google stores them; the hourly and
		// daily roll-ups of Open Wearables are not offered yet.
		p.Granularities = []string{"raw"}
	})
}

// filterField is the filter field of each read data type.
var filterField = map[string]string{
	"exercise":                 "exercise.interval.civil_start_time",
	"sleep":                    "sleep.interval.end_time",
	"steps":                    "steps.interval.start_time",
	"distance":                 "distance.interval.start_time",
	"floors":                   "floors.interval.start_time",
	"heart-rate":               "heart_rate.sample_time.physical_time",
	"weight":                   "weight.sample_time.physical_time",
	"daily-resting-heart-rate": "daily_resting_heart_rate.date",
}

// dataTypes are the data types read, in plan order (those added last are
// last, so that a failure of theirs leaves the others read).
var dataTypes = []string{"exercise", "sleep", "steps", "heart-rate", "daily-resting-heart-rate", "distance", "floors", "weight"}

// sessionPageSize is the page size of exercise and sleep, whose maximum it is.
const sessionPageSize = "25"

const (
	window   = 14 * 24 * time.Hour
	maxPages = 50
	pageSize = "1000"
)

// Plan returns the steps of a poll or backfill of [start, end).
func Plan(kind string, start, end time.Time) []ingest.Task {
	var out []ingest.Task
	for _, w := range ingest.Windows(start, end, window) {
		for _, t := range dataTypes {
			out = append(out, ingest.Task{Kind: kind, DataType: t, Start: w[0], End: w[1]})
		}
	}
	return out
}

// Fetch runs one fetch, poll or backfill step.
func Fetch(ctx context.Context, s *ingest.Session, t ingest.Task) ([]ingest.Fetched, error) {
	start, end := t.Start, t.End
	if t.Kind == ingest.TaskFetch {
		a, b, ok := strings.Cut(t.URL, "/")
		var err1, err2 error
		start, err1 = time.Parse(time.RFC3339, a)
		end, err2 = time.Parse(time.RFC3339, b)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("cannot fetch google health %s: interval %q", t.DataType, t.URL)
		}
	}
	field := filterField[t.DataType]
	if field == "" {
		return nil, fmt.Errorf("cannot fetch google health data type %q", t.DataType)
	}
	format := func(x time.Time) string { return x.UTC().Format(time.RFC3339) }
	switch {
	case strings.HasSuffix(field, ".date"):
		format = func(x time.Time) string { return x.UTC().Format(time.DateOnly) }
		end = end.Add(24*time.Hour - time.Nanosecond).Truncate(24 * time.Hour)
	case strings.Contains(field, "civil"):
		format = func(x time.Time) string { return x.UTC().Format("2006-01-02T15:04:05") }
		start, end = start.Add(-24*time.Hour), end.Add(24*time.Hour)
	}
	q := url.Values{
		"filter":   {fmt.Sprintf("%s >= %q AND %s < %q", field, format(start), field, format(end))},
		"pageSize": {pageSize},
	}
	if t.DataType == "exercise" || t.DataType == "sleep" {
		q.Set("pageSize", sessionPageSize)
	}
	path := "/v4/users/me/dataTypes/" + url.PathEscape(t.DataType) + "/dataPoints"
	var out []ingest.Fetched
	for range maxPages {
		res, err := s.Get(ctx, path, q)
		if err != nil {
			return nil, fmt.Errorf("cannot list google health %s: %w", t.DataType, err)
		}
		out = append(out, ingest.Fetched{Body: res.Body, ContentType: "application/json"})
		var page struct {
			NextPageToken string `json:"nextPageToken"`
		}
		if json.Unmarshal(res.Body, &page) != nil || page.NextPageToken == "" {
			break
		}
		q.Set("pageToken", page.NextPageToken)
	}
	return out, nil
}
