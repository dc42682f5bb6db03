package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest/sdk"
	"github.com/wearstream/wearstream/schemas"
)

// forwardedHeaders are the request headers kept on a raw event.
var forwardedHeaders = []string{fiber.HeaderUserAgent, "X-SDK-Version", "X-App-Version"}

// sdkSync accepts a mobile SDK upload: the Open Wearables sync body, checked
// for shape and provider, produced untouched to the provider's raw topic.
func (g *Gateway) sdkSync(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	provider, err := sdk.CheckEnvelope(c.Body())
	if err != nil {
		if errors.Is(err, sdk.ErrUnknownProvider) {
			return badRequest("invalid_provider", err.Error())
		}
		return badRequest("invalid_body", err.Error())
	}
	raw, err := g.produceRaw(c, u, provider, schemas.KindSDK)
	if err != nil {
		return err
	}
	run := g.recordRun(u, provider, "sdk", "upload accepted", 1, int64(len(c.Body())))
	return c.Status(http.StatusAccepted).JSON(fiber.Map{
		"status_code":  http.StatusAccepted,
		"response":     "Import task queued successfully",
		"user_id":      u.ID,
		"raw_event_id": raw.ID,
		"run_id":       run,
	})
}

// produceRaw wraps the request body in a RawEvent and produces it to the
// provider's raw topic, returning once Kafka acknowledged it (acks=all).
func (g *Gateway) produceRaw(c *fiber.Ctx, u schemas.User, provider string, kind schemas.RawKind) (schemas.RawEvent, error) {
	headers := map[string]string{}
	for _, h := range forwardedHeaders {
		if v := c.Get(h); v != "" {
			headers[strings.ToLower(h)] = v
		}
	}
	raw := schemas.RawEvent{
		ID:          uuid.NewString(),
		ReceivedAt:  g.now().UTC().Truncate(time.Millisecond),
		Tenant:      u.Tenant,
		Provider:    provider,
		Kind:        string(kind),
		UserID:      u.ID,
		ContentType: c.Get(fiber.HeaderContentType),
		Headers:     headers,
		// The body buffer belongs to fasthttp and is reused after the
		// handler returns; the encoder copies it into the record value.
		Body:  c.Body(),
		Parts: 1,
	}
	value, err := g.env.Serde.Encode(raw)
	if err != nil {
		return raw, err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), g.produceTimeout)
	defer cancel()
	rec := &kgo.Record{Topic: g.env.Topics.Raw(provider), Key: []byte(u.ID), Value: value}
	if err := g.env.Producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
		g.env.Logger.Warn("raw event not acknowledged by kafka", "topic", rec.Topic, "err", err)
		return raw, unavailable("the event store is unavailable; nothing was accepted, retry later")
	}
	return raw, nil
}
