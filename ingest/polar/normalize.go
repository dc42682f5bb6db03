// Package polar normalises Polar AccessLink v3 responses (providers.md §3)
// into canonical workouts, sleep sessions and samples, and reads Polar's
// webhook notifications. It registers the provider polar.
//
// Which response a body is. Polar's responses carry no type field, so the
// shape decides, checked in this order:
//
//   - an object with "event": a webhook notification or PING (webhook.go);
//     it carries no data and yields no records;
//   - an object with "nights", "recharges" or "heart_rates": the list of
//     sleep nights, nightly recharges or continuous heart-rate days;
//   - an array: the list of exercises (GET /v3/exercises) or of daily
//     activities (GET /v3/users/activities), each item told apart as below;
//     an empty array yields no records;
//   - any other object is one item, by its distinctive keys: a sleep night
//     has "sleep_start_time" or "hypnogram"; a nightly recharge has
//     "nightly_recharge_status", "ans_charge" or "hrv_samples"; continuous
//     heart rate has "heart_rate_samples" (and no sleep keys); an exercise
//     has "start_time_utc_offset", "detailed_sport_info", or "sport" with
//     "duration"; a daily activity has "active_duration",
//     "active_calories", "daily_activity", or "start_time" with "steps".
//
// Anything else is an error, as is a body that is not JSON. In a list, an
// item that is not understood is skipped and counted; a single-item body
// whose item is not understood is an error.
//
// Times. Exercises give local wall-clock time plus start_time_utc_offset,
// minutes east of UTC: UTC = start_time − offset (Open Wearables once added
// it). Sleep times carry their offset. Continuous heart rate, daily
// activity and nightly recharge give local times with no offset at all:
// they are recorded as that wall-clock time with zone offset 0, which keeps
// the local day and time of day right but puts the UTC instant off by the
// user's real offset, until the connection's time zone is known.
//
// Sources. Exercises and sleep carry the device id: their source is
// "polar:<device_id>" (else "polar:<device>"), with the model as Device.
// The day-level endpoints name no device: their whole-day values come
// from "polar:daily" and everything else from "polar:account".
//
// Scores: the sleep score and the nightly recharge status become Summaries
// (score.go). What is left out, for want of a canonical record: training load,
// heart-rate zones, routes and exercise sample types other than heart
// rate, speed, cadence, altitude and power.
package polar

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
	ingest.Register(ingest.Provider{Name: provider, DisplayName: "Polar", Normalize: Normalize})
}

const provider = "polar"

// The sources of the data Polar gives without a device: its day-level
// totals and averages, and everything else.
var (
	dailySource   = schemas.Source{Provider: provider, ID: provider + ":daily", Name: "Polar daily summary"}
	accountSource = schemas.Source{Provider: provider, ID: provider + ":account"}
)

// The kinds of Polar item.
const (
	kindExercise   = "exercise"
	kindSleep      = "sleep"
	kindRecharge   = "nightly recharge"
	kindContinuous = "continuous heart rate"
	kindActivity   = "daily activity"
)

// ErrUnknownShape is the error of a JSON body that is none of Polar's
// responses.
var ErrUnknownShape = errors.New("not a known polar response")

// Normalize turns one Polar response body into canonical records. It fails
// only when the body is not JSON, is none of Polar's responses, or is a
// single item that cannot be read; single bad items of a list are skipped
// and counted.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	body = bytes.TrimSpace(body)
	n := &normalizer{ingest.NewNormalizing(ctx, provider)}
	var err error
	switch {
	case len(body) == 0:
		err = errors.New("cannot decode polar body: it is empty")
	case body[0] == '[':
		err = n.array(body)
	case body[0] == '{':
		err = n.object(body)
	case json.Valid(body):
		err = fmt.Errorf("cannot normalise polar body: %w (a JSON scalar, not an object or array)", ErrUnknownShape)
	default:
		err = fmt.Errorf("cannot decode polar body: %w", json.Unmarshal(body, new(any)))
	}
	if err != nil {
		return ingest.Records{}, err
	}
	return n.Finish(), nil
}

// normalizer holds the state of normalising one body.
type normalizer struct{ ingest.Normalizing }

func (n *normalizer) array(body []byte) error {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return fmt.Errorf("cannot decode polar body: %w", err)
	}
	known := 0
	for _, raw := range items {
		keys, ok := ingest.ObjectKeys(raw)
		kind := ""
		if ok {
			kind = kindOf(keys)
		}
		if kind != kindExercise && kind != kindActivity {
			n.Out.Skip("unknown polar list item")
			continue
		}
		known++
		n.item(kind, raw, keys, false)
	}
	if known == 0 && len(items) > 0 {
		return fmt.Errorf("cannot normalise polar body: %w (an array of %d items, none an exercise or daily activity)", ErrUnknownShape, len(items))
	}
	return nil
}

