// Package garmin normalises the summaries that Garmin's Health and Activity
// APIs push (providers.md §1, open-wearables.md §5.6) into canonical
// samples, workouts, sleep sessions and Garmin's scores (sleep, stress,
// body battery; score.go). It registers the provider garmin.
//
// A push body is a JSON object keyed by summary type ("dailies", "sleeps",
// "activities", ...), each an array of items that carry the Garmin userId.
// One body may hold several Garmin users; every item of a body is attributed
// to the raw event's user, so a body must be split per Garmin user
// (SplitByUser) before it becomes raw events.
//
// Times. An item has startTimeInSeconds (UTC epoch seconds) and
// startTimeOffsetInSeconds (the local offset in seconds); body composition
// and blood pressure use measurementTimeInSeconds and
// measurementTimeOffsetInSeconds; the time-offset maps inside an item
// (timeOffsetHeartRateSamples, hrvValues, ...) are seconds from the item's
// start. Every sample carries the item's offset, in minutes.
//
// Sources. A sample's identity is (user, source, series type, time), so the
// source must not change with details that come and go. Activities name the
// device (deviceName) and their records use the source "garmin:<deviceName>";
// the wellness summaries never name one and use "garmin:device". Values
// that Garmin computes for a whole calendar day (the dailies' totals and
// averages, the night's HRV average, the day's VO2 max and fitness age, the
// night's skin temperature deviation) use the source "garmin:daily" and are
// marked is_daily_total: a day's step total and the first 15-minute epoch
// both start at local midnight, and a day's average stress and the first
// three-minute stress value share the day's start, so on one source they
// would be one sample and replace each other. Every other sample is marked
// is_daily_total false.
//
// Ids. Workouts are identified by the activity id (activities and
// activityDetails of one activity are one workout), nights by the sleep
// summary id, naps by their start; sample batches by source, series type
// and raw event. Re-sent summaries (a day's totals during the day, a
// tentative night becoming final) keep their ids and get a higher version.
package garmin

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func init() {
	ingest.Register(ingest.Provider{Name: "garmin", DisplayName: "Garmin", Normalize: Normalize})
}

// provider is the provider name of Garmin records.
const provider = "garmin"

// The sources of Garmin records besides "garmin:<deviceName>".
var (
	wellnessSource = schemas.Source{Provider: provider, ID: "garmin:device"}
	dailySource    = schemas.Source{Provider: provider, ID: "garmin:daily", Name: "Garmin daily summary"}
)

// summaryType is one top-level key of a push body and what to do with its
// items.
type summaryType struct {
	key     string   // the push key
	aliases []string // other spellings (the backfill and REST names)
	// normalize handles one item; nil for types that carry no data.
	normalize func(n *normalizer, raw json.RawMessage)
	// reason is the skip reason of every item of a type without data.
	reason string
	fields fieldSet
}

// summaryTypes are the known push keys, in the order their records are
// emitted.
var summaryTypes = []summaryType{
	{key: "dailies", normalize: (*normalizer).daily, fields: fieldsOf(dailySummary{}, commonUnused, dailyUnused)},
	{key: "epochs", normalize: (*normalizer).epoch, fields: fieldsOf(epochSummary{}, commonUnused, epochUnused)},
	{key: "sleeps", normalize: (*normalizer).sleep, fields: fieldsOf(sleepSummary{}, commonUnused, sleepUnused)},
	{key: "hrv", normalize: (*normalizer).hrv, fields: fieldsOf(hrvSummary{}, commonUnused, hrvUnused)},
	{key: "stressDetails", normalize: (*normalizer).stress, fields: fieldsOf(stressDetails{}, commonUnused, stressUnused)},
	{key: "pulseox", aliases: []string{"pulseOx"}, normalize: (*normalizer).pulseOx, fields: fieldsOf(pulseOx{}, commonUnused, pulseOxUnused)},
	{key: "allDayRespiration", aliases: []string{"respiration"}, normalize: (*normalizer).respiration, fields: fieldsOf(respiration{}, commonUnused)},
	{key: "bodyComps", normalize: (*normalizer).bodyComp, fields: fieldsOf(bodyComp{}, commonUnused, bodyCompUnused)},
	{key: "bloodPressures", normalize: (*normalizer).bloodPressure, fields: fieldsOf(bloodPressure{}, commonUnused, bloodPressureUnused)},
	{key: "userMetrics", normalize: (*normalizer).userMetrics, fields: fieldsOf(userMetrics{}, commonUnused, userMetricsUnused)},
	{key: "skinTemp", normalize: (*normalizer).skinTemp, fields: fieldsOf(skinTemp{}, commonUnused)},
	{key: "healthSnapshot", normalize: (*normalizer).healthSnapshot, fields: fieldsOf(healthSnapshot{}, commonUnused)},
	{key: "activities", aliases: []string{"manuallyUpdatedActivities"}, normalize: (*normalizer).activity, fields: fieldsOf(activity{}, commonUnused, activityUnused)},
	{key: "activityDetails", normalize: (*normalizer).activityDetails, fields: fieldsOf(activityDetails{}, commonUnused, activityDetailsUnused)},
	{key: "activityFiles", reason: "activity file notification (the file is fetched from its callbackURL)"},
	{key: "moveIQActivities", aliases: []string{"moveiq", "moveIQ"}, reason: "moveIQActivities item (no canonical record type)"},
	{key: "mct", reason: "mct item (no canonical record type)"},
	{key: "deregistrations", reason: "deregistration notification"},
	{key: "userPermissionsChange", reason: "permission change notification"},
}

