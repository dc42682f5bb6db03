package gateway

// SDK diagnostic events go to their own topic, wearables.sdk.logs, one
// SDKLogEvent per event keyed by user id, rather than to a raw topic: they
// are not health data, the processor has nothing to normalise in them, and
// whoever debugs an app's sync reads them straight from Kafka (or sinks
// them wherever they like) without touching the data path.

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest/sdk"
	"github.com/wearstream/wearstream/schemas"
)

// maxLogsBody is the largest logs body: 100 small events fit many times.
const maxLogsBody = 1 << 20

// sdkLogs accepts 1–100 SDK diagnostic events and answers 202 once Kafka
// has them all.
func (g *Gateway) sdkLogs(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	if len(c.Body()) > maxLogsBody {
		return newError(http.StatusRequestEntityTooLarge, "payload_too_large", "request body is larger than 1 MiB")
	}
	req, err := sdk.ParseLogs(c.Body())
	if err != nil {
		var fe *sdk.FieldError
		if errors.As(err, &fe) {
			return badRequest("invalid_field", fe.Field+": "+fe.Reason)
		}
		return badRequest("invalid_json", err.Error())
	}
	now := g.now().UTC().Truncate(time.Millisecond)
	batch := uuid.NewString()
	p := who(c)
	recs := make([]*kgo.Record, 0, len(req.Events))
	for _, ev := range req.Events {
		value, err := g.env.Serde.Encode(schemas.SDKLogEvent{
			ID: uuid.NewString(), BatchID: batch, ReceivedAt: now, Tenant: u.Tenant, UserID: u.ID,
			AppID: p.appID(), Provider: req.Provider, SDKVersion: req.SDKVersion, SessionID: req.SessionID,
			EventType: ev.Type, OccurredAt: ev.Time, Event: string(ev.Raw),
		})
		if err != nil {
			return err
		}
		recs = append(recs, &kgo.Record{Topic: g.env.Topics.SDKLogs(), Key: []byte(u.ID), Value: value})
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), g.produceTimeout)
	defer cancel()
	if err := g.env.Producer.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		g.env.Logger.Warn("sdk log events not acknowledged by kafka", "err", err)
		return unavailable("the event store is unavailable; nothing was accepted, retry later")
	}
	g.env.Logger.Info("sdk log events", "user_id", u.ID, "batch_id", batch, "events", len(recs), "sdk_version", req.SDKVersion)
	return c.Status(http.StatusAccepted).JSON(fiber.Map{
		"status_code": http.StatusAccepted,
		"response":    "Logs accepted",
		"batch_id":    batch,
		"events":      len(recs),
	})
}
