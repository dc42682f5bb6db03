package reads

import (
	"strconv"
	"strings"
	"time"
)

// MaxDays is the longest range of days a summary read covers.
const MaxDays = 400

// DayQuery asks for one user's daily summaries over local days.
type DayQuery struct {
	Tenant string
	UserID string
	// StartDate and EndDate (YYYY-MM-DD) are the user's local days, both
	// included.
	StartDate string
	EndDate   string
	// Priorities rank the sources; zero is DefaultPriorities.
	Priorities Priorities
}

// check validates q and returns its first and last day.
func (q *DayQuery) check() (first, last time.Time, err error) {
	for _, d := range []struct {
		param string
		v     string
		t     *time.Time
	}{{"start_date", q.StartDate, &first}, {"end_date", q.EndDate, &last}} {
		if d.v == "" {
			return first, last, paramError(d.param, "required, a date such as 2026-01-14")
		}
		t, perr := time.Parse(time.DateOnly, d.v)
		if perr != nil || !dateFormat.MatchString(d.v) {
			return first, last, paramError(d.param, "must be a date such as 2026-01-14")
		}
		*d.t = t
	}
	switch {
	case last.Before(first):
		return first, last, paramError("end_date", "must not be before start_date")
	case last.Sub(first) >= MaxDays*24*time.Hour:
		return first, last, paramError("end_date", "at most "+strconv.Itoa(MaxDays)+" days after start_date")
	}
	if q.Priorities.Providers == nil && q.Priorities.DeviceTypes == nil {
		q.Priorities = DefaultPriorities()
	}
	return first, last, nil
}

// sampleRange is the condition on samples whose local day may lie in
// [first, last]: the user's sort-key range, the types, and UTC instants
// wide enough for any offset (±14 h), then the local day itself.
func sampleRange(q DayQuery, first, last time.Time, types []string) (string, []any) {
	w := "tenant_id = ? AND user_id = toUUID(?) AND series_type IN (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(types)), ", ") + ")" +
		" AND ts >= toDateTime(?, 'UTC') AND ts < toDateTime(?, 'UTC') AND deleted = 0" +
		" AND toDate(ts + zone_offset * 60) >= toDate(?) AND toDate(ts + zone_offset * 60) <= toDate(?)"
	args := []any{q.Tenant, q.UserID}
	for _, t := range types {
		args = append(args, t)
	}
	args = append(args, first.Add(-24*time.Hour).Unix(), last.Add(48*time.Hour).Unix(), q.StartDate, q.EndDate)
	return w, args
}

// localDay is the SQL of a sample's local day as YYYY-MM-DD.
const localDay = "toString(toDate(ts + zone_offset * 60))"
