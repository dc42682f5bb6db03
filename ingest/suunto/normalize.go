// Package suunto normalises Suunto's webhook payloads and Cloud API
// responses (providers.md §4) into canonical workouts, sleep sessions and
// samples. It registers the provider suunto.
//
// Which body it is. The shape decides, checked in this order:
//
//   - an object with "type" and "username" (or "workout" or "samples"): a
//     webhook. WORKOUT_CREATED carries a workout summary and the gear;
//     SUUNTO_247_ACTIVITY_CREATED, SUUNTO_247_SLEEP_CREATED and
//     SUUNTO_247_RECOVERY_CREATED carry 24/7 samples {timestamp,
//     entryData}; ROUTE_CREATED and unknown types carry nothing kept and
//     are counted as skipped;
//   - an object with "payload": a Cloud API response envelope
//     ({"error", "payload", "metadata"}); a non-null error is an error, a
//     payload object is one workout (GET /v3/workouts/{workoutKey}) and a
//     payload array a list of them (GET /v3/workouts);
//   - an object with "workoutKey": one bare workout;
//   - an array: 24/7 samples (GET /247samples/...), each told apart by its
//     entryData keys (BedtimeStart: sleep; Balance or StressState:
//     recovery; otherwise activity), or workouts; an empty array yields no
//     records.
//
// Anything else is an error, as is a body that is not JSON. A single
// workout that cannot be read is an error; in a list it is skipped and
// counted.
//
// Times. Workouts give startTime (and stopTime) in epoch milliseconds,
// UTC, and timeOffsetInMinutes, the local offset east of UTC; 24/7 samples
// give ISO-8601 times with their offset.
//
// Sources. A source is "suunto:<gear serial number>" when the gear names
// one, else "suunto:account", with the gear's name as Device; the 24/7
// data names no device. Values computed for a whole night (resting heart
// rate, average HRV) come from "suunto:daily", so that they never share a
// timestamp, and with it an identity, with the 24/7 samples.
//
// Scores: the 24/7 recovery balance and the sleep quality score become
// Summaries (score.go). What is left out, for want of a canonical record:
// training stress scores, recovery time, routes and positions.
package suunto

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
	ingest.Register(ingest.Provider{Name: provider, DisplayName: "Suunto", Normalize: Normalize})
}

const provider = "suunto"

// The sources of the data Suunto gives without a device: whole-night
// values, and everything else.
var (
	dailySource   = schemas.Source{Provider: provider, ID: provider + ":daily", Name: "Suunto daily summary"}
	accountSource = schemas.Source{Provider: provider, ID: provider + ":account"}
)

// ErrUnknownShape is the error of a JSON body that is none of Suunto's
// payloads or responses.
var ErrUnknownShape = errors.New("not a known suunto payload")

// The webhook types.
const (
	typeWorkoutCreated = "WORKOUT_CREATED"
	typeRouteCreated   = "ROUTE_CREATED"
	typeActivity       = "SUUNTO_247_ACTIVITY_CREATED"
	typeSleep          = "SUUNTO_247_SLEEP_CREATED"
	typeRecovery       = "SUUNTO_247_RECOVERY_CREATED"
)

// webhookFields are the top-level fields of a webhook body.
var webhookFields = ingest.SetOf("type", "username", "workout", "gear", "samples")

// envelopeFields are the top-level fields of a Cloud API response.
var envelopeFields = ingest.SetOf("error", "payload", "metadata")

// Normalize turns one Suunto webhook body or API response into canonical
// records. It fails only when the body is not JSON, is none of Suunto's
// shapes, is an API error, or is a single workout that cannot be read;
// single bad items are skipped and counted.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	body = bytes.TrimSpace(body)
	n := &normalizer{ingest.NewNormalizing(ctx, provider)}
	var err error
	switch {
	case len(body) == 0:
		err = errors.New("cannot decode suunto body: it is empty")
	case body[0] == '[':
		var items []json.RawMessage
		if err = json.Unmarshal(body, &items); err != nil {
			err = fmt.Errorf("cannot decode suunto body: %w", err)
			break
		}
		err = n.list(items, "")
	case body[0] == '{':
		err = n.object(body)
	case json.Valid(body):
		err = fmt.Errorf("cannot normalise suunto body: %w (a JSON scalar, not an object or array)", ErrUnknownShape)
	default:
		err = fmt.Errorf("cannot decode suunto body: %w", json.Unmarshal(body, new(any)))
	}
	if err != nil {
		return ingest.Records{}, err
	}
	return n.Finish(), nil
}

