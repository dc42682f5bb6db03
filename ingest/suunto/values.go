package suunto

// Reading Suunto's values: lenient JSON scalars and ISO-8601 times.

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// number is a JSON number, or a string holding one. Absent, null and ""
// leave it unset; any other value that is not a finite number marks it bad
// instead of failing the decode, so one odd field cannot reject a record.
type number struct {
	v   float64
	set bool
	bad bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (x *number) UnmarshalJSON(b []byte) error {
	*x = number{}
	s := string(b)
	switch {
	case s == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		if json.Unmarshal(b, &s) != nil {
			x.bad = true
			return nil
		}
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
	default:
		x.bad = true
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		x.bad = true
		return nil
	}
	x.v, x.set = f, true
	return nil
}

// text is a JSON string, or the literal of a JSON number (Suunto's SleepId
// is a number, its workoutKey a string). null and other JSON types read
// as "".
type text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *text) UnmarshalJSON(b []byte) error {
	*t = ""
	if len(b) == 0 {
		return nil
	}
	switch c := b[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*t = text(strings.TrimSpace(s))
		}
	case c == '-' || (c >= '0' && c <= '9'):
		*t = text(b)
	}
	return nil
}

// tidy rounds away the binary noise of unit conversions (joules to kcal
// and the like) at nine decimals, so that golden files and comparisons stay exact.
func tidy(v float64) float64 {
	if math.Abs(v) >= 1e9 {
		return v
	}
	return math.Round(v*1e9) / 1e9
}

// finite reports whether v is a usable value.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// maxOffset is the largest UTC offset in minutes that a clock can have.
const maxOffset = 18 * 60

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
	if !finite(ms) || ms < 0 || ms >= 7258118400000 { // 2200-01-01
		return time.Time{}, false
	}
	return time.UnixMilli(int64(ms)).UTC(), true
}

// truncate shortens provider strings that end up in skip reasons.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
