package schemas

import (
	"reflect"
	"time"
)

// StateBackfills holds the state of each history backfill a provider
// fulfils by pushing (Garmin's), keyed by ConnectionKey.
const StateBackfills = "backfills"

// The statuses of a Backfill as a whole (Open Wearables' overall_status).
const (
	BackfillInProgress = "in_progress"
	BackfillRetrying   = "retry_in_progress"
	BackfillComplete   = "complete"
	BackfillCancelled  = "cancelled"
)

// The statuses of one data type of a Backfill.
const (
	TypePending   = "pending"
	TypeTriggered = "triggered"
	TypeSuccess   = "success"
	TypeTimedOut  = "timed_out"
	TypeFailed    = "failed"
	TypeCancelled = "cancelled"
)

// BackfillType is the state of one data type of a backfill: requested
// (triggered), then done only when the provider pushed data of the type
// (success), or timed out waiting, retried once, and failed.
type BackfillType struct {
	Name        string    `avro:"name"`
	Status      string    `avro:"status"`
	Attempts    int32     `avro:"attempts"`
	TriggeredAt time.Time `avro:"triggered_at"`
	DoneAt      time.Time `avro:"done_at"`
	Error       string    `avro:"error"`
}

// Backfill is the state of a user's history backfill at a provider that
// pushes what was asked (Garmin): the window, the run it belongs to, and
// each data type's state.
type Backfill struct {
	Tenant      string         `avro:"tenant"`
	UserID      string         `avro:"user_id"`
	Provider    string         `avro:"provider"`
	RunID       string         `avro:"run_id"`
	Status      string         `avro:"status"`
	WindowStart time.Time      `avro:"window_start"`
	WindowEnd   time.Time      `avro:"window_end"`
	Types       []BackfillType `avro:"types"`
	StartedAt   time.Time      `avro:"started_at"`
	UpdatedAt   time.Time      `avro:"updated_at"`
}

// Active reports whether the backfill still waits for something.
func (b Backfill) Active() bool {
	return b.Status == BackfillInProgress || b.Status == BackfillRetrying
}

// Type returns the index of the data type name, or -1.
func (b Backfill) Type(name string) int {
	for i, t := range b.Types {
		if t.Name == name {
			return i
		}
	}
	return -1
}

func (t Topics) backfillBindings() []Binding {
	return []Binding{{t.State(StateBackfills), Backfill{}}}
}

func init() {
	schemaFiles[reflect.TypeOf(Backfill{})] = "backfill.avsc"
}
