package fitbit

// Fetching from the Fitbit Web API with the user's token. Fitbit allows 150
// requests an hour per user: each user has a limiter of that budget here,
// and since a user's jobs are keyed by user id, one ingest worker at a time
// runs them. Every answer's Fitbit-Rate-Limit-Remaining and
// Fitbit-Rate-Limit-Reset (seconds to the top of the hour) hold the user's
// limiter to Fitbit's own count, so the budget holds across instances,
// rebalances and restarts: with 0 remaining the user's requests wait for
// the reset instead of meeting a 429; a 429 still waits for Retry-After.
//
// A notification fetches one collection for one date: activities (the
// activity log from that date, the day's heart rate, HRV and SpO2), sleep
// (with the profile's offsetFromUTCMillis added to the body) or body (the
// weight logs). Polls and backfills read the same in 30-day windows.
//
// With FITBIT_INTRADAY on, the heart rate step also reads each day's heart
// rate at one-minute detail, one request a day through the same limiter,
// with the profile's offset added as for sleep. Only a Personal app or one
// Fitbit approved may read it; Fitbit answers 403 otherwise, which is
// logged once and ends the step's intraday requests, not the step.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Plan = Plan
		p.Fetch = Fetch
	})
}

// UserRateLimit is Fitbit's budget per user.
var UserRateLimit = ingest.RateLimit{Requests: 150, Per: time.Hour}

var (
	limitersMu sync.Mutex
	limiters   = map[string]*ingest.Limiter{}
)

// userLimiter returns the limiter of one user.
func userLimiter(userID string) *ingest.Limiter {
	limitersMu.Lock()
	defer limitersMu.Unlock()
	l, ok := limiters[userID]
	if !ok {
		l = ingest.NewLimiter(UserRateLimit)
		limiters[userID] = l
	}
	return l
}

// The data types of plan steps (beyond the collections).
const (
	dataHeart  = "heart"
	dataHRV    = "hrv"
	dataSpO2   = "spo2"
	dataWeight = "weight"
)

// window is the span of one plan step: HRV, SpO2 and weight ranges take at
// most 30 days.
const window = 30 * 24 * time.Hour

// maxPages bounds the activity log pages one step reads.
const maxPages = 20

// Plan returns the steps of a poll or backfill of [start, end).
func Plan(kind string, start, end time.Time) []ingest.Task {
	var out []ingest.Task
	for _, w := range ingest.Windows(start, end, window) {
		for _, t := range []string{collActivities, collSleep, dataHeart, dataHRV, dataSpO2, dataWeight} {
			out = append(out, ingest.Task{Kind: kind, DataType: t, Start: w[0], End: w[1]})
		}
	}
	return out
}

// Fetch runs one fetch, poll or backfill step.
func Fetch(ctx context.Context, s *ingest.Session, t ingest.Task) ([]ingest.Fetched, error) {
	s.Limiter, s.Budget = userLimiter(s.UserID), budget
	if t.Kind == ingest.TaskFetch {
		d, err := time.Parse(time.DateOnly, t.URL)
		if err != nil {
			return nil, fmt.Errorf("cannot fetch fitbit %s: date %q: %w", t.DataType, t.URL, err)
		}
		next := d.AddDate(0, 0, 1)
		switch t.DataType {
		case collActivities:
			var out []ingest.Fetched
			for _, dt := range []string{collActivities, dataHeart, dataHRV, dataSpO2} {
				f, err := fetchRange(ctx, s, dt, d, next)
				if err != nil {
					return nil, err
				}
				out = append(out, f...)
			}
			return out, nil
		case collSleep:
			return fetchRange(ctx, s, collSleep, d, next)
		case collBody:
			return fetchRange(ctx, s, dataWeight, d, next)
		}
		return nil, fmt.Errorf("cannot fetch fitbit collection %q", t.DataType)
	}
	return fetchRange(ctx, s, t.DataType, t.Start, t.End)
}

// fetchRange fetches one data type for the days of [start, end).
func fetchRange(ctx context.Context, s *ingest.Session, dataType string, start, end time.Time) ([]ingest.Fetched, error) {
	first := start.UTC().Format(time.DateOnly)
	last := end.UTC().Add(-time.Nanosecond).Format(time.DateOnly)
	var path string
	switch dataType {
	case collActivities:
		return fetchActivities(ctx, s, start, end)
	case collSleep:
		return fetchSleep(ctx, s, first, last)
	case dataHeart:
		return fetchHeart(ctx, s, first, last)
	case dataHRV:
		path = "/1/user/-/hrv/date/" + first + "/" + last + ".json"
	case dataSpO2:
		path = "/1/user/-/spo2/date/" + first + "/" + last + ".json"
	case dataWeight:
		path = "/1/user/-/body/log/weight/date/" + first + "/" + last + ".json"
	default:
		return nil, fmt.Errorf("cannot fetch fitbit data type %q", dataType)
	}
	body, err := get(ctx, s, path, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch fitbit %s: %w", dataType, err)
	}
	return []ingest.Fetched{{Body: body, ContentType: "application/json"}}, nil
}

