package polar

// Nightly recharge (GET /v3/users/nightly-recharge[/{date}]) becomes
// heart-rate-variability (RMSSD, ms) and respiratory-rate (breaths/min)
// samples from hrv_samples and breathing_samples, "HH:MM" → value. The
// recharge is dated by the morning the night ends; its times have no date
// and no offset, so a time from 12:00 on belongs to the evening before the
// date and an earlier one to the date itself, recorded as local time with
// zone offset 0 (see the package comment).
//
// When a night has no samples, its average (heart_rate_variability_avg,
// breathing_rate_avg) becomes one sample at the date's local midnight from
// the source "polar:daily".
// The recharge status becomes a recovery Summary, with the ANS charge and
// the night's averages as its components (score.go).

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

type recharge struct {
	Date                    text              `json:"date"`
	HeartRateVariabilityAvg number            `json:"heart_rate_variability_avg"`
	BreathingRateAvg        number            `json:"breathing_rate_avg"`
	HRVSamples              map[string]number `json:"hrv_samples"`
	BreathingSamples        map[string]number `json:"breathing_samples"`
	// The recovery score and its parts (score.go).
	Status          number `json:"nightly_recharge_status"`
	ANSCharge       number `json:"ans_charge"`
	ANSChargeStatus number `json:"ans_charge_status"`
	HeartRateAvg    number `json:"heart_rate_avg"`
	BeatToBeatAvg   number `json:"beat_to_beat_avg"`
}

// rechargeFields are the nightly recharge fields Polar documents.
var rechargeFields = ingest.SetOf("polar_user", "date", "heart_rate_avg", "beat_to_beat_avg",
	"heart_rate_variability_avg", "breathing_rate_avg", "nightly_recharge_status", "ans_charge",
	"ans_charge_status", "hrv_samples", "breathing_samples")

// eveningFrom is the time of day from which a recharge's "HH:MM" belongs
// to the evening before its date.
const eveningFrom = 12 * time.Hour

func (n *normalizer) recharge(raw []byte, keys map[string]json.RawMessage) error {
	var r recharge
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("cannot decode polar nightly recharge: %w", err)
	}
	date, ok := parseDate(string(r.Date))
	if !ok {
		return fmt.Errorf("cannot normalise polar nightly recharge: date %q is not YYYY-MM-DD", ingest.Truncate(string(r.Date), 40))
	}
	n.Out.SkipUnknown(kindRecharge, keys, rechargeFields)
	n.nightSeries("hrv sample", "heart_rate_variability_rmssd", date, r.HRVSamples, r.HeartRateVariabilityAvg)
	n.nightSeries("breathing sample", "respiratory_rate", date, r.BreathingSamples, r.BreathingRateAvg)
	n.rechargeScore(&r, date)
	return nil
}

// nightSeries adds a recharge's samples of one series, or its average when
// it has no samples.
func (n *normalizer) nightSeries(what, series string, date time.Time, samples map[string]number, avg number) {
	clocks := make([]string, 0, len(samples))
	for clock := range samples {
		clocks = append(clocks, clock)
	}
	slices.Sort(clocks)
	added := false
	for _, clock := range clocks {
		c, ok := parseClock(clock)
		if !ok {
			n.Out.Skip("invalid nightly recharge " + what + " time")
			continue
		}
		t := date.Add(c)
		if c >= eveningFrom {
			t = t.Add(-24 * time.Hour)
		}
		if x := samples[clock]; n.positive("nightly recharge "+what, x) {
			n.addSample(accountSource, series, t, x.Value, 0, false)
			added = true
		}
	}
	if !added && n.positive("nightly recharge "+strings.TrimSuffix(what, " sample")+" average", avg) {
		n.addSample(dailySource, series, date, avg.Value, 0, true)
	}
}

// positive reports whether x is a usable value of a series that cannot be
// zero: absent and null are not, 0 is Polar's "no value", and anything
// else that is not a positive number is invalid.
func (n *normalizer) positive(what string, x number) bool {
	switch {
	case !x.Set && !x.Bad:
		return false
	case x.Bad || x.Value < 0:
		n.Out.Skip("invalid " + what)
		return false
	case x.Value == 0:
		n.Out.Skip("no value: " + what + " 0")
		return false
	}
	return true
}
