package reads

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// RecordKind is a kind of event record that can be looked up by id.
type RecordKind string

// The event records.
const (
	WorkoutRecord RecordKind = "workout"
	SleepRecord   RecordKind = "sleep"
)

var recordTables = map[RecordKind]string{WorkoutRecord: "workouts", SleepRecord: "sleep"}

// RecordRef is the current revision of one workout or sleep session.
type RecordRef struct {
	Provider string
	Version  uint64
}

// ErrNotFound is a record that is not a current record of the user: an
// unknown id, another user's or tenant's, or a deleted one.
var ErrNotFound = errors.New("no such record")

// Record finds the current revision of the user's workout or sleep
// session id; ErrNotFound when there is none.
func (r *Reader) Record(ctx context.Context, tenant, userID string, kind RecordKind, id string) (RecordRef, error) {
	table, ok := recordTables[kind]
	if !ok {
		return RecordRef{}, fmt.Errorf("cannot look up records of kind %q", kind)
	}
	if _, err := uuid.Parse(id); err != nil {
		return RecordRef{}, ErrNotFound
	}
	// The id is in the sort key and every revision carries it, so the
	// condition under FINAL keeps them all.
	sql := "SELECT provider, version FROM (SELECT provider, version, deleted FROM " + table +
		" FINAL WHERE tenant_id = ? AND user_id = toUUID(?) AND id = toUUID(?)) WHERE deleted = 0"
	rows, err := r.conn.Query(finalContext(ctx), sql, tenant, userID, id)
	if err != nil {
		return RecordRef{}, fmt.Errorf("cannot look up %s %s: %w", kind, id, err)
	}
	defer rows.Close()
	var ref RecordRef
	found := false
	for rows.Next() {
		if err := rows.Scan(&ref.Provider, &ref.Version); err != nil {
			return RecordRef{}, fmt.Errorf("cannot look up %s %s: %w", kind, id, err)
		}
		found = true
	}
	if err := rows.Err(); err != nil {
		return RecordRef{}, fmt.Errorf("cannot look up %s %s: %w", kind, id, err)
	}
	if !found {
		return RecordRef{}, ErrNotFound
	}
	return ref, nil
}
