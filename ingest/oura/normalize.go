// Package oura normalises Oura's API v2 documents and webhook
// notifications (providers.md §2) into canonical workouts, sleep sessions
// and samples, and connects Oura accounts: OAuth, the webhook handshake and
// signature, webhook subscriptions kept by API, and polling. It registers
// the provider oura.
//
// Which body it is. The shape decides:
//
//   - an object with "data": a collection response ({"data": [...],
//     "next_token": ...}); each item tells its kind by its keys;
//   - an object with "event_type" and "data_type": a webhook notification.
//     A delete of a workout, a sleep period or a scored daily document
//     becomes a deleted record with the id the record had, and a
//     deletion (ingest.DeleteSamples) of the samples the sleep period or
//     daily document came with, by source, over the record's span. A
//     daily_spo2 has no record to name, so its delete is skipped and its
//     samples stay. Other notifications carry no data (the document is
//     fetched) and are counted as skipped;
//   - any other object: one document (GET /v2/usercollection/{type}/{id}).
//
// A document is a sleep period ("bedtime_start"), a workout ("activity"
// and "start_datetime"), a heart-rate row ("bpm"), a daily SpO2
// ("spo2_percentage"), a daily readiness ("temperature_deviation" or
// "contributors" with "hrv_balance"), a daily activity ("steps",
// "active_calories" or "equivalent_walking_distance") or a daily sleep
// score ("score" and "contributors"). The three daily documents' scores
// become summaries (score.go). Anything
// else is an error when alone and skipped in a list, as is a body that is
// not JSON.
//
// Times carry their offset (ISO 8601), kept as the zone offset. Sources:
// "oura:ring" for what the ring measured, "oura:daily" for the values Oura
// computes for a day or a night (steps, energy, readiness temperature,
// SpO2 average, resting heart rate), so that they never share a timestamp,
// and with it an identity, with the measurements.
//
// What is left out, for want of a canonical record: the activity
// class and MET targets, inactivity alerts, tags, sessions and ring
// configuration.
package oura

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func init() {
	ingest.Register(ingest.Provider{Name: provider, DisplayName: "Oura", Normalize: Normalize})
}

const provider = "oura"

// The sources of Oura's data.
var (
	ringSource  = schemas.Source{Provider: provider, ID: provider + ":ring", Name: "Oura Ring", DeviceType: "ring"}
	dailySource = schemas.Source{Provider: provider, ID: provider + ":daily", Name: "Oura daily summary"}
)

// ErrUnknownShape is the error of a JSON body that is none of Oura's
// documents, responses or notifications.
var ErrUnknownShape = errors.New("not a known oura document")

// The kinds of records, part of their ids.
const (
	kindWorkout = "workout"
	kindSleep   = "sleep"
)

