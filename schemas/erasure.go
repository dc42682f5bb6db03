package schemas

import (
	"reflect"
	"time"
)

// Erasure records that a user was erased: the erasure list every reader of
// the pipeline honours (the processor, the ClickHouse sink, the delivery
// consumer, recovers and resends). It is kept in a compacted topic keyed by
// the user id, forever, and names no personal data: only the random user
// id, the tenant, who asked and when.
type Erasure struct {
	UserID string `avro:"user_id"`
	Tenant string `avro:"tenant"`
	// Provider, when set, limits the erasure to the data of one provider
	// received before ErasedAt (DELETE …/connections/{provider}/data); the
	// user stays. Empty erases the whole user, for good.
	Provider string `avro:"provider"`
	// Actor is the API key id that asked for the erasure.
	Actor    string    `avro:"actor"`
	ErasedAt time.Time `avro:"erased_at"`
}

// StateErasures is the erasure list, keyed by ErasureKey.
const StateErasures = "erasures"

// ErasureKey is the key of an erasure on the list: the user id, or
// "<user id>/<provider>" for one provider's data.
func ErasureKey(userID, provider string) string {
	if provider == "" {
		return userID
	}
	return userID + "/" + provider
}

// EventUserDeleted announces that a user was erased, so that downstream
// systems erase their copies too.
const EventUserDeleted = "user.deleted"

// erasureBindings is the erasure list with its record type.
func (t Topics) erasureBindings() []Binding {
	return []Binding{{t.State(StateErasures), Erasure{}}}
}

func init() {
	schemaFiles[reflect.TypeOf(Erasure{})] = "erasure.avsc"
}
