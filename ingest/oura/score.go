package oura

// Scores. daily_readiness, daily_activity and daily_sleep each carry a
// score (1 to 100) and its contributors (name to 1 to 100); each becomes a
// Summary of category readiness, activity or sleep from the "oura:daily"
// source, for the document's day, with the contributors as components
// sorted by name. Its id is one per document and category, so a delete
// notification of the document finds it; the delete also removes the
// samples the document added (scoreDocSamples) at the summary's time or,
// for a daily activity's met series, over the span the normaliser gave in
// Records.Spans.

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// scoreDocs maps the Oura document types that carry a score to the
// category of their Summary.
var scoreDocs = map[string]string{
	"daily_readiness": schemas.SummaryReadiness,
	"daily_activity":  schemas.SummaryActivity,
	"daily_sleep":     schemas.SummarySleep,
}

// scoreDocSamples are, by scored document type, the series of the samples
// the document adds besides its score; daily_sleep adds none.
var scoreDocSamples = map[string][]ingest.SampleGroup{
	"daily_readiness": readinessSamples,
	"daily_activity":  activitySamples,
}

type scoreDoc struct {
	ID           ingest.Text              `json:"id"`
	Day          ingest.Text              `json:"day"`
	Timestamp    ingest.Text              `json:"timestamp"`
	Score        ingest.Number            `json:"score"`
	Contributors map[string]ingest.Number `json:"contributors"`
}

// score adds the Summary of one scored document of type doc.
func (n *normalizer) score(doc string, raw []byte) error {
	var d scoreDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("cannot decode oura %s: %w", doc, err)
	}
	switch {
	case d.Score.Bad || (d.Score.Set && (d.Score.Value < 0 || d.Score.Value > 100)):
		n.Out.Skip("invalid " + doc + " score")
		return nil
	case !d.Score.Set:
		n.Out.Skip(doc + " without a score")
		return nil
	}
	at, zone, ok := dayTime(string(d.Timestamp), string(d.Day))
	if !ok {
		n.Out.Skip("invalid " + doc + " day")
		return nil
	}
	date := string(d.Day)
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		date = at.Add(time.Duration(zone) * time.Minute).Format(time.DateOnly)
	}
	category := scoreDocs[doc]
	key := string(d.ID)
	if key == "" {
		key = "day/" + date
	}
	value := d.Score.Value
	s := schemas.Summary{
		ID: schemas.SummaryID(n.Ctx.Tenant, n.Ctx.UserID, provider, category, key), Tenant: n.Ctx.Tenant,
		UserID: n.Ctx.UserID, Source: dailySource, ProviderRecordID: string(d.ID), Category: category,
		Date: date, RecordedAt: at, ZoneOffset: zone, Value: &value,
		Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
	}
	names := make([]string, 0, len(d.Contributors))
	for name := range d.Contributors {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c := d.Contributors[name]
		switch {
		case c.Bad || (c.Set && (c.Value < 0 || c.Value > 100)):
			n.Out.Skip("invalid " + doc + " contributor")
		case c.Set:
			v := c.Value
			s.Components = append(s.Components, schemas.SummaryComponent{Name: name, Value: &v})
		}
	}
	n.Out.Summaries = append(n.Out.Summaries, s)
	return nil
}

// deletedScore adds the delete of the Summary of a scored document and of
// the samples the document came with.
func (n *normalizer) deletedScore(doc, id string) {
	category := scoreDocs[doc]
	summaryID := schemas.SummaryID(n.Ctx.Tenant, n.Ctx.UserID, provider, category, id)
	n.Out.Summaries = append(n.Out.Summaries, schemas.Summary{
		ID: summaryID, Tenant: n.Ctx.Tenant,
		UserID: n.Ctx.UserID, Source: dailySource, ProviderRecordID: id, Category: category, Deleted: true,
		Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
	})
	n.Out.DeleteSamplesOf(summaryID, scoreDocSamples[doc])
}
