package suunto

// 24/7 samples: {timestamp, entryData} items of the SUUNTO_247_*_CREATED
// webhooks and of GET /247samples/{activity,sleep,recovery}. The webhook
// type says which kind they are; without it, the entryData keys do
// (BedtimeStart: sleep; Balance or StressState: recovery; else activity).
//
// Activity entries become samples at their timestamp, from
// "suunto:account": HR → heart_rate (bpm; 0 is no reading), StepCount →
// steps in the interval, EnergyConsumption (joules) ÷ 4184 → energy
// (kcal), SpO2 (a 0–1 fraction) × 100 → oxygen_saturation (percent; 0 is
// no reading, and a value above 1 is taken as already a percentage), HRV →
// heart_rate_variability_rmssd (ms; 0 is no reading).
//
// Recovery entries (Balance 0–1, StressState 1–4) become recovery
// Summaries (score.go).

import (
	"encoding/json"

	"github.com/wearstream/wearstream/ingest"
)

// The kinds of 24/7 entry.
const (
	kindActivity = "24/7 activity"
	kindSleep    = "24/7 sleep"
	kindRecovery = "24/7 recovery"
)

type entry247 struct {
	Timestamp text            `json:"timestamp"`
	EntryData json.RawMessage `json:"entryData"`
	// keys are the fields of EntryData.
	keys map[string]json.RawMessage
}

type activityEntry struct {
	HR                number `json:"HR"`
	StepCount         number `json:"StepCount"`
	EnergyConsumption number `json:"EnergyConsumption"`
	SpO2              number `json:"SpO2"`
	HRV               number `json:"HRV"`
}

var (
	activityFields = ingest.SetOf("HR", "StepCount", "EnergyConsumption", "SpO2", "HRV")
	recoveryFields = ingest.SetOf("Balance", "StressState")
)

// joulesPerKcal converts Suunto's energy to kcal.
const joulesPerKcal = 4184

// sample247 normalises one 24/7 item; typ is the webhook type or "".
func (n *normalizer) sample247(raw []byte, typ string) {
	var e entry247
	ok := json.Unmarshal(raw, &e) == nil
	if ok {
		e.keys, ok = ingest.ObjectKeys(e.EntryData)
	}
	if !ok {
		n.Out.Skip("invalid 24/7 sample")
		return
	}
	kind := kindActivity
	switch {
	case typ == typeSleep:
		kind = kindSleep
	case typ == typeRecovery:
		kind = kindRecovery
	case typ == typeActivity:
	case e.keys["BedtimeStart"] != nil:
		kind = kindSleep
	case e.keys["Balance"] != nil || e.keys["StressState"] != nil:
		kind = kindRecovery
	}
	switch kind {
	case kindSleep:
		n.sleep(&e)
	case kindRecovery:
		n.recovery(&e)
	default:
		n.activity(&e)
	}
}

func (n *normalizer) activity(e *entry247) {
	at, zone, ok := parseTime(string(e.Timestamp))
	if !ok {
		n.Out.Skip("invalid 24/7 activity sample timestamp")
		return
	}
	var a activityEntry
	if err := json.Unmarshal(e.EntryData, &a); err != nil {
		n.Out.Skip("invalid 24/7 sample")
		return
	}
	n.Out.SkipUnknown(kindActivity, e.keys, activityFields)
	add := func(field, series string, x number, zeroIsNone bool, convert func(float64) (float64, bool)) {
		switch {
		case !x.Set && !x.Bad:
			return
		case x.Bad || x.Value < 0:
			n.Out.Skip("invalid 24/7 activity " + field)
			return
		case zeroIsNone && x.Value == 0:
			n.Out.Skip("no value: 24/7 activity " + field + " 0")
			return
		}
		v, ok := x.Value, true
		if convert != nil {
			v, ok = convert(v)
		}
		if !ok || !ingest.Finite(v) {
			n.Out.Skip("invalid 24/7 activity " + field)
			return
		}
		n.addSample(accountSource, series, at, v, zone)
	}
	add("HR", "heart_rate", a.HR, true, nil)
	add("StepCount", "steps", a.StepCount, false, nil)
	add("EnergyConsumption", "energy", a.EnergyConsumption, false, func(j float64) (float64, bool) { return j / joulesPerKcal, true })
	add("SpO2", "oxygen_saturation", a.SpO2, true, fractionToPercent)
	add("HRV", "heart_rate_variability_rmssd", a.HRV, true, nil)
}

// fractionToPercent turns Suunto's 0–1 oxygen saturation into percent; a
// value above 1 is already a percentage, one above 100 is invalid.
func fractionToPercent(v float64) (float64, bool) {
	switch {
	case v <= 1:
		return v * 100, true
	case v <= 100:
		return v, true
	}
	return 0, false
}
