package polar

// Polling Polar. Exercises, sleep and nightly recharge are listed for the
// last 28–30 days with no date filter, so each poll reads them whole (the
// deterministic ids make the repeats harmless); daily activity and
// continuous heart rate take from/to dates, at most 28 days per call, so
// they are read in windows from the connection's cursor.

import (
	"net/url"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) { p.Plan = Plan })
}

// The data types of plan steps.
const (
	dataExercises  = "exercises"
	dataSleep      = "sleep"
	dataRecharge   = "nightly-recharge"
	dataActivities = "activities"
	dataHeartRate  = "continuous-heart-rate"
)

// dateWindow is the longest from/to range of one call.
const dateWindow = 28 * 24 * time.Hour

// Plan returns the steps of a poll or backfill of [start, end).
func Plan(kind string, start, end time.Time) []ingest.Task {
	out := []ingest.Task{
		{Kind: kind, DataType: dataExercises},
		{Kind: kind, DataType: dataSleep},
		{Kind: kind, DataType: dataRecharge},
	}
	from := start.UTC().Truncate(24 * time.Hour)
	for _, w := range ingest.Windows(from, end, dateWindow) {
		out = append(out,
			ingest.Task{Kind: kind, DataType: dataActivities, Start: w[0], End: w[1]},
			ingest.Task{Kind: kind, DataType: dataHeartRate, Start: w[0], End: w[1]},
		)
	}
	return out
}

// endpoint is the path and query of a plan step.
func endpoint(t ingest.Task) (string, url.Values) {
	q := url.Values{}
	if !t.Start.IsZero() {
		q.Set("from", t.Start.UTC().Format(time.DateOnly))
		q.Set("to", t.End.UTC().Format(time.DateOnly))
	}
	switch t.DataType {
	case dataExercises:
		return "/v3/exercises", q
	case dataSleep:
		return "/v3/users/sleep", q
	case dataRecharge:
		return "/v3/users/nightly-recharge", q
	case dataActivities:
		return "/v3/users/activities", q
	default:
		return "/v3/users/continuous-heart-rate", q
	}
}
