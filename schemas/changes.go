package schemas

import (
	"reflect"
	"time"
)

// The values of Workout.Change and Sleep.Change: what a revision of a
// record is to its consumers (workout.created, workout.updated, ...).
const (
	ChangeCreated = "created"
	ChangeUpdated = "updated"
	ChangeDeleted = "deleted"
)

// StateRecords is not a configuration table: it is the processor's changelog
// of the workouts and sleep sessions it emitted, partitioned like the raw
// topics and keyed "<provider>/<record id>".
const StateRecords = "records"

// RecordState is what the processor last emitted for one workout or sleep
// session: a fingerprint of its content, its version and whether it was a
// delete. It is how an unchanged re-delivery is told from an update.
type RecordState struct {
	ID          string    `avro:"id"`
	Kind        string    `avro:"kind"`
	Tenant      string    `avro:"tenant"`
	UserID      string    `avro:"user_id"`
	Fingerprint string    `avro:"fingerprint"`
	Version     int64     `avro:"version"`
	Deleted     bool      `avro:"deleted"`
	StartTime   time.Time `avro:"start_time"`
	EndTime     time.Time `avro:"end_time"`
	ZoneOffset  int32     `avro:"zone_offset"`
	UpdatedAt   time.Time `avro:"updated_at"`
}

// changeBindings is the processor's record changelog with its record type.
func (t Topics) changeBindings() []Binding {
	return []Binding{{t.State(StateRecords), RecordState{}}}
}

func init() {
	schemaFiles[reflect.TypeOf(RecordState{})] = "record_state.avsc"
}