// fetchActivities reads the activity log from start, following
// pagination.next while the activities start before end.
func fetchActivities(ctx context.Context, s *ingest.Session, start, end time.Time) ([]ingest.Fetched, error) {
	next := "/1/user/-/activities/list.json"
	q := url.Values{"afterDate": {start.UTC().AddDate(0, 0, -1).Format(time.DateOnly)}, "sort": {"asc"}, "limit": {"100"}, "offset": {"0"}}
	var out []ingest.Fetched
	for range maxPages {
		body, err := get(ctx, s, next, q)
		if err != nil {
			return nil, fmt.Errorf("cannot list fitbit activities: %w", err)
		}
		out = append(out, ingest.Fetched{Body: body, ContentType: "application/json"})
		var page struct {
			Activities []struct {
				StartTime string `json:"startTime"`
			} `json:"activities"`
			Pagination struct {
				Next string `json:"next"`
			} `json:"pagination"`
		}
		if json.Unmarshal(body, &page) != nil || page.Pagination.Next == "" || len(page.Activities) == 0 {
			break
		}
		lastStart, err := time.Parse("2006-01-02T15:04:05.999Z07:00", page.Activities[len(page.Activities)-1].StartTime)
		if err != nil || !lastStart.Before(end) {
			break
		}
		next, q = page.Pagination.Next, nil
	}
	return out, nil
}

// fetchSleep reads the sleep logs of [first, last] and adds the user's
// offset from the profile.
func fetchSleep(ctx context.Context, s *ingest.Session, first, last string) ([]ingest.Fetched, error) {
	offset, err := profileOffset(ctx, s)
	if err != nil {
		return nil, err
	}
	body, err := get(ctx, s, "/1.2/user/-/sleep/date/"+first+"/"+last+".json", nil)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch fitbit sleep: %w", err)
	}
	if body, err = withOffset(body, offset, "sleep"); err != nil {
		return nil, err
	}
	return []ingest.Fetched{{Body: body, ContentType: "application/json"}}, nil
}

// intraday reports whether FITBIT_INTRADAY is on.
func intraday(s ingest.Settings) bool {
	on, _ := strconv.ParseBool(strings.TrimSpace(s.Extra[envIntraday]))
	return on
}

// fetchHeart reads the daily heart rate of [first, last] and, with
// FITBIT_INTRADAY on, each of those days at one-minute detail with the
// user's offset from the profile added. A 403 there (the app may not read
// intraday data) is logged and ends the intraday requests of this step.
func fetchHeart(ctx context.Context, s *ingest.Session, first, last string) ([]ingest.Fetched, error) {
	body, err := get(ctx, s, "/1/user/-/activities/heart/date/"+first+"/"+last+".json", nil)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch fitbit %s: %w", dataHeart, err)
	}
	out := []ingest.Fetched{{Body: body, ContentType: "application/json"}}
	if !intraday(s.Settings) {
		return out, nil
	}
	from, err1 := time.Parse(time.DateOnly, first)
	to, err2 := time.Parse(time.DateOnly, last)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("cannot fetch fitbit intraday heart rate: %w", err)
	}
	var offset json.RawMessage
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		date := d.Format(time.DateOnly)
		body, err := get(ctx, s, "/1/user/-/activities/heart/date/"+date+"/1d/1min.json", nil)
		var se *ingest.StatusError
		if errors.As(err, &se) && se.Status == http.StatusForbidden {
			slog.Warn("fitbit refused intraday heart rate (status 403): the app is neither Personal nor approved for intraday data; set "+envIntraday+"=false or ask Fitbit for access",
				"user", s.UserID, "from", date, "to", last)
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot fetch fitbit intraday heart rate of %s: %w", date, err)
		}
		if offset == nil {
			if offset, err = profileOffset(ctx, s); err != nil {
				return nil, err
			}
		}
		if body, err = withOffset(body, offset, "intraday heart rate"); err != nil {
			return nil, err
		}
		out = append(out, ingest.Fetched{Body: body, ContentType: "application/json"})
	}
	return out, nil
}

// profileOffset reads the user's offsetFromUTCMillis from the profile; it
// is empty (not nil) when the profile has none.
func profileOffset(ctx context.Context, s *ingest.Session) (json.RawMessage, error) {
	profile, err := get(ctx, s, "/1/user/-/profile.json", nil)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch the fitbit profile: %w", err)
	}
	var p struct {
		User struct {
			OffsetFromUTCMillis json.RawMessage `json:"offsetFromUTCMillis"`
		} `json:"user"`
	}
	_ = json.Unmarshal(profile, &p)
	if p.User.OffsetFromUTCMillis == nil {
		return json.RawMessage{}, nil
	}
	return p.User.OffsetFromUTCMillis, nil
}

// withOffset adds offsetFromUTCMillis to a body of local times (what).
func withOffset(body []byte, offset json.RawMessage, what string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("cannot decode fitbit %s: %w", what, err)
	}
	if len(offset) > 0 {
		m["offsetFromUTCMillis"] = offset
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("cannot encode fitbit %s: %w", what, err)
	}
	return body, nil
}

// get sends one request and returns the body.
func get(ctx context.Context, s *ingest.Session, path string, q url.Values) ([]byte, error) {
	res, err := s.Get(ctx, path, q)
	if err != nil {
		return nil, err
	}
	return res.Body, nil
}

// budget reads Fitbit's count of the user's requests left this hour and the
// seconds until it resets; a reset beyond an hour is not Fitbit's and is
// ignored.
func budget(h http.Header) (left int, reset time.Duration, ok bool) {
	left, err := strconv.Atoi(strings.TrimSpace(h.Get("Fitbit-Rate-Limit-Remaining")))
	if err != nil {
		return 0, 0, false
	}
	secs, err := strconv.Atoi(strings.TrimSpace(h.Get("Fitbit-Rate-Limit-Reset")))
	if err != nil || secs < 0 || secs > 3600 {
		return 0, 0, false
	}
	return left, time.Duration(secs) * time.Second, true
}