// normalizer holds the state of normalising one body.
type normalizer struct{ ingest.Normalizing }

func (n *normalizer) object(body []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil {
		return fmt.Errorf("cannot decode suunto body: %w", err)
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("type") && (has("username") || has("workout") || has("samples")):
		return n.webhook(keys)
	case has("payload"):
		return n.envelope(keys)
	case has("workoutKey"):
		return n.workout(body, nil)
	}
	return fmt.Errorf("cannot normalise suunto body: %w (an object with none of type, payload and workoutKey)", ErrUnknownShape)
}

func (n *normalizer) webhook(keys map[string]json.RawMessage) error {
	var typ string
	if err := json.Unmarshal(keys["type"], &typ); err != nil {
		return fmt.Errorf("cannot decode suunto webhook type: %w", err)
	}
	n.Out.SkipUnknown("webhook", keys, webhookFields)
	typ = strings.ToUpper(strings.TrimSpace(typ))
	switch typ {
	case typeWorkoutCreated:
		raw, ok := keys["workout"]
		if !ok {
			return errors.New("cannot normalise suunto webhook: WORKOUT_CREATED without workout")
		}
		var g *gear
		if raw, ok := keys["gear"]; ok {
			g = new(gear)
			if json.Unmarshal(raw, g) != nil {
				n.Out.Skip("invalid webhook field gear")
				g = nil
			}
		}
		return n.workout(raw, g)
	case typeActivity, typeSleep, typeRecovery:
		var items []json.RawMessage
		if raw, ok := keys["samples"]; ok {
			if err := json.Unmarshal(raw, &items); err != nil {
				return fmt.Errorf("cannot decode suunto %s samples: %w", typ, err)
			}
		}
		return n.list(items, typ)
	case typeRouteCreated:
		n.Out.Skip("webhook ROUTE_CREATED (no data kept)")
	default:
		n.Out.Skip("unknown webhook type " + ingest.Truncate(typ, 60))
	}
	return nil
}

func (n *normalizer) envelope(keys map[string]json.RawMessage) error {
	if raw := bytes.TrimSpace(keys["error"]); len(raw) > 0 && string(raw) != "null" {
		return fmt.Errorf("suunto api error: %s", ingest.Truncate(string(raw), 200))
	}
	n.Out.SkipUnknown("response", keys, envelopeFields)
	payload := bytes.TrimSpace(keys["payload"])
	switch {
	case len(payload) == 0 || string(payload) == "null":
		return nil
	case payload[0] == '{':
		return n.workout(payload, nil)
	case payload[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(payload, &items); err != nil {
			return fmt.Errorf("cannot decode suunto payload: %w", err)
		}
		return n.list(items, "")
	}
	return fmt.Errorf("cannot normalise suunto body: %w (payload is neither an object nor an array)", ErrUnknownShape)
}

// list normalises a list of 24/7 samples or workouts. typ is the webhook
// type the samples arrived with, or "" when each item tells its kind.
func (n *normalizer) list(items []json.RawMessage, typ string) error {
	known := 0
	for _, raw := range items {
		keys, ok := ingest.ObjectKeys(raw)
		switch {
		case !ok:
			n.Out.Skip("unknown suunto list item")
		case keys["entryData"] != nil:
			known++
			n.sample247(raw, typ)
		case keys["workoutKey"] != nil || keys["activityId"] != nil && keys["startTime"] != nil:
			known++
			n.workoutItem(raw)
		default:
			n.Out.Skip("unknown suunto list item")
		}
	}
	if known == 0 && len(items) > 0 && typ == "" {
		return fmt.Errorf("cannot normalise suunto body: %w (an array of %d items, none a 24/7 sample or workout)", ErrUnknownShape, len(items))
	}
	return nil
}

// addSample adds one sample to the batch of its source and series type.
// Samples of sum series are marked IsDailyTotal false: Suunto's 24/7
// values are per interval, never whole-day totals.
func (n *normalizer) addSample(src schemas.Source, series string, ts time.Time, v float64, zone int32) {
	n.Samples.Add(src, series, ts, ingest.Tidy(v), zone, false)
}
