// Package whoop normalises WHOOP's Developer API v2 documents and webhook
// notifications (providers.md §5) into canonical workouts, sleep sessions
// and samples, and connects WHOOP accounts: OAuth with rotating refresh
// tokens, the webhook signature, and polling. It registers the provider
// whoop.
//
// Which body it is. The shape decides:
//
//   - an object with "records": a collection page ({"records": [...],
//     "next_token": ...}); each record tells its kind by its keys;
//   - an object with "type", "user_id" and "id" but no "start": a webhook
//     notification. workout.deleted, sleep.deleted and recovery.deleted
//     become deleted records with the id the record had, and a deletion
//     (ingest.DeleteSamples) of the samples the sleep or recovery came
//     with, over the record's span; other notifications carry no data (the
//     document is fetched) and are counted as skipped;
//   - any other object: one document: a workout ("sport_name" or
//     "sport_id"), a sleep ("nap" or a stage summary), a recovery
//     ("sleep_id" and "cycle_id") or a cycle ("start" and a score with
//     "strain").
//
// Anything else is an error when alone and skipped in a list, as is a body
// that is not JSON.
//
// Times are UTC with timezone_offset ("±hh:mm") kept as the zone offset.
// Energy is kilojoules, converted to kcal (÷ 4.184); stage durations are
// milliseconds. A score is read only when score_state is SCORED.
//
// Sources: "whoop:band" for workouts and sleep, "whoop:daily" for the
// values WHOOP computes for a night or a cycle (recovery's resting heart
// rate, HRV, SpO2 and skin temperature at the recovery's creation; the
// sleep's respiratory rate at its end; a cycle's energy at its start).
//
// Recovery and cycle scores become summaries (score.go). What is left out,
// for want of a canonical record: workout strain, the sleep performance,
// consistency and need, and heart-rate zone durations.
package whoop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func init() {
	ingest.Register(ingest.Provider{Name: provider, DisplayName: "WHOOP", Normalize: Normalize})
}

const provider = "whoop"

// The sources of WHOOP's data.
var (
	bandSource  = schemas.Source{Provider: provider, ID: provider + ":band", Name: "WHOOP", DeviceType: "band"}
	dailySource = schemas.Source{Provider: provider, ID: provider + ":daily", Name: "WHOOP daily summary"}
)

// ErrUnknownShape is the error of a JSON body that is none of WHOOP's
// documents, pages or notifications.
var ErrUnknownShape = errors.New("not a known whoop document")

// kJPerKcal converts WHOOP's kilojoules to kcal.
const kJPerKcal = 4.184

// The kinds of records, part of their ids.
const (
	kindWorkout = "workout"
	kindSleep   = "sleep"
)

// scored is the score_state of a document whose score is final.
const scored = "SCORED"

// Normalize turns one WHOOP document, collection page or webhook
// notification into canonical records. It fails only when the body is not
// JSON, is none of WHOOP's shapes, or is a single document that cannot be
// read; single bad records of a page are skipped and counted.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	body = bytes.TrimSpace(body)
	n := &normalizer{ingest.NewNormalizing(ctx, provider)}
	keys, ok := ingest.ObjectKeys(body)
	var err error
	switch {
	case len(body) == 0:
		err = errors.New("cannot decode whoop body: it is empty")
	case !ok && json.Valid(body):
		err = fmt.Errorf("cannot normalise whoop body: %w (not an object)", ErrUnknownShape)
	case !ok:
		err = fmt.Errorf("cannot decode whoop body: %w", json.Unmarshal(body, new(any)))
	case keys["records"] != nil:
		err = n.page(keys)
	case keys["type"] != nil && keys["user_id"] != nil && keys["id"] != nil && keys["start"] == nil:
		err = n.notification(body)
	default:
		err = n.document(body, keys, false)
	}
	if err != nil {
		return ingest.Records{}, err
	}
	return n.Finish(), nil
}

// normalizer holds the state of normalising one body.
type normalizer struct{ ingest.Normalizing }

var pageFields = ingest.SetOf("records", "next_token")

func (n *normalizer) page(keys map[string]json.RawMessage) error {
	var items []json.RawMessage
	if err := json.Unmarshal(keys["records"], &items); err != nil {
		return fmt.Errorf("cannot decode whoop page: %w", err)
	}
	n.Out.SkipUnknown("response", keys, pageFields)
	for _, raw := range items {
		k, ok := ingest.ObjectKeys(raw)
		if !ok {
			n.Out.Skip("unknown whoop list item")
			continue
		}
		if err := n.document(raw, k, true); err != nil {
			msg := err.Error()
			if i := strings.IndexAny(msg, ":\"("); i > 0 {
				msg = msg[:i]
			}
			n.Out.Skip(strings.TrimSpace(msg))
		}
	}
	return nil
}

