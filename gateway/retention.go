package gateway

// GET/PUT /settings/retention: how long the tenant's raw samples are kept
// (raw_samples_days, 3 to 36,500, or null for ever) and how long their
// hourly and daily rollups are kept (rollups_days, at least
// raw_samples_days and at most 36,500, or null for ever). The ClickHouse
// sink rolls samples up and deletes older rows (sinks/clickhouse/rollups.go,
// retention.go). Raw samples are kept at least 3 days so that every local
// day is rolled up complete before its first samples expire.

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/schemas"
)

// maxRetentionDays bounds a retention setting (100 years).
const maxRetentionDays = 36500

// minRawSamplesDays is the shortest raw retention: a local day spans 60
// hours of UTC, and it is rolled up at most an hour after it ends.
const minRawSamplesDays = 3

type retentionView struct {
	RawSamplesDays *int32  `json:"raw_samples_days"`
	RollupsDays    *int32  `json:"rollups_days"`
	UpdatedAt      *string `json:"updated_at"`
}

func viewRetention(r schemas.Retention) retentionView {
	days := func(d int32) *int32 {
		if d <= 0 {
			return nil
		}
		return &d
	}
	return retentionView{RawSamplesDays: days(r.RawSamplesDays), RollupsDays: days(r.RollupsDays), UpdatedAt: optStamp(r.UpdatedAt)}
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
		var target *int32
		least := 1
		switch name {
		case "raw_samples_days":
			target, least = &r.RawSamplesDays, minRawSamplesDays
		case "rollups_days":
			target = &r.RollupsDays
		default:
			return badRequest("invalid_field", name+": not a retention setting (raw_samples_days, rollups_days)")
		}
		var days *int64
		if err := json.Unmarshal(raw, &days); err != nil || days != nil && (*days < int64(least) || *days > maxRetentionDays) {
			return badRequest("invalid_field", name+": must be a whole number of days from "+strconv.Itoa(least)+" to "+strconv.Itoa(maxRetentionDays)+", or null to keep for ever")
		}
		*target = 0
		if days != nil {
			*target = int32(*days)
		}
	}
	if r.RollupsDays > 0 && (r.RawSamplesDays == 0 || r.RollupsDays < r.RawSamplesDays) {
		return badRequest("invalid_field", "rollups_days: must be at least raw_samples_days (rollups outlive the samples they sum)")
	}
	r.UpdatedAt = g.now().UTC().Truncate(time.Millisecond)
	if err := g.env.Tables.Retention.Put(c.UserContext(), tenant, r); err != nil {
		return unavailable("cannot store the setting: " + err.Error())
	}
	g.record(c, "retention.updated", "tenant", tenant, map[string]any{"raw_samples_days": r.RawSamplesDays, "rollups_days": r.RollupsDays})
	return c.JSON(viewRetention(r))
}
