package polar

// Reading Polar's values: ISO-8601 times and durations, and the "HH:MM"
// keys of the sleep and recharge maps.

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

// number and text are the lenient JSON scalars of package ingest.
type (
	number = ingest.Number
	text   = ingest.Text
)

// timeLayouts are the ISO-8601 forms Polar writes, with and without offset.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads an ISO-8601 time. When it carries an offset, t is the
// UTC instant and zone the offset in minutes; when it does not, t is the
// local wall-clock time written as if it were UTC and hasZone is false.
// Years outside 1970–2199 are refused: they are clock errors.
func parseTime(s string) (t time.Time, zone int32, hasZone, ok bool) {
	s = strings.TrimSpace(s)
	for i, layout := range timeLayouts {
		p, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if y := p.Year(); y < 1970 || y >= 2200 {
			return time.Time{}, 0, false, false
		}
		hasZone = i < 2
		if hasZone {
			_, off := p.Zone()
			zone = int32(off / 60)
		}
		return p.UTC(), zone, hasZone, true
	}
	return time.Time{}, 0, false, false
}

// parseWall reads an ISO-8601 time as local wall-clock time written as
// UTC, for the day-level endpoints whose times are local: an offset, if
// one is written, is dropped rather than applied.
func parseWall(s string) (time.Time, bool) {
	t, zone, _, ok := parseTime(s)
	return t.Add(time.Duration(zone) * time.Minute), ok
}

// parseDate reads a "YYYY-MM-DD" date as local midnight written as UTC.
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil || t.Year() < 1970 || t.Year() >= 2200 {
		return time.Time{}, false
	}
	return t, true
}

// parseDuration reads an ISO-8601 duration such as "PT2H44M",
// "PT52M13.4S" or "P1DT2H" into seconds. Years and months, whose length
// varies, and negative durations are refused.
func parseDuration(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 3 || (s[0] != 'P' && s[0] != 'p') {
		return 0, false
	}
	s = s[1:]
	var total float64
	inTime, parts := false, 0
	for len(s) > 0 {
		if s[0] == 'T' || s[0] == 't' {
			if inTime {
				return 0, false
			}
			inTime, s = true, s[1:]
			continue
		}
		i := 0
		for i < len(s) && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9')) {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, false
		}
		v, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, false
		}
		var unit float64
		switch d := s[i] | 0x20; {
		case !inTime && d == 'w':
			unit = 7 * 86400
		case !inTime && d == 'd':
			unit = 86400
		case inTime && d == 'h':
			unit = 3600
		case inTime && d == 'm':
			unit = 60
		case inTime && d == 's':
			unit = 1
		default:
			return 0, false
		}
		total += v * unit
		parts++
		s = s[i+1:]
	}
	if parts == 0 || math.IsInf(total, 0) {
		return 0, false
	}
	return ingest.Tidy(total), true
}

// parseClock reads "HH:MM" or "HH:MM:SS" into the time since midnight.
func parseClock(s string) (time.Duration, bool) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	limits := [...]int{23, 59, 59}
	var d time.Duration
	for i, p := range parts {
		if len(p) == 0 || len(p) > 2 {
			return 0, false
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > limits[i] {
			return 0, false
		}
		d += time.Duration(v) * [...]time.Duration{time.Hour, time.Minute, time.Second}[i]
	}
	return d, true
}

// atNight places an "HH:MM" key of a night's map in time: the first
// moment with that time of day that is at most an hour before the night's
// start, given as local wall-clock time written as UTC. The maps of a
// night (hypnogram, heart rate) have no date and cross midnight.
func atNight(clock time.Duration, localStart time.Time) time.Time {
	day := time.Date(localStart.Year(), localStart.Month(), localStart.Day(), 0, 0, 0, 0, time.UTC)
	t := day.Add(clock)
	if t.Before(localStart.Add(-time.Hour)) {
		t = t.Add(24 * time.Hour)
	}
	return t
}
