package suunto

// Polling Suunto: the workouts since the connection's cursor, and the 24/7
// sleep, activity and recovery samples of the window, which take at most 28
// days per call (read here in 20-day windows, as Open Wearables does).

import (
	"strconv"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) { p.Plan = Plan })
}

// The data types of plan steps.
const (
	dataWorkouts = "workouts"
	dataWorkout  = "workout"
)

// samplesWindow is the window of one 24/7 call.
const samplesWindow = 20 * 24 * time.Hour

// Plan returns the steps of a poll or backfill of [start, end).
func Plan(kind string, start, end time.Time) []ingest.Task {
	out := []ingest.Task{{Kind: kind, DataType: dataWorkouts, Start: start, End: end}}
	for _, w := range ingest.Windows(start, end, samplesWindow) {
		for _, t := range []string{"sleep", "activity", "recovery"} {
			out = append(out, ingest.Task{Kind: kind, DataType: t, Start: w[0], End: w[1]})
		}
	}
	return out
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
