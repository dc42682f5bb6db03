package applexml

// Normalisation. A chunk's records become the mobile SDK's records and go
// through the SDK normaliser (ingest/sdk), so that an export and an SDK
// upload of the same data give the same series types, units and sessions:
//
//   - quantity records keep their HealthKit type, value and unit attribute,
//     and the SDK table converts by that unit (km, mi, lb, degF, kJ, the 0–1
//     percentages, ...);
//   - HKCategoryTypeIdentifierSleepAnalysis records become sleep segments
//     (InBed → in_bed, Asleep and AsleepUnspecified → sleeping, AsleepCore →
//     light, AsleepDeep → deep, AsleepREM → rem, Awake → awake), joined into
//     sessions by the SDK's sleep rules;
//   - workouts take the unified type from workouts.go and their statistics
//     (WorkoutStatistics sums, averages, minima and maxima, the legacy
//     duration, totalDistance and totalEnergyBurned attributes, and the
//     elevation, weather and METs metadata) as SDK workout statistics.
//
// Identity. Exports carry no record ids. A source is "apple_health_xml:"
// plus the export's sourceName, with the device model, hardware and
// software parsed from the device string as descriptive fields; a sample is
// identified by (user, source, series type, time) like every sample, and a
// workout by a UUIDv5 over its type, start, end and source, so importing
// the same export twice yields the same records. Dates ("2026-01-13
// 22:40:58 +0100") keep their offset as the zone offset.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/sdk"
	"github.com/wearstream/wearstream/schemas"
)

// SourcePrefix starts the source id of every record imported from an export.
const SourcePrefix = "apple_health_xml:"

// provider is the provider of export chunks: Apple Health.
const provider = "apple"

func init() {
	ingest.RegisterFormat(provider, ContentType, Normalize)
	ingest.Extend(provider, func(p *ingest.Provider) { p.Capabilities.FileImport = true })
}

// sleepStages maps the export's sleep values to the SDK's stages.
var sleepStages = map[string]string{
	"HKCategoryValueSleepAnalysisInBed":             "in_bed",
	"HKCategoryValueSleepAnalysisAsleep":            "sleeping",
	"HKCategoryValueSleepAnalysisAsleepUnspecified": "sleeping",
	"HKCategoryValueSleepAnalysisAsleepCore":        "light",
	"HKCategoryValueSleepAnalysisAsleepDeep":        "deep",
	"HKCategoryValueSleepAnalysisAsleepREM":         "rem",
	"HKCategoryValueSleepAnalysisAwake":             "awake",
}

// Decode reads a chunk and checks its format.
func Decode(body []byte) (*Chunk, error) {
	var c Chunk
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("cannot decode apple health export chunk: %w", err)
	}
	if c.Format != Format {
		return nil, fmt.Errorf("cannot decode apple health export chunk: format %q, want %q", truncate(c.Format, 64), Format)
	}
	for _, r := range c.Records {
		if r.Source < 0 || r.Source >= len(c.Sources) {
			return nil, fmt.Errorf("cannot decode apple health export chunk: record source %d out of range", r.Source)
		}
	}
	for _, w := range c.Workouts {
		if w.Source < 0 || w.Source >= len(c.Sources) {
			return nil, fmt.Errorf("cannot decode apple health export chunk: workout source %d out of range", w.Source)
		}
	}
	return &c, nil
}

// Normalize turns one export chunk into canonical records.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	c, err := Decode(body)
	if err != nil {
		return ingest.Records{}, err
	}
	var skipped []string
	req := syncBody{Provider: provider}
	sources := make([]syncSource, len(c.Sources))
	for i, s := range c.Sources {
		sources[i] = sdkSource(s)
	}
	for i := range c.Records {
		r := &c.Records[i]
		if r.Type == sleepType {
			stage, ok := sleepStages[r.Value]
			if !ok {
				skipped = append(skipped, "unknown sleep value "+truncate(r.Value, 80))
				continue
			}
			req.Data.Sleep = append(req.Data.Sleep, syncSleep{
				Stage: stage, StartDate: r.Start, EndDate: r.End, Source: &sources[r.Source],
			})
			continue
		}
		req.Data.Records = append(req.Data.Records, syncRecord{
			Type: r.Type, StartDate: r.Start, EndDate: r.End, Unit: r.Unit,
			Value: number(r.Value), Source: &sources[r.Source],
		})
	}
	for i := range c.Workouts {
		w := &c.Workouts[i]
		sw, unknown := sdkWorkout(w, c.Sources[w.Source].Name)
		sw.Source = &sources[w.Source]
		req.Data.Workouts = append(req.Data.Workouts, sw)
		skipped = append(skipped, unknown...)
	}
	sdkBody, err := json.Marshal(&req)
	if err != nil {
		return ingest.Records{}, fmt.Errorf("cannot convert apple health export chunk: %w", err)
	}
	ctx.Provider = provider
	out, err := sdk.Normalize(ctx, sdkBody)
	if err != nil {
		return ingest.Records{}, err
	}
	for _, reason := range skipped {
		out.Skip(reason)
	}
	for i := range out.Samples {
		exportSource(&out.Samples[i].Source)
	}
	for i := range out.Workouts {
		exportSource(&out.Workouts[i].Source)
	}
	for i := range out.Sleep {
		exportSource(&out.Sleep[i].Source)
	}
	return out, nil
}

