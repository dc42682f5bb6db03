package whoop

// Scores. A SCORED recovery becomes a Summary of category recovery: its
// recovery_score (0 to 100) at created_at, for the UTC day of created_at
// (a recovery carries no offset), with the resting heart rate, HRV, SpO2
// and skin temperature as components and "calibrating" as qualifier while
// WHOOP calibrates to the user. Its id is over the sleep id, which is the
// id WHOOP's recovery webhooks name. A SCORED cycle becomes a Summary of
// category strain: its strain (0 to 21) at the cycle's start, for the local
// day of the start, with kilojoule and the average and max heart rate as
// components. Both come from the "whoop:daily" source. A recovery.deleted
// also removes the recovery's samples (recoverySamples), which lie at its
// created_at, the summary's time; WHOOP sends no delete of a cycle.

import (
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// component is one named value of a score.
type component struct {
	name string
	x    ingest.Number
}

// summary adds the Summary of one scored document; key identifies the
// document. An invalid or missing score adds nothing.
func (n *normalizer) summary(doc, category, key string, score ingest.Number, max float64, at time.Time, zone int32, qualifier string, comps []component) {
	switch {
	case score.Bad || (score.Set && (score.Value < 0 || score.Value > max)):
		n.Out.Skip("invalid " + doc + " score")
		return
	case !score.Set:
		n.Out.Skip(doc + " without a score")
		return
	}
	if key == "" {
		n.Out.Skip(doc + " without an id")
		return
	}
	value := score.Value
	s := schemas.Summary{
		ID: schemas.SummaryID(n.Ctx.Tenant, n.Ctx.UserID, provider, category, key), Tenant: n.Ctx.Tenant,
		UserID: n.Ctx.UserID, Source: dailySource, ProviderRecordID: key, Category: category,
		Date: at.Add(time.Duration(zone) * time.Minute).Format(time.DateOnly), RecordedAt: at, ZoneOffset: zone,
		Value: &value, Qualifier: qualifier,
		Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
	}
	for _, c := range comps {
		if c.x.Set && !c.x.Bad {
			v := c.x.Value
			s.Components = append(s.Components, schemas.SummaryComponent{Name: c.name, Value: &v})
		}
	}
	n.Out.Summaries = append(n.Out.Summaries, s)
}

// deletedRecovery adds the delete of a recovery's Summary and of the
// samples the recovery came with; id is the sleep id.
func (n *normalizer) deletedRecovery(id string) {
	summaryID := schemas.SummaryID(n.Ctx.Tenant, n.Ctx.UserID, provider, schemas.SummaryRecovery, id)
	n.Out.Summaries = append(n.Out.Summaries, schemas.Summary{
		ID: summaryID, Tenant: n.Ctx.Tenant,
		UserID: n.Ctx.UserID, Source: dailySource, ProviderRecordID: id, Category: schemas.SummaryRecovery, Deleted: true,
		Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
	})
	n.Out.DeleteSamplesOf(summaryID, recoverySamples)
}