// summaryTypeByKey finds the index of a summary type by its push key or an
// alias.
var summaryTypeByKey = map[string]int{}

func init() {
	for i, t := range summaryTypes {
		summaryTypeByKey[t.key] = i
		for _, a := range t.aliases {
			summaryTypeByKey[a] = i
		}
	}
}

// The reasons under which skipped items are counted, besides
// "unknown summary type <key>", "unknown field <type>.<name>",
// "invalid <type> item", "invalid <series> value" and the reasons of the
// summary types without data.
const (
	reasonPing         = "ping notification (data is fetched from its callbackURL)"
	reasonStressMarker = "stress no-value marker (-1 or -2)"
	reasonZeroSpO2     = "zero oxygen_saturation reading"
	reasonBadOffsetKey = "invalid time-offset map entry"
	reasonBadInterval  = "invalid sleep interval"
	reasonBadNap       = "invalid nap"
)

// errNoSummary is returned for a JSON object without any known summary list.
var errNoSummary = errors.New("no known summary type")

// Normalize turns one Garmin push body into canonical records. It fails only
// when the body is not a JSON object or holds no known summary list; single
// bad items, unknown summary types and unknown fields are skipped and counted.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return ingest.Records{}, fmt.Errorf("cannot decode garmin push body: %w", err)
	}
	if top == nil {
		return ingest.Records{}, fmt.Errorf("cannot decode garmin push body: %w", errNoSummary)
	}
	n := &normalizer{
		ctx:      ctx,
		version:  ctx.ReceivedAt.UnixMilli(),
		ingested: ctx.ReceivedAt.UTC(),
		samples:  ingest.NewSampleBatches(ctx, provider, ingest.EverySeries),
	}

	lists := make([][]json.RawMessage, len(summaryTypes))
	known := 0
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		i, ok := summaryTypeByKey[k]
		if !ok {
			n.out.Skip("unknown summary type " + truncate(k, 80))
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(top[k], &items); err != nil || items == nil {
			n.out.Skip("invalid " + summaryTypes[i].key + " list")
			continue
		}
		known++
		lists[i] = append(lists[i], items...)
	}
	if known == 0 {
		return ingest.Records{}, fmt.Errorf("cannot normalise garmin push body with keys %s: %w", describeKeys(keys), errNoSummary)
	}

	for i := range summaryTypes {
		t := &summaryTypes[i]
		for _, raw := range lists[i] {
			n.item(t, raw)
		}
	}
	n.finishEpochs()
	n.samples.Finish(&n.out)
	return n.out, nil
}

// item handles one item of summary type t.
func (n *normalizer) item(t *summaryType, raw json.RawMessage) {
	if t.normalize == nil {
		n.out.Skip(t.reason)
		return
	}
	ping := false
	unknown := n.unknown[:0]
	objectMembers(raw, func(key, value []byte) {
		switch {
		case string(key) == "callbackURL":
			ping = string(value) != `""` && string(value) != "null"
		case !t.fields.has(key):
			unknown = append(unknown, truncate(string(key), 80))
		}
	})
	n.unknown = unknown
	if ping {
		n.out.Skip(reasonPing)
		return
	}
	for _, key := range unknown {
		n.out.Skip("unknown field " + t.key + "." + key)
	}
	n.typ = t.key
	t.normalize(n, raw)
}

// normalizer holds the state of normalising one body.
type normalizer struct {
	ctx      ingest.Context
	version  int64
	ingested time.Time
	out      ingest.Records
	typ      string   // the summary type of the item being normalised
	unknown  []string // scratch: the unknown fields of the item

	samples *ingest.SampleBatches

	epochs     []epochWindow // epochs of the body, summed per window in finishEpochs
	epochIndex map[epochKey]int
}

// decode reads one item into v; on failure it counts the item as invalid.
func (n *normalizer) decode(raw json.RawMessage, v any) bool {
	if err := json.Unmarshal(raw, v); err != nil {
		n.invalidItem()
		return false
	}
	return true
}

func (n *normalizer) invalidItem() { n.out.Skip("invalid " + n.typ + " item") }

