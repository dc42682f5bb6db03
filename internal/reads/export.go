package reads

// Export streams every current record of one user, table by table, one row
// at a time: ClickHouse sends the result in blocks and each row is handed
// on before the next is read, so memory stays flat however many rows the
// user has. Rows are the tables' current revisions (FINAL, deleted ones
// left out), with every column but the tenant.

import (
	"context"
	"fmt"
	"reflect"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// exportBlockRows is the block size of an export's queries.
const exportBlockRows = 8192

// ExportKinds are the kinds of exported records in the order they come,
// each with its table.
var ExportKinds = []struct{ Kind, Table string }{
	{"sample", "samples"},
	{"workout", "workouts"},
	{"workout_lap", "workout_laps"},
	{"sleep", "sleep"},
	{"summary", "summaries"},
}

// Export calls row for every current record of the user, with the record's
// kind, its column names and its values (the same slices, reused between
// calls: copy what must outlive the call). It stops at row's first error.
func (r *Reader) Export(ctx context.Context, tenant, user string, row func(kind string, columns []string, values []any) error) error {
	// Small blocks keep what the client holds at once small; PREWHERE
	// stays off as for every FINAL read (finalContext).
	ctx = ch.Context(ctx, ch.WithSettings(ch.Settings{"optimize_move_to_prewhere": 0, "max_block_size": exportBlockRows}))
	for _, k := range ExportKinds {
		sql := "SELECT * FROM (SELECT * FROM " + k.Table + " FINAL WHERE tenant_id = ? AND user_id = toUUID(?)) WHERE deleted = 0"
		if err := r.exportTable(ctx, sql, []any{tenant, user}, k.Kind, row); err != nil {
			return fmt.Errorf("cannot export %s: %w", k.Table, err)
		}
	}
	return nil
}

func (r *Reader) exportTable(ctx context.Context, sql string, args []any, kind string, row func(string, []string, []any) error) error {
	rows, err := r.conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		columns []string
		ptrs    []any
		values  []any
		keep    []int
	)
	for i, ct := range rows.ColumnTypes() {
		ptrs = append(ptrs, reflect.New(ct.ScanType()).Interface())
		if name := ct.Name(); name != "tenant_id" && name != "deleted" {
			columns = append(columns, name)
			keep = append(keep, i)
		}
	}
	values = make([]any, len(keep))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for j, i := range keep {
			values[j] = reflect.ValueOf(ptrs[i]).Elem().Interface()
		}
		if err := row(kind, columns, values); err != nil {
			return err
		}
	}
	return rows.Err()
}