// Normalize turns one Oura document, collection response or webhook
// notification into canonical records. It fails only when the body is not
// JSON, is none of Oura's shapes, or is a single document that cannot be
// read; single bad items of a list are skipped and counted.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	body = bytes.TrimSpace(body)
	n := &normalizer{ingest.NewNormalizing(ctx, provider)}
	keys, ok := ingest.ObjectKeys(body)
	var err error
	switch {
	case len(body) == 0:
		err = errors.New("cannot decode oura body: it is empty")
	case !ok && json.Valid(body):
		err = fmt.Errorf("cannot normalise oura body: %w (not an object)", ErrUnknownShape)
	case !ok:
		err = fmt.Errorf("cannot decode oura body: %w", json.Unmarshal(body, new(any)))
	case keys["data"] != nil:
		err = n.collection(keys)
	case keys["event_type"] != nil && keys["data_type"] != nil:
		err = n.notification(body)
	case len(keys) == 1 && keys["challenge"] != nil:
		n.Out.Skip("webhook challenge answer (no data)")
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

var collectionFields = ingest.SetOf("data", "next_token")

func (n *normalizer) collection(keys map[string]json.RawMessage) error {
	var items []json.RawMessage
	if err := json.Unmarshal(keys["data"], &items); err != nil {
		return fmt.Errorf("cannot decode oura collection: %w", err)
	}
	n.Out.SkipUnknown("response", keys, collectionFields)
	for _, raw := range items {
		k, ok := ingest.ObjectKeys(raw)
		if !ok {
			n.Out.Skip("unknown oura list item")
			continue
		}
		if err := n.document(raw, k, true); err != nil {
			n.Out.Skip(skipReason(err))
		}
	}
	return nil
}

// skipReason is the skip reason of a document of a list that could not be
// read: the error's first clause, without the values it quotes.
func skipReason(err error) string {
	msg := err.Error()
	if i := strings.IndexAny(msg, ":\"("); i > 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

// document normalises one document; inList tells a list item, whose
// unknown kind is skipped instead of failing.
func (n *normalizer) document(raw []byte, keys map[string]json.RawMessage, inList bool) error {
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("bedtime_start"):
		return n.sleep(raw, keys)
	case has("activity") && has("start_datetime"):
		return n.workout(raw, keys)
	case has("bpm") && has("timestamp"):
		return n.heartRate(raw)
	case has("spo2_percentage"):
		return n.spo2(raw, keys)
	case has("temperature_deviation") || has("temperature_trend_deviation") || hasContributor(keys, "hrv_balance"):
		return n.readiness(raw, keys)
	case has("steps") || has("active_calories") || has("equivalent_walking_distance"):
		return n.activity(raw, keys)
	case has("score") && has("contributors"):
		return n.score("daily_sleep", raw)
	}
	if inList {
		n.Out.Skip("unknown oura list item")
		return nil
	}
	return fmt.Errorf("cannot normalise oura body: %w (an object with none of data, event_type, bedtime_start, activity, bpm, spo2_percentage, temperature_deviation and steps)", ErrUnknownShape)
}

func hasContributor(keys map[string]json.RawMessage, name string) bool {
	c, ok := ingest.ObjectKeys(keys["contributors"])
	return ok && c[name] != nil
}

// notification is a webhook body. Oura's delete notifications carry no
// data: a deleted workout or sleep period becomes a record with the id it
// had (the same name-based id over Oura's object id), Deleted set and the
// receive time as its version, so that it replaces the stored one; the
// samples a sleep period came with are deleted over its span.
func (n *normalizer) notification(body []byte) error {
	var w struct {
		EventType ingest.Text `json:"event_type"`
		DataType  ingest.Text `json:"data_type"`
		ObjectID  ingest.Text `json:"object_id"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return fmt.Errorf("cannot decode oura webhook: %w", err)
	}
	event := strings.ToLower(string(w.EventType))
	dataType := strings.ToLower(string(w.DataType))
	if event != eventDelete {
		n.Out.Skip("webhook " + ingest.Truncate(event, 20) + " notification (the document is fetched)")
		return nil
	}
	id := string(w.ObjectID)
	if id == "" {
		return errors.New("cannot normalise oura delete notification: object_id is missing")
	}
	switch dataType {
	case "workout":
		n.Out.Workouts = append(n.Out.Workouts, schemas.Workout{
			ID: n.recordID(kindWorkout, id), Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID, Source: ringSource,
			ProviderRecordID: id, Type: workoutOther, Deleted: true,
			Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
		})
	case "sleep":
		n.Out.Sleep = append(n.Out.Sleep, schemas.Sleep{
			ID: n.recordID(kindSleep, id), Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID, Source: ringSource,
			ProviderRecordID: id, Deleted: true,
			Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
		})
		n.Out.DeleteSamplesOf(n.recordID(kindSleep, id), sleepSamples)
	case "daily_readiness", "daily_activity", "daily_sleep":
		n.deletedScore(dataType, id)
	default:
		n.Out.Skip("delete of " + ingest.Truncate(dataType, 40) + " (no canonical record)")
	}
	return nil
}

// recordID is the canonical id of the Oura record of kind with Oura's id.
func (n *normalizer) recordID(kind, id string) string {
	return schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, kind, id)
}

// addSample adds one sample; daily marks a whole-day total.
func (n *normalizer) addSample(src schemas.Source, series string, ts time.Time, v float64, zone int32, daily bool) {
	n.Samples.Add(src, series, ts, ingest.Tidy(v), zone, daily)
}

// parseTime reads an ISO-8601 time with its offset: the UTC instant and
// the offset in minutes. Years outside 1970–2199 are refused.
func parseTime(s string) (time.Time, int32, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if y := t.Year(); y < 1970 || y >= 2200 {
			return time.Time{}, 0, false
		}
		_, off := t.Zone()
		if off%60 != 0 || off/60 > ingest.MaxZoneOffset || -off/60 > ingest.MaxZoneOffset {
			return time.Time{}, 0, false
		}
		return t.UTC(), int32(off / 60), true
	}
	return time.Time{}, 0, false
}

// dayTime is the time of a daily document: its timestamp (the start of
// Oura's day, with the user's offset) when it has one, else midnight UTC
// of its day.
func dayTime(timestamp, day string) (time.Time, int32, bool) {
	if t, zone, ok := parseTime(timestamp); ok {
		return t, zone, true
	}
	d, err := time.Parse("2006-01-02", strings.TrimSpace(day))
	if err != nil || d.Year() < 1970 || d.Year() >= 2200 {
		return time.Time{}, 0, false
	}
	return d, 0, true
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
