package ingest

// Deletions the API requested. DELETE /users/{id}/events/workouts/{id} and
// …/sleep/{id} do not touch ClickHouse: the gateway produces a raw event
// of kind "api" and content type ContentTypeDeletion to the record's
// provider topic, keyed by the user like every raw event of the user, so
// it reaches the processor partition that tracks the record. The
// normaliser below turns it into an id-only delete, which the processor
// emits like a provider's delete (change "deleted", a version above the
// last), so Kafka, ClickHouse and the webhooks (workout.deleted,
// sleep.deleted) all see it.
//
// The format is registered on every provider's topic and refused unless
// the raw event's kind is "api": no upload (an SDK sync, a file) can carry
// it, whatever its content type.

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// ContentTypeDeletion is the content type of a deletion the API requested.
const ContentTypeDeletion = "application/x-wearstream-deletion+json"

// Deletion is the body of a deletion the API requested.
type Deletion struct {
	// Kind is DeleteWorkouts or DeleteSleep.
	Kind string `json:"kind"`
	// ID is the canonical id of the record.
	ID string `json:"id"`
	// MinVersion is one above the version the API saw; the delete carries
	// at least that, and at least the raw event's receive time in ms.
	MinVersion int64 `json:"min_version"`
}

func init() { RegisterFormat("", ContentTypeDeletion, NormalizeDeletion) }

// NormalizeDeletion turns a deletion the API requested into an id-only
// delete of the raw event's tenant, user and provider.
func NormalizeDeletion(ctx Context, body []byte) (Records, error) {
	if ctx.Kind != string(schemas.KindAPI) {
		return Records{}, fmt.Errorf("cannot accept a deletion from a raw event of kind %q", ctx.Kind)
	}
	var d Deletion
	if err := json.Unmarshal(body, &d); err != nil {
		return Records{}, fmt.Errorf("cannot decode deletion: %w", err)
	}
	if d.ID == "" || ctx.Tenant == "" || ctx.UserID == "" {
		return Records{}, fmt.Errorf("cannot accept a deletion without record id, tenant and user")
	}
	version := max(d.MinVersion, ctx.ReceivedAt.UnixMilli())
	src := schemas.Source{Provider: ctx.Provider}
	ingested := ctx.ReceivedAt.UTC().Truncate(time.Millisecond)
	switch d.Kind {
	case DeleteWorkouts:
		return Records{Workouts: []schemas.Workout{{ID: d.ID, Tenant: ctx.Tenant, UserID: ctx.UserID, Source: src,
			Deleted: true, Version: version, RawEventID: ctx.RawEventID, IngestedAt: ingested}}}, nil
	case DeleteSleep:
		return Records{Sleep: []schemas.Sleep{{ID: d.ID, Tenant: ctx.Tenant, UserID: ctx.UserID, Source: src,
			Deleted: true, Version: version, RawEventID: ctx.RawEventID, IngestedAt: ingested}}}, nil
	}
	return Records{}, fmt.Errorf("cannot delete records of kind %q", d.Kind)
}