// containers are the keys of the objects that wrap a list of items, and
// the kind of their items.
var containers = [...]struct{ key, kind string }{
	{"nights", kindSleep},
	{"recharges", kindRecharge},
	{"heart_rates", kindContinuous},
}

func (n *normalizer) object(body []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil {
		return fmt.Errorf("cannot decode polar body: %w", err)
	}
	if _, ok := keys["event"]; ok {
		return n.webhook(body)
	}
	for _, c := range containers {
		key, kind := c.key, c.kind
		raw, ok := keys[key]
		if !ok {
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("cannot decode polar %s list: %w", kind, err)
		}
		for other := range keys {
			if other != key {
				n.Out.Skip("unknown " + kind + " list field " + ingest.Truncate(other, 60))
			}
		}
		for _, item := range items {
			itemKeys, ok := ingest.ObjectKeys(item)
			if !ok {
				n.Out.Skip("invalid " + kind)
				continue
			}
			n.item(kind, item, itemKeys, false)
		}
		return nil
	}
	kind := kindOf(keys)
	if kind == "" {
		return fmt.Errorf("cannot normalise polar body: %w (an object with none of the keys that tell Polar's responses apart)", ErrUnknownShape)
	}
	return n.item(kind, body, keys, true)
}

// kindOf tells the kind of one item by its keys; "" when it is none.
func kindOf(keys map[string]json.RawMessage) string {
	has := func(names ...string) bool {
		for _, name := range names {
			if _, ok := keys[name]; ok {
				return true
			}
		}
		return false
	}
	switch {
	case has("sleep_start_time", "hypnogram"):
		return kindSleep
	case has("nightly_recharge_status", "ans_charge", "hrv_samples"):
		return kindRecharge
	case has("heart_rate_samples"):
		return kindContinuous
	case has("start_time_utc_offset", "detailed_sport_info") || has("sport") && has("duration"):
		return kindExercise
	case has("active_duration", "active_calories", "daily_activity") || has("start_time") && has("steps"):
		return kindActivity
	}
	return ""
}

// item normalises one item of a known kind. A single-item body returns the
// item's error; in a list the item is skipped and counted.
func (n *normalizer) item(kind string, raw []byte, keys map[string]json.RawMessage, single bool) error {
	var err error
	switch kind {
	case kindExercise:
		err = n.exercise(raw, keys)
	case kindSleep:
		err = n.sleep(raw, keys)
	case kindRecharge:
		err = n.recharge(raw, keys)
	case kindContinuous:
		err = n.continuous(raw, keys)
	case kindActivity:
		err = n.activity(raw, keys)
	}
	if err == nil {
		return nil
	}
	if single {
		return err
	}
	n.Out.Skip("invalid " + kind)
	return nil
}

// addSample adds one sample to the batch of its source and series type.
// dailyTotal marks a whole-day total of a sum series; it is ignored for
// series that are not sums.
func (n *normalizer) addSample(src schemas.Source, series string, ts time.Time, v float64, zone int32, dailyTotal bool) {
	n.Samples.Add(src, series, ts, ingest.Tidy(v), zone, dailyTotal)
}

// deviceSource is the source of an item that names its device.
func deviceSource(deviceID, device string) schemas.Source {
	id := strings.TrimSpace(deviceID)
	if id == "" {
		id = strings.TrimSpace(device)
	}
	if id == "" {
		return accountSource
	}
	return schemas.Source{
		Provider:   provider,
		ID:         provider + ":" + id,
		Device:     strings.TrimSpace(device),
		DeviceType: deviceType(device),
	}
}

// deviceType infers the kind of device from a Polar model name: the H
// series are chest straps, Loop, OH1 and Verity Sense are worn on the arm
// or wrist without a display, everything else Polar names is a watch.
func deviceType(model string) string {
	m := strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(model), "Polar")))
	switch {
	case m == "":
		return ""
	case len(m) >= 2 && m[0] == 'H' && m[1] >= '0' && m[1] <= '9':
		return "chest_strap"
	case strings.HasPrefix(m, "LOOP"), strings.HasPrefix(m, "OH1"), strings.HasPrefix(m, "VERITY"):
		return "band"
	}
	return "watch"
}
