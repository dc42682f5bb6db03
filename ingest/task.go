package ingest

import (
	"errors"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// The kinds of fetch work.
const (
	// TaskPoll fetches what changed since the connection's cursor.
	TaskPoll = "poll"
	// TaskBackfill fetches (or, for Garmin, requests) a user's history.
	TaskBackfill = "backfill"
	// TaskFetch fetches a URL that a webhook named.
	TaskFetch = "fetch"
)

// ErrAlreadyRequested is returned by a backfill request the provider
// refused because the same window was requested before (Garmin's 409): it
// pushes a window once, so nothing more will come of asking again.
var ErrAlreadyRequested = errors.New("the window was requested before")

// Task is one step of a poll or backfill plan, or one fetch.
type Task struct {
	// Kind is TaskPoll, TaskBackfill or TaskFetch.
	Kind string
	// DataType is what the step fetches, in the provider's words
	// (exercises, sleeps, 247samples/sleep, ...).
	DataType string
	// URL is the address to fetch, for TaskFetch.
	URL string
	// Start and End bound the step's window, when it has one.
	Start, End time.Time
}

// Fetched is one body a fetch returned, to keep as a raw event.
type Fetched struct {
	Body []byte
	// ContentType is the body's media type (application/json when empty).
	ContentType string
	// Kind overrides the raw event kind (by default poll for polls and
	// fetches, backfill for backfills).
	Kind schemas.RawKind
}

// Windows cuts [start, end) into consecutive windows of at most size.
func Windows(start, end time.Time, size time.Duration) [][2]time.Time {
	var out [][2]time.Time
	for s := start; s.Before(end); s = s.Add(size) {
		e := s.Add(size)
		if e.After(end) {
			e = end
		}
		out = append(out, [2]time.Time{s, e})
	}
	return out
}
