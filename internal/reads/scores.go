package reads

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// ScoreQuery asks for one user's health scores (the summaries table).
type ScoreQuery struct {
	Tenant, UserID string
	// StartDate and EndDate bound the score's local day, both included;
	// empty is open.
	StartDate, EndDate string
	// Category and Provider keep only scores of that category or provider.
	Category, Provider string
	Limit              int
	Cursor             string
}

// ScoreComponent is one named part of a score.
type ScoreComponent struct {
	Name      string
	Value     *float64
	Qualifier string
}

// Score is one current health score, as Open Wearables' HealthScore.
type Score struct {
	ID         string
	Category   string
	Date       string
	RecordedAt time.Time
	ZoneOffset int32
	Value      *float64
	Qualifier  string
	Components []ScoreComponent
	Source     Source
}

// Scores reads one page of the user's current health scores, by day.
func (r *Reader) Scores(ctx context.Context, q ScoreQuery) (Page[Score], error) {
	eq := EventQuery{StartDate: q.StartDate, EndDate: q.EndDate, Limit: q.Limit}
	if err := eq.check(); err != nil {
		return Page[Score]{}, err
	}
	q.Limit = eq.Limit
	if q.Category != "" && !schemas.IsSummaryCategory(q.Category) {
		return Page[Score]{}, paramError("category", strconv.Quote(q.Category)+" is not a score category (sleep, recovery, readiness, activity, stress, resilience, body_battery, strain)")
	}
	bind := binding("scores", q.Tenant, q.UserID, q.StartDate, q.EndDate, q.Category, q.Provider)
	cur, err := decodeCursor(q.Cursor, bind)
	if err != nil {
		return Page[Score]{}, err
	}
	where := "deleted = 0"
	args := []any{q.Tenant, q.UserID}
	for _, f := range []struct{ cond, v string }{{"date >= ?", q.StartDate}, {"date <= ?", q.EndDate}, {"category = ?", q.Category}, {"provider = ?", q.Provider}} {
		if f.v != "" {
			where += " AND " + f.cond
			args = append(args, f.v)
		}
	}
	from := " FROM (SELECT *, toString(id) AS rid FROM summaries FINAL WHERE tenant_id = ? AND user_id = toUUID(?))"
	ctx = finalContext(ctx)
	total, err := r.count(ctx, "SELECT count()"+from+" WHERE "+where, args)
	if err != nil {
		return Page[Score]{}, err
	}
	order := "date, rid"
	if cur != nil {
		cond, cargs := beyond([]key{{"date", "?", cur.Type}, {"rid", "?", cur.ID}}, cur.Back)
		where += " AND " + cond
		args = append(args, cargs...)
		if cur.Back {
			order = "date DESC, rid DESC"
		}
	}
	sql := "SELECT rid, category, date, recorded_at, zone_offset, value, qualifier, component_name, component_value, component_qualifier," +
		" source_id, provider, device, device_type, source_name" + from + " WHERE " + where + " ORDER BY " + order + " LIMIT " + strconv.Itoa(q.Limit+1)
	rows, err := r.conn.Query(ctx, sql, args...)
	if err != nil {
		return Page[Score]{}, fmt.Errorf("cannot read scores: %w", err)
	}
	defer rows.Close()
	var out []Score
	for rows.Next() {
		var (
			s            Score
			zone         int16
			names, quals []string
			values       []*float64
		)
		if err := rows.Scan(&s.ID, &s.Category, &s.Date, &s.RecordedAt, &zone, &s.Value, &s.Qualifier, &names, &values, &quals,
			&s.Source.ID, &s.Source.Provider, &s.Source.Device, &s.Source.DeviceType, &s.Source.Name); err != nil {
			return Page[Score]{}, fmt.Errorf("cannot read scores: %w", err)
		}
		s.ZoneOffset, s.RecordedAt = int32(zone), s.RecordedAt.UTC()
		for i, n := range names {
			c := ScoreComponent{Name: n}
			if i < len(values) {
				c.Value = values[i]
			}
			if i < len(quals) {
				c.Qualifier = quals[i]
			}
			s.Components = append(s.Components, c)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return Page[Score]{}, fmt.Errorf("cannot read scores: %w", err)
	}
	pg := pager[Score]{limit: q.Limit, in: cur, query: bind, pos: func(s Score) cursor { return cursor{Type: s.Date, ID: s.ID} }}
	return pg.page(out, total), nil
}
