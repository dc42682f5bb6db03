package reads

import (
	"context"
	"fmt"
	"slices"
)

// DataSummary counts what wearstream holds for one user, as Open
// Wearables' data summary: samples per series type, workouts per type,
// sleep sessions, and the same per provider.
type DataSummary struct {
	DataPoints        uint64
	Workouts          uint64
	SleepSessions     uint64
	SeriesTypeCounts  map[string]uint64
	WorkoutTypeCounts map[string]uint64
	ByProvider        []ProviderCounts
}

// ProviderCounts is one provider's share of a DataSummary.
type ProviderCounts struct {
	Provider     string
	DataPoints   uint64
	SeriesCounts map[string]uint64
	Workouts     uint64
	Sleep        uint64
}

// DataSummary counts the user's current records whose local day lies in
// [StartDate, EndDate] (both optional).
func (r *Reader) DataSummary(ctx context.Context, tenant, userID, startDate, endDate string) (DataSummary, error) {
	eq := EventQuery{StartDate: startDate, EndDate: endDate}
	if err := eq.check(); err != nil {
		return DataSummary{}, err
	}
	out := DataSummary{SeriesTypeCounts: map[string]uint64{}, WorkoutTypeCounts: map[string]uint64{}}
	providers := map[string]*ProviderCounts{}
	prov := func(name string) *ProviderCounts {
		p, ok := providers[name]
		if !ok {
			p = &ProviderCounts{Provider: name, SeriesCounts: map[string]uint64{}}
			providers[name] = p
		}
		return p
	}
	days := func(timeCol string) (string, []any) {
		w, args := "", []any{}
		if startDate != "" {
			w += " AND toDate(" + timeCol + " + zone_offset * 60) >= toDate(?)"
			args = append(args, startDate)
		}
		if endDate != "" {
			w += " AND toDate(" + timeCol + " + zone_offset * 60) <= toDate(?)"
			args = append(args, endDate)
		}
		return w, args
	}
	ctx = finalContext(ctx)
	w, dargs := days("ts")
	err := r.each(ctx, "SELECT series_type, provider, count() FROM samples FINAL WHERE tenant_id = ? AND user_id = toUUID(?) AND deleted = 0"+w+
		" GROUP BY series_type, provider", append([]any{tenant, userID}, dargs...), func(kind, provider string, n uint64) {
		out.DataPoints += n
		out.SeriesTypeCounts[kind] += n
		p := prov(provider)
		p.DataPoints += n
		p.SeriesCounts[kind] += n
	})
	if err != nil {
		return DataSummary{}, err
	}
	w, dargs = days("start_time")
	err = r.each(ctx, "SELECT type, provider, count() FROM (SELECT * FROM workouts FINAL WHERE tenant_id = ? AND user_id = toUUID(?)) WHERE deleted = 0"+w+
		" GROUP BY type, provider", append([]any{tenant, userID}, dargs...), func(kind, provider string, n uint64) {
		out.Workouts += n
		out.WorkoutTypeCounts[kind] += n
		prov(provider).Workouts += n
	})
	if err != nil {
		return DataSummary{}, err
	}
	w, dargs = days("end_time")
	err = r.each(ctx, "SELECT '', provider, count() FROM (SELECT * FROM sleep FINAL WHERE tenant_id = ? AND user_id = toUUID(?)) WHERE deleted = 0"+w+
		" GROUP BY provider", append([]any{tenant, userID}, dargs...), func(_, provider string, n uint64) {
		out.SleepSessions += n
		prov(provider).Sleep += n
	})
	if err != nil {
		return DataSummary{}, err
	}
	for _, p := range providers {
		out.ByProvider = append(out.ByProvider, *p)
	}
	slices.SortFunc(out.ByProvider, func(a, b ProviderCounts) int {
		if a.Provider < b.Provider {
			return -1
		}
		if a.Provider > b.Provider {
			return 1
		}
		return 0
	})
	return out, nil
}

// each runs a query of (string, string, count) rows.
func (r *Reader) each(ctx context.Context, sql string, args []any, row func(a, b string, n uint64)) error {
	rows, err := r.conn.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("cannot count records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			a, b string
			n    uint64
		)
		if err := rows.Scan(&a, &b, &n); err != nil {
			return fmt.Errorf("cannot count records: %w", err)
		}
		row(a, b, n)
	}
	return rows.Err()
}
