package garmin

// Fetching from Garmin: the callbackURL of a ping item (a JSON array of one
// summary type, wrapped here into a push body keyed by that type so it goes
// through the same normaliser), an activity's FIT file, and backfill
// requests, which Garmin answers 202 and fulfils later through the push
// webhook.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/fit"
)

// dataActivityFile is the data type of an activity file fetch.
const dataActivityFile = "activityFiles"

// ContentTypeFIT is the media type of the FIT files fetched from Garmin,
// which the FIT normaliser reads on Garmin's raw topic.
const ContentTypeFIT = "application/vnd.ant.fit"

func init() {
	ingest.RegisterFormat(provider, ContentTypeFIT, fit.Normalize)
	ingest.Extend(provider, func(p *ingest.Provider) { p.Fetch = Fetch })
}

// ErrNoHistoryPermission is returned when the user did not grant Garmin's
// historical data permission, which backfill needs.
var ErrNoHistoryPermission = errors.New("garmin refused the backfill: the user did not grant HISTORICAL_DATA_EXPORT")

// Fetch runs one fetch or backfill step.
func Fetch(ctx context.Context, s *ingest.Session, t ingest.Task) ([]ingest.Fetched, error) {
	switch t.Kind {
	case ingest.TaskFetch:
		res, err := s.Get(ctx, t.URL, nil)
		if err != nil {
			return nil, fmt.Errorf("cannot fetch garmin %s: %w", t.DataType, err)
		}
		if t.DataType == dataActivityFile {
			return []ingest.Fetched{{Body: res.Body, ContentType: ContentTypeFIT}}, nil
		}
		body, err := wrap(t.DataType, res.Body)
		if err != nil {
			return nil, err
		}
		return []ingest.Fetched{{Body: body, ContentType: "application/json"}}, nil
	case ingest.TaskBackfill:
		q := url.Values{
			"summaryStartTimeInSeconds": {strconv.FormatInt(t.Start.Unix(), 10)},
			"summaryEndTimeInSeconds":   {strconv.FormatInt(t.End.Unix(), 10)},
		}
		_, err := s.Get(ctx, "/wellness-api/rest/backfill/"+t.DataType, q)
		var se *ingest.StatusError
		switch {
		case errors.As(err, &se) && se.Status == http.StatusConflict:
			return nil, ingest.ErrAlreadyRequested // Garmin sends a window once
		case errors.As(err, &se) && se.Status == http.StatusForbidden:
			return nil, ErrNoHistoryPermission
		case err != nil:
			return nil, fmt.Errorf("cannot request garmin %s backfill: %w", t.DataType, err)
		}
		return nil, nil
	}
	return nil, fmt.Errorf("garmin has no %s tasks", t.Kind)
}

// wrap turns a pull answer (an array of one summary type, or already a
// push body) into a push body.
func wrap(summaryType string, body []byte) ([]byte, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		var top map[string]json.RawMessage
		if json.Unmarshal(body, &top) == nil {
			return body, nil
		}
		return nil, fmt.Errorf("cannot decode garmin %s answer: %w", summaryType, err)
	}
	return json.Marshal(map[string][]json.RawMessage{summaryType: list})
}
