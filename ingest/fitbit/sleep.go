package fitbit

// Sleep logs v1.2. startTime, endTime and the levels' dateTime are local
// wall-clock times without an offset; the offset is the user's profile
// offsetFromUTCMillis that wearstream adds to the body when it fetches it.
// duration is ms; minutesAsleep and timeInBed minutes. "stages" logs have
// wake, light, deep and rem levels (and shortData, short wakes laid over
// them, which are not kept); "classic" logs have awake, restless (kept as
// awake) and asleep, and no stage minutes. isMainSleep false is a nap.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

type sleepLog struct {
	LogID         ingest.Text   `json:"logId"`
	StartTime     string        `json:"startTime"`
	EndTime       string        `json:"endTime"`
	Duration      ingest.Number `json:"duration"`
	MinutesAsleep ingest.Number `json:"minutesAsleep"`
	TimeInBed     ingest.Number `json:"timeInBed"`
	Efficiency    ingest.Number `json:"efficiency"`
	IsMainSleep   *bool         `json:"isMainSleep"`
	Type          string        `json:"type"`
	Levels        struct {
		Data []struct {
			DateTime string        `json:"dateTime"`
			Level    string        `json:"level"`
			Seconds  ingest.Number `json:"seconds"`
		} `json:"data"`
	} `json:"levels"`
}

// levelStages maps Fitbit's levels to canonical stages.
var levelStages = map[string]string{
	"wake": schemas.StageAwake, "light": schemas.StageLight, "deep": schemas.StageDeep, "rem": schemas.StageREM,
	"awake": schemas.StageAwake, "restless": schemas.StageAwake, "asleep": schemas.StageSleeping,
}

const localLayout = "2006-01-02T15:04:05.999"

func (n *normalizer) sleep(raw []byte, offset ingest.Number) error {
	var s sleepLog
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("cannot decode fitbit sleep: %w", err)
	}
	id := string(s.LogID)
	if id == "" {
		return errors.New("cannot normalise fitbit sleep: logId is missing")
	}
	offMs := n.zoneOffset(offset, "sleep")
	local := func(v string) (time.Time, error) {
		t, err := time.Parse(localLayout, strings.TrimSpace(v))
		return t.Add(-time.Duration(offMs) * time.Millisecond), err
	}
	start, err := local(s.StartTime)
	if err != nil {
		return fmt.Errorf("cannot normalise fitbit sleep %s: startTime: %w", id, err)
	}
	end, err := local(s.EndTime)
	if err != nil || !end.After(start) {
		// duration is ms; one beyond two days is refused below, and one
		// under a millisecond gives no end.
		if s.Duration.Set && s.Duration.Value > 0 && s.Duration.Value <= 49*3600*1000 {
			end = start.Add(time.Duration(s.Duration.Value) * time.Millisecond)
		}
		if !end.After(start) {
			return fmt.Errorf("cannot normalise fitbit sleep %s: neither endTime nor duration gives its end", id)
		}
	}
	if end.Sub(start) > 48*time.Hour {
		return fmt.Errorf("cannot normalise fitbit sleep %s: longer than two days", id)
	}
	out := schemas.Sleep{
		ID:               schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "sleep", id),
		Tenant:           n.Ctx.Tenant,
		UserID:           n.Ctx.UserID,
		Source:           accountSource,
		ProviderRecordID: id,
		StartTime:        start,
		EndTime:          end,
		ZoneOffset:       int32(offMs / 60000),
		DurationSeconds:  end.Sub(start).Seconds(),
		IsNap:            s.IsMainSleep != nil && !*s.IsMainSleep,
		Version:          n.Version,
		RawEventID:       n.Ctx.RawEventID,
		IngestedAt:       n.Ingested,
	}
	// In bed is at most the session and asleep at most in bed: Fitbit's
	// minutes are whole and rounded, and a hand-edited log can say anything.
	out.InBedSeconds = out.DurationSeconds
	if v := s.TimeInBed; v.Set && v.Value > 0 {
		out.InBedSeconds = min(v.Value*60, out.DurationSeconds)
	}
	if v := s.MinutesAsleep; v.Set && v.Value >= 0 {
		out.SleepDurationSeconds = min(v.Value*60, out.InBedSeconds)
	}
	if v := s.Efficiency; v.Set && v.Value >= 0 && v.Value <= 100 {
		e := v.Value
		out.EfficiencyPercent = &e
	}
	var minutes map[string]float64
	if s.Type == "stages" {
		minutes = map[string]float64{}
	}
	for _, l := range s.Levels.Data {
		stage, ok := levelStages[strings.ToLower(strings.TrimSpace(l.Level))]
		at, err := local(l.DateTime)
		if !ok || err != nil || !l.Seconds.Set || l.Seconds.Value <= 0 || l.Seconds.Value > 86400 {
			n.Out.Skip("invalid sleep level")
			continue
		}
		iv := schemas.SleepInterval{Stage: stage, Start: at, End: at.Add(time.Duration(l.Seconds.Value * float64(time.Second)))}
		out.Intervals = append(out.Intervals, iv)
		if minutes != nil {
			minutes[stage] += l.Seconds.Value / 60
		}
	}
	if minutes != nil {
		out.Stages = &schemas.SleepStages{
			AwakeMinutes: ingest.Tidy(minutes[schemas.StageAwake]),
			LightMinutes: ingest.Tidy(minutes[schemas.StageLight]),
			DeepMinutes:  ingest.Tidy(minutes[schemas.StageDeep]),
			RemMinutes:   ingest.Tidy(minutes[schemas.StageREM]),
		}
	}
	n.Out.Sleep = append(n.Out.Sleep, out)
	return nil
}
