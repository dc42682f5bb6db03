package gateway

// GET/PUT /settings/retention: how long the tenant's raw samples are kept
// (raw_samples_days, 1 to 36,500, or null for ever). The ClickHouse sink
// deletes older samples (sinks/clickhouse/retention.go).

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/schemas"
)

// maxRetentionDays bounds a retention setting (100 years).
const maxRetentionDays = 36500

type retentionView struct {
	RawSamplesDays *int32  `json:"raw_samples_days"`
	UpdatedAt      *string `json:"updated_at"`
}

func viewRetention(r schemas.Retention) retentionView {
	var v retentionView
	if r.RawSamplesDays > 0 {
		d := r.RawSamplesDays
		v.RawSamplesDays = &d
	}
	v.UpdatedAt = optStamp(r.UpdatedAt)
	return v
}

func (g *Gateway) getRetention(c *fiber.Ctx) error {
	r, _ := g.env.Tables.Retention.Get(who(c).Tenant)
	return c.JSON(viewRetention(r))
}

func (g *Gateway) putRetention(c *fiber.Ctx) error {
	var fields map[string]json.RawMessage
	if err := decodeJSON(c, &fields); err != nil {
		return err
	}
	tenant := who(c).Tenant
	r, _ := g.env.Tables.Retention.Get(tenant)
	r.Tenant = tenant
	for name, raw := range fields {
		if name != "raw_samples_days" {
			return badRequest("invalid_field", name+": not a retention setting (raw_samples_days)")
		}
		var days *int64
		if err := json.Unmarshal(raw, &days); err != nil || days != nil && (*days < 1 || *days > maxRetentionDays) {
			return badRequest("invalid_field", name+": must be a whole number of days from 1 to "+strconv.Itoa(maxRetentionDays)+", or null to keep for ever")
		}
		r.RawSamplesDays = 0
		if days != nil {
			r.RawSamplesDays = int32(*days)
		}
	}
	r.UpdatedAt = g.now().UTC().Truncate(time.Millisecond)
	if err := g.env.Tables.Retention.Put(c.UserContext(), tenant, r); err != nil {
		return unavailable("cannot store the setting: " + err.Error())
	}
	g.record(c, "retention.updated", "tenant", tenant, map[string]any{"raw_samples_days": r.RawSamplesDays})
	return c.JSON(viewRetention(r))
}
