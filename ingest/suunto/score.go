package suunto

// Scores. A 24/7 recovery entry becomes a Summary of category recovery
// from "suunto:account": Balance (0–1, a fraction; above 1 taken as
// already a percentage) × 100 is the value, at the entry's timestamp and
// for its local day, with StressState (1 relaxing, 2 active, 3 passive,
// 4 stressful) as qualifier and as the component stress_state. Suunto sends
// several entries a day; each is its own Summary, identified by its
// timestamp. An entry without Balance gives no score. A sleep entry's
// SleepQualityScore (0–100) becomes a Summary of category sleep, under the
// session's key, recorded at the session's end for the local day of the
// end.

import (
	"encoding/json"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

type recoveryEntry struct {
	Balance     number `json:"Balance"`
	StressState number `json:"StressState"`
}

// stressStates names Suunto's stress states.
var stressStates = map[float64]string{1: "relaxing", 2: "active", 3: "passive", 4: "stressful"}

func (n *normalizer) recovery(e *entry247) {
	n.Out.SkipUnknown(kindRecovery, e.keys, recoveryFields)
	at, zone, ok := parseTime(string(e.Timestamp))
	if !ok {
		n.Out.Skip("invalid 24/7 recovery timestamp")
		return
	}
	var r recoveryEntry
	if err := json.Unmarshal(e.EntryData, &r); err != nil {
		n.Out.Skip("invalid 24/7 sample")
		return
	}
	switch {
	case !r.Balance.Set && !r.Balance.Bad:
		n.Out.Skip("24/7 recovery without Balance")
		return
	case r.Balance.Bad || r.Balance.Value < 0:
		n.Out.Skip("invalid 24/7 recovery Balance")
		return
	}
	value, ok := fractionToPercent(r.Balance.Value)
	value = ingest.Tidy(value)
	if !ok {
		n.Out.Skip("invalid 24/7 recovery Balance")
		return
	}
	s := n.summary(schemas.SummaryRecovery, "recovery/"+at.UTC().Format(time.RFC3339), at, zone, value)
	switch name, known := stressStates[r.StressState.Value]; {
	case r.StressState.Set && known:
		v := r.StressState.Value
		s.Qualifier = name
		s.Components = []schemas.SummaryComponent{{Name: "stress_state", Value: &v, Qualifier: name}}
	case r.StressState.Set || r.StressState.Bad:
		n.Out.Skip("invalid 24/7 recovery StressState")
	}
	n.Out.Summaries = append(n.Out.Summaries, s)
}

// sleepScore adds the Summary of a sleep entry's quality score, if any.
func (n *normalizer) sleepScore(x number, key string, end time.Time, zone int32) {
	switch {
	case !x.Set && !x.Bad:
		return
	case x.Bad || x.Value < 0 || x.Value > 100:
		n.Out.Skip("invalid 24/7 sleep SleepQualityScore")
		return
	}
	n.Out.Summaries = append(n.Out.Summaries, n.summary(schemas.SummarySleep, key, end, zone, x.Value))
}

// summary is a Summary of category for the document key, for the local
// day of at.
func (n *normalizer) summary(category, key string, at time.Time, zone int32, value float64) schemas.Summary {
	return schemas.Summary{
		ID:     schemas.SummaryID(n.Ctx.Tenant, n.Ctx.UserID, provider, category, key),
		Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID, Source: accountSource, ProviderRecordID: key,
		Category: category, Date: at.Add(time.Duration(zone) * time.Minute).Format(time.DateOnly),
		RecordedAt: at, ZoneOffset: zone, Value: &value,
		Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
	}
}
