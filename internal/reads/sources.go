package reads

import (
	"context"
	"fmt"
	"time"
)

// DataSource is one source a user's data came from, with how many current
// records it wrote and when its latest record was.
type DataSource struct {
	Source
	Records  uint64
	LastSeen time.Time
}

// sourceUnion is every current record's source of one user (or of the
// tenant when the user is ""), with its kind and time.
func sourceUnion(userCond string) string {
	part := func(table, timeCol, kind, final string) string {
		return "SELECT source_id, CAST(provider AS String) AS provider, device, CAST(device_type AS String) AS device_type, source_name, " + timeCol + " AS at, '" + kind + "' AS kind, " + final +
			" FROM (SELECT * FROM " + table + " FINAL WHERE tenant_id = ?" + userCond + ") WHERE deleted = 0"
	}
	return part("samples", "ts", "samples", "CAST(series_type AS String) AS what") + " UNION ALL " +
		part("workouts", "start_time", "workouts", "CAST(type AS String) AS what") + " UNION ALL " +
		part("sleep", "end_time", "sleep", "'sleep' AS what") + " UNION ALL " +
		part("summaries", "recorded_at", "scores", "CAST(category AS String) AS what")
}

// DataSources lists the sources of the user's current records, by
// provider and source id.
func (r *Reader) DataSources(ctx context.Context, tenant, userID string) ([]DataSource, error) {
	args := []any{}
	for range 4 {
		args = append(args, tenant, userID)
	}
	sql := "SELECT source_id, any(provider) AS p, argMax(device, at), argMax(device_type, at), argMax(source_name, at), count(), max(at) FROM (" +
		sourceUnion(" AND user_id = toUUID(?)") + ") GROUP BY source_id ORDER BY p, source_id"
	rows, err := r.conn.Query(finalContext(ctx), sql, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read data sources: %w", err)
	}
	defer rows.Close()
	var out []DataSource
	for rows.Next() {
		var d DataSource
		if err := rows.Scan(&d.ID, &d.Provider, &d.Device, &d.DeviceType, &d.Name, &d.Records, &d.LastSeen); err != nil {
			return nil, fmt.Errorf("cannot read data sources: %w", err)
		}
		d.LastSeen = d.LastSeen.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// Coverage is what one provider has delivered to a tenant: the series
// types, workout types, sleep and score categories, with record counts.
type Coverage struct {
	Provider string
	// By kind (samples, workouts, sleep, scores), what → records.
	Kinds map[string]map[string]uint64
}

// Coverage reads, over the tenant's sort-key range, what each provider has
// delivered.
func (r *Reader) Coverage(ctx context.Context, tenant string) ([]Coverage, error) {
	args := []any{tenant, tenant, tenant, tenant}
	union := sourceUnion("")
	sql := "SELECT provider, kind, what, count() FROM (" + union + ") GROUP BY provider, kind, what ORDER BY provider, kind, what"
	rows, err := r.conn.Query(finalContext(ctx), sql, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read coverage: %w", err)
	}
	defer rows.Close()
	var out []Coverage
	for rows.Next() {
		var (
			provider, kind, what string
			n                    uint64
		)
		if err := rows.Scan(&provider, &kind, &what, &n); err != nil {
			return nil, fmt.Errorf("cannot read coverage: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].Provider != provider {
			out = append(out, Coverage{Provider: provider, Kinds: map[string]map[string]uint64{}})
		}
		c := &out[len(out)-1]
		if c.Kinds[kind] == nil {
			c.Kinds[kind] = map[string]uint64{}
		}
		c.Kinds[kind][what] = n
	}
	return out, rows.Err()
}