func (n *normalizer) document(raw []byte, keys map[string]json.RawMessage, inList bool) error {
	has := func(k string) bool { _, ok := keys[k]; return ok }
	score, _ := ingest.ObjectKeys(keys["score"])
	switch {
	case has("sport_name") || has("sport_id"):
		return n.workout(raw, keys)
	case has("nap") || score["stage_summary"] != nil:
		return n.sleep(raw, keys)
	case has("sleep_id") && has("cycle_id"):
		return n.recovery(raw, keys)
	case has("start") && (score["strain"] != nil || score["kilojoule"] != nil || has("score_state")):
		return n.cycle(raw, keys)
	}
	if inList {
		n.Out.Skip("unknown whoop list item")
		return nil
	}
	return fmt.Errorf("cannot normalise whoop body: %w (an object with none of records, type, sport_name, nap, sleep_id and start)", ErrUnknownShape)
}

// notification is a webhook body. A deleted workout or sleep becomes a
// record with the id it had, Deleted set and the receive time as its
// version, so that it replaces the stored one; the samples a sleep came
// with are deleted over its span.
func (n *normalizer) notification(body []byte) error {
	var w struct {
		Type ingest.Text `json:"type"`
		ID   ingest.Text `json:"id"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return fmt.Errorf("cannot decode whoop webhook: %w", err)
	}
	kind, event, _ := strings.Cut(strings.ToLower(string(w.Type)), ".")
	if event != "deleted" {
		n.Out.Skip("webhook " + ingest.Truncate(string(w.Type), 40) + " notification (the document is fetched)")
		return nil
	}
	id := string(w.ID)
	if id == "" {
		return errors.New("cannot normalise whoop delete notification: id is missing")
	}
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		n.Out.Skip("delete of a v1 integer id (not a record id)")
		return nil
	}
	switch kind {
	case kindWorkout:
		n.Out.Workouts = append(n.Out.Workouts, schemas.Workout{
			ID: n.recordID(kindWorkout, id), Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID, Source: bandSource,
			ProviderRecordID: id, Type: workoutOther, Deleted: true,
			Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
		})
	case kindSleep:
		n.Out.Sleep = append(n.Out.Sleep, schemas.Sleep{
			ID: n.recordID(kindSleep, id), Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID, Source: bandSource,
			ProviderRecordID: id, Deleted: true,
			Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
		})
		n.Out.DeleteSamplesOf(n.recordID(kindSleep, id), sleepSamples)
	case "recovery":
		n.deletedRecovery(id)
	default:
		n.Out.Skip("delete of " + ingest.Truncate(kind, 40) + " (no canonical record)")
	}
	return nil
}

func (n *normalizer) recordID(kind, id string) string {
	return schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, kind, id)
}

// parseTime reads a UTC time; years outside 1970–2199 are refused.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil || t.Year() < 1970 || t.Year() >= 2200 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// parseOffset reads timezone_offset, "±hh:mm", as minutes east of UTC.
func parseOffset(s string) (int32, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "Z" {
		return 0, s == "Z"
	}
	t, err := time.Parse("-07:00", s)
	if err != nil {
		return 0, false
	}
	// time.Parse takes hours up to 24 ("+24:59"): refuse what no clock
	// has, as the other normalisers do.
	_, off := t.Zone()
	if off/60 > ingest.MaxZoneOffset || -off/60 > ingest.MaxZoneOffset {
		return 0, false
	}
	return int32(off / 60), true
}

// zoneOf reads a document's offset, counting a bad one as skipped.
func (n *normalizer) zoneOf(kind, s string) int32 {
	zone, ok := parseOffset(s)
	if !ok && s != "" {
		n.Out.Skip("invalid " + kind + " field timezone_offset")
	}
	return zone
}

// positive reads a statistic that cannot be negative.
func (n *normalizer) positive(field string, x ingest.Number) *float64 {
	switch {
	case x.Bad || (x.Set && x.Value < 0):
		n.Out.Skip("invalid " + field)
		return nil
	case !x.Set:
		return nil
	}
	v := ingest.Tidy(x.Value)
	return &v
}

// addSample adds one sample; daily marks a whole-day total.
func (n *normalizer) addSample(src schemas.Source, series string, ts time.Time, v float64, zone int32, daily bool) {
	n.Samples.Add(src, series, ts, ingest.Tidy(v), zone, daily)
}