// add adds one sample of a series to the batch of its source. The value is
// checked against the series (see accept); a refused value is counted.
func (n *normalizer) add(src schemas.Source, series string, at time.Time, v float64, zone int32, daily bool) {
	if reason, ok := accept(series, v); !ok {
		n.out.Skip(reason)
		return
	}
	b := n.samples.Add(src, series, at, ingest.Tidy(v), zone, daily)
	if b.Source.Device == "" {
		b.Source.Device = src.Device
	}
}

// addOffsets adds the samples of a time-offset map that starts at start.
func (n *normalizer) addOffsets(src schemas.Source, series string, start time.Time, zone int32, o offsetSeries) {
	for range o.Bad {
		n.out.Skip(reasonBadOffsetKey)
	}
	for _, p := range o.Points {
		at, ok := offsetTime(start, p.Offset)
		if !ok {
			n.out.Skip(reasonBadOffsetKey)
			continue
		}
		n.add(src, series, at, p.Value, zone, false)
	}
}

// deviceSource is the source of records that name their device.
func deviceSource(deviceName string) schemas.Source {
	name := strings.TrimSpace(deviceName)
	if name == "" {
		return wellnessSource
	}
	return schemas.Source{Provider: provider, ID: provider + ":" + name, Device: name}
}

// accept checks a value against its series: counts, energy and durations
// are never negative, physiological measurements are positive, percentages
// and Garmin's 0–100 scores stay within 0–100. A negative stress level is
// Garmin's "no value" marker (-1 off wrist or too little data, -2 too much
// motion) and a zero SpO2 is a failed reading; neither is a value.
func accept(series string, v float64) (string, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "invalid " + series + " value", false
	}
	switch series {
	case "garmin_stress_level":
		if v < 0 {
			return reasonStressMarker, false
		}
		return "invalid " + series + " value", v <= 100
	case "oxygen_saturation":
		if v == 0 {
			return reasonZeroSpO2, false
		}
		return "invalid " + series + " value", v > 0 && v <= 100
	case "garmin_body_battery", "body_fat_percentage":
		return "invalid " + series + " value", v >= 0 && v <= 100
	case "steps", "energy", "basal_energy", "distance_walking_running", "distance_other",
		"flights_climbed", "active_time", "exercise_time", "push_count":
		return "invalid " + series + " value", v >= 0
	case "skin_temperature_deviation", "elevation", "air_temperature":
		return "", true
	case "latitude":
		return "invalid " + series + " value", v >= -90 && v <= 90
	case "longitude":
		return "invalid " + series + " value", v >= -180 && v <= 180
	case "speed", "cadence", "power":
		return "invalid " + series + " value", v >= 0
	}
	return "invalid " + series + " value", v > 0
}

// The range of instants accepted: dates before 1970 or from 2200 on are
// clock errors, not health data.
const (
	minSeconds = 0
	maxSeconds = 7258118400 // 2200-01-01T00:00:00Z
)

// instant converts Garmin epoch seconds to a UTC time.
func instant(sec *float64) (time.Time, bool) {
	if sec == nil || !(*sec >= minSeconds && *sec < maxSeconds) {
		return time.Time{}, false
	}
	whole, frac := math.Modf(*sec)
	return time.Unix(int64(whole), int64(math.Round(frac*1e6))*1e3).UTC(), true
}

// zoneMinutes converts Garmin's offset in seconds to minutes east of UTC; an
// absent offset is 0, an offset beyond ±18 hours is refused.
func zoneMinutes(sec *float64) (int32, bool) {
	if sec == nil {
		return 0, true
	}
	if !(*sec >= -18*3600 && *sec <= 18*3600) {
		return 0, false
	}
	return int32(math.Round(*sec / 60)), true
}

// startOf returns an item's start and zone offset.
func startOf(c *common) (time.Time, int32, bool) {
	start, ok := instant(c.StartTime)
	if !ok {
		return time.Time{}, 0, false
	}
	zone, ok := zoneMinutes(c.StartOffset)
	return start, zone, ok
}

// offsetTime is start plus an offset in seconds, if the result is a
// plausible instant.
func offsetTime(start time.Time, offset int64) (time.Time, bool) {
	if offset < -maxSeconds || offset > maxSeconds {
		return time.Time{}, false
	}
	at := start.Add(time.Duration(offset) * time.Second)
	if s := at.Unix(); s < minSeconds || s >= maxSeconds {
		return time.Time{}, false
	}
	return at, true
}

// seconds returns a non-negative duration in seconds, or false.
func seconds(v *float64) (float64, bool) {
	if v == nil || !(*v >= 0) || *v > 366*24*3600 {
		return 0, false
	}
	return *v, true
}

// truncate shortens s to at most n bytes, keeping it valid UTF-8.
func truncate(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "�")
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func describeKeys(keys []string) string {
	if len(keys) == 0 {
		return "(none)"
	}
	if len(keys) > 5 {
		keys = append(keys[:5:5], "…")
	}
	for i, k := range keys {
		keys[i] = truncate(k, 40)
	}
	return strings.Join(keys, ", ")
}
