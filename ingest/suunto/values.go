package suunto

// Reading Suunto's values: ISO-8601 times and epoch milliseconds.

import (
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

// number and text are the lenient JSON scalars of package ingest.
type (
	number = ingest.Number
	text   = ingest.Text
)

// parseTime reads an ISO-8601 time with an offset ("2026-05-17T10:00:00.000+02:00")
// into the UTC instant and the offset in minutes; a time without an offset
// is read as UTC with offset 0. Years outside 1970–2199 are refused.
func parseTime(s string) (time.Time, int32, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range [...]string{time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if y := t.Year(); y < 1970 || y >= 2200 {
			return time.Time{}, 0, false
		}
		_, off := t.Zone()
		return t.UTC(), int32(off / 60), true
	}
	return time.Time{}, 0, false
}

// fromMillis reads epoch milliseconds; years outside 1970–2199 are refused.
func fromMillis(ms float64) (time.Time, bool) {
	if !ingest.Finite(ms) || ms < 0 || ms >= 7258118400000 { // 2200-01-01
		return time.Time{}, false
	}
	return time.UnixMilli(int64(ms)).UTC(), true
}
