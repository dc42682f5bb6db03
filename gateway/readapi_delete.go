package gateway

// Deleting a workout or sleep session. The gateway does not write
// ClickHouse: it checks that the id is a current record of the user (404
// otherwise, as for an unknown user or another tenant's), then produces a
// deletion (ingest.ContentTypeDeletion, kind "api") to the record's
// provider topic and answers 204 once Kafka acknowledged it. The processor
// emits the delete like a provider's, so the workouts or sleep topic, the
// ClickHouse row and the workout.deleted or sleep.deleted webhook all
// follow; a read right after the 204 may still show the record until the
// sink has written the delete.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/reads"
	"github.com/wearstream/wearstream/schemas"
)

// deleteEvent answers DELETE of one workout or sleep session.
func (g *Gateway) deleteEvent(kind reads.RecordKind, deletes string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := g.readUser(c)
		if err != nil {
			return err
		}
		id := c.Params("id")
		ref, err := g.reads.Record(c.UserContext(), u.Tenant, u.ID, kind, id)
		if errors.Is(err, reads.ErrNotFound) {
			return notFound(string(kind) + " " + id + " not found")
		}
		if err != nil {
			return g.readFailure(c, err)
		}
		body, err := json.Marshal(ingest.Deletion{Kind: deletes, ID: id, MinVersion: int64(ref.Version) + 1})
		if err != nil {
			return err
		}
		raw := schemas.RawEvent{
			ID: uuid.NewString(), ReceivedAt: g.now().UTC().Truncate(time.Millisecond), Tenant: u.Tenant,
			Provider: ref.Provider, Kind: string(schemas.KindAPI), UserID: u.ID,
			ContentType: ingest.ContentTypeDeletion, Body: body, Parts: 1,
		}
		value, err := g.env.Serde.Encode(raw)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), g.produceTimeout)
		defer cancel()
		rec := &kgo.Record{Topic: g.env.Topics.Raw(ref.Provider), Key: []byte(u.ID), Value: value}
		if err := g.env.Producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
			g.env.Logger.Warn("deletion not acknowledged by kafka", "topic", rec.Topic, "err", err)
			return unavailable("the event store is unavailable; nothing was deleted, retry later")
		}
		return c.SendStatus(http.StatusNoContent)
	}
}