// exportSource gives a source converted by the SDK normaliser (whose id is
// the provider and, for an export, the source name) the export's source id.
func exportSource(s *schemas.Source) {
	s.ID = SourcePrefix + strings.TrimPrefix(s.ID, provider+":")
}

// The SDK sync body, as far as an export fills it (ingest/sdk/body.go has
// the full shape).
type syncBody struct {
	Provider string `json:"provider"`
	Data     struct {
		Records  []syncRecord  `json:"records,omitempty"`
		Sleep    []syncSleep   `json:"sleep,omitempty"`
		Workouts []syncWorkout `json:"workouts,omitempty"`
	} `json:"data"`
}

type syncSource struct {
	Name                  string `json:"name,omitempty"`
	Version               string `json:"version,omitempty"`
	ProductType           string `json:"productType,omitempty"`
	DeviceName            string `json:"deviceName,omitempty"`
	DeviceManufacturer    string `json:"deviceManufacturer,omitempty"`
	DeviceModel           string `json:"deviceModel,omitempty"`
	DeviceSoftwareVersion string `json:"deviceSoftwareVersion,omitempty"`
}

type syncRecord struct {
	Type      string      `json:"type"`
	StartDate string      `json:"startDate"`
	EndDate   string      `json:"endDate"`
	Unit      string      `json:"unit,omitempty"`
	Value     any         `json:"value"`
	Source    *syncSource `json:"source"`
}

type syncSleep struct {
	Stage     string      `json:"stage"`
	StartDate string      `json:"startDate"`
	EndDate   string      `json:"endDate"`
	Source    *syncSource `json:"source"`
}

type syncWorkout struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	StartDate string          `json:"startDate"`
	EndDate   string          `json:"endDate"`
	Source    *syncSource     `json:"source"`
	Values    []syncStatistic `json:"values,omitempty"`
}

type syncStatistic struct {
	Type  string  `json:"type"`
	Unit  string  `json:"unit,omitempty"`
	Value float64 `json:"value"`
}

// number is an export value as a JSON number when it is one, and as the
// string otherwise (which the SDK normaliser counts as an invalid record).
func number(s string) any {
	if f, ok := parseFloat(s); ok {
		return f
	}
	return s
}

func parseFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f != f || f > 1e300 || f < -1e300 {
		return 0, false
	}
	return f, true
}

// sdkSource converts an export source, parsing its device string
// ("<<HKDevice: 0x…>, name:Apple Watch, manufacturer:Apple Inc.,
// model:Watch, hardware:Watch7,5, software:11.2, creation date:…>").
func sdkSource(s Source) syncSource {
	out := syncSource{Name: strings.TrimSpace(s.Name), Version: s.Version}
	if out.Name == "" {
		out.Name = "unknown"
	}
	d := ParseDevice(s.Device)
	out.DeviceName = d["name"]
	out.DeviceManufacturer = d["manufacturer"]
	out.DeviceModel = d["model"]
	out.ProductType = d["hardware"]
	out.DeviceSoftwareVersion = d["software"]
	return out
}

// ParseDevice splits an export's device string into its key:value fields
// (name, manufacturer, model, hardware, software, creation date, ...).
func ParseDevice(s string) map[string]string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	out := map[string]string{}
	for _, part := range strings.Split(s, ", ") {
		k, v, ok := strings.Cut(part, ":")
		if !ok || strings.HasPrefix(k, "<") {
			continue
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
