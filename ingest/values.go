package ingest

// Reading providers' values: lenient JSON scalars, and the rounding and
// shortening that every normaliser applies to what it keeps.

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxZoneOffset is the largest UTC offset in minutes that a clock can have.
const MaxZoneOffset = 18 * 60

// Number is a JSON number, or a string holding one. Absent, null and ""
// leave it unset; any other value that is not a finite number marks it Bad
// instead of failing the decode, so one odd field cannot reject a record.
type Number struct {
	Value float64
	Set   bool // Value was read
	Bad   bool // a value was given but is not a finite number
}

// UnmarshalJSON implements json.Unmarshaler.
func (x *Number) UnmarshalJSON(b []byte) error {
	*x = Number{}
	s := string(b)
	switch {
	case s == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		if json.Unmarshal(b, &s) != nil {
			x.Bad = true
			return nil
		}
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
	default:
		x.Bad = true
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		x.Bad = true
		return nil
	}
	x.Value, x.Set = f, true
	return nil
}

// Text is a JSON string, or the literal of a JSON number (providers send
// some ids and codes either way). null and other JSON types read as "".
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	*t = ""
	if len(b) == 0 {
		return nil
	}
	switch c := b[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*t = Text(strings.TrimSpace(s))
		}
	case c == '-' || (c >= '0' && c <= '9'):
		*t = Text(b)
	}
	return nil
}

// Tidy rounds away the binary noise of unit conversions (1600/3.6, joules
// to kcal and the like) at nine decimals, so that golden files and
// comparisons stay exact.
func Tidy(v float64) float64 {
	if math.Abs(v) >= 1e9 {
		return v
	}
	return math.Round(v*1e9) / 1e9
}

// Finite reports whether v is a usable value.
func Finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Truncate shortens a provider string to at most n bytes plus "…", cutting
// at a rune boundary, for skip reasons and error messages.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
