package garmin

// Garmin is never polled (its terms forbid it): new data is pushed. History
// is requested with the backfill API, at most 30 days per request and
// per summary type; Garmin answers 202 and pushes the data later, 409 for a
// window already requested (each is fulfilled once) and 403 without the
// HISTORICAL_DATA_EXPORT permission.

import (
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) { p.Plan = Plan })
}

// backfillWindow is the longest window of one backfill request.
const backfillWindow = 30 * 24 * time.Hour

// BackfillTypes are the summary types whose history is requested, by their
// backfill names.
var BackfillTypes = []string{
	"dailies", "epochs", "sleeps", "hrv", "stressDetails", "pulseOx", "respiration", "bodyComps",
	"bloodPressures", "userMetrics", "skinTemp", "healthSnapshot", "activities", "activityDetails",
}

// Plan returns the backfill requests of [start, end): every type for each
// 30-day window, newest window first. Polls have no steps.
func Plan(kind string, start, end time.Time) []ingest.Task {
	if kind != ingest.TaskBackfill {
		return nil
	}
	windows := ingest.Windows(start, end, backfillWindow)
	var out []ingest.Task
	for i := len(windows) - 1; i >= 0; i-- {
		for _, t := range BackfillTypes {
			out = append(out, ingest.Task{Kind: kind, DataType: t, Start: windows[i][0], End: windows[i][1]})
		}
	}
	return out
}
