// Package sdk normalises the sync bodies that the Open Wearables mobile SDKs
// upload from Apple HealthKit, Samsung Health and Health Connect
// (open-wearables.md §4.2–§4.4, providers.md §9) into canonical samples,
// workouts and sleep sessions. It registers the providers apple, samsung and
// google.
//
// Identity. A source is the provider plus the writer's stable identity: the
// HealthKit bundle identifier, else the Android app id, else the device id,
// else the source name. The device model is descriptive only, so a body that
// learns the device later does not start a second copy of the history
// (Open Wearables issue #1582). Samples are batched per (source, series
// type) for each body; workouts are identified by the SDK's id (or start,
// end and type when it has none) and sleep sessions by source and start.
package sdk

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func init() {
	for _, p := range []ingest.Provider{
		{Name: "apple", DisplayName: "Apple Health", SDK: true, Normalize: Normalize},
		{Name: "samsung", DisplayName: "Samsung Health", SDK: true, Normalize: Normalize},
		{Name: "google", DisplayName: "Health Connect", SDK: true, Normalize: Normalize},
	} {
		ingest.Register(p)
	}
}

// Normalize turns one SDK sync body into canonical records. It fails only
// when the body as a whole is unusable (see Parse) or names a provider other
// than the one it arrived for; single bad items are skipped and counted.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	req, err := Parse(body)
	if err != nil {
		return ingest.Records{}, err
	}
	if ctx.Provider != "" && !strings.EqualFold(ctx.Provider, req.Provider) {
		return ingest.Records{}, fmt.Errorf("cannot normalise sdk sync body: it is for provider %q but arrived as %q", req.Provider, ctx.Provider)
	}
	n := &normalizer{
		ctx:      ctx,
		provider: req.Provider,
		version:  ctx.ReceivedAt.UnixMilli(),
		ingested: ctx.ReceivedAt.UTC(),
		samples:  ingest.NewSampleBatches(ctx, req.Provider, ingest.SumSeries),
	}
	for collection, count := range req.Dropped {
		for range count {
			n.out.Skip(droppedReason[collection])
		}
	}
	n.records(req.Data.Records)
	n.workouts(req.Data.Workouts)
	n.sleep(req.Data.Sleep)
	n.samples.Finish(&n.out)
	return n.out, nil
}

// The reasons under which skipped items are counted, besides
// "unknown type <T>", "unknown workout statistic <T>" and
// "unknown sleep stage <S>".
const (
	reasonInvalidRecord    = "invalid record"
	reasonInvalidSleep     = "invalid sleep segment"
	reasonInvalidWorkout   = "invalid workout"
	reasonDuplicateSleep   = "duplicate sleep segment"
	reasonSleepWithoutRest = "sleep session without sleep stages"
)

// droppedReason is the skip reason of items that Parse dropped, by
// collection.
var droppedReason = map[string]string{
	"records":  reasonInvalidRecord,
	"sleep":    reasonInvalidSleep,
	"workouts": reasonInvalidWorkout,
}

// normalizer holds the state of normalising one body.
type normalizer struct {
	ctx      ingest.Context
	provider string
	version  int64
	ingested time.Time
	out      ingest.Records

	samples *ingest.SampleBatches

	// The last source converted, since consecutive items usually share one.
	lastRaw   Source
	lastCanon schemas.Source
	haveLast  bool
}

func (n *normalizer) records(recs []MetricRecord) {
	for i := range recs {
		r := &recs[i]
		m, ok := metrics[r.Type]
		if !ok {
			if strings.TrimSpace(r.Type) == "" {
				n.out.Skip(reasonInvalidRecord)
			} else {
				n.out.Skip("unknown type " + ingest.Truncate(r.Type, 120))
			}
			continue
		}
		start, startZone, ok := parseTime(r.StartDate)
		if !ok || !r.Value.Valid {
			n.out.Skip(reasonInvalidRecord)
			continue
		}
		if r.EndDate != "" {
			end, _, ok := parseTime(r.EndDate)
			if !ok || end.Before(start) {
				n.out.Skip(reasonInvalidRecord)
				continue
			}
		}
		zone := zoneOffset(r.ZoneOffset, startZone)
		n.addSample(n.source(&r.Source), m, start, m.value(r.Value.Float, r.Unit), zone)
	}
}

// addSample adds one sample to the batch of its source and series type.
func (n *normalizer) addSample(src schemas.Source, m metric, ts time.Time, v float64, zone int32) {
	b := n.samples.Add(src, m.series.Name, ts, v, zone, false)
	fillSource(&b.Source, src)
}

// source converts the SDK's source of an item.
func (n *normalizer) source(s *Source) schemas.Source {
	if n.haveLast && *s == n.lastRaw {
		return n.lastCanon
	}
	c := schemas.Source{
		Provider:   n.provider,
		ID:         n.provider + ":" + writerID(s),
		Name:       firstNonEmpty(s.Name, s.DeviceName),
		Device:     firstNonEmpty(s.ProductType, s.DeviceModel),
		DeviceType: strings.ToLower(strings.TrimSpace(s.DeviceType)),
	}
	if c.DeviceType == "" {
		c.DeviceType = inferDeviceType(firstNonEmpty(s.ProductType, s.DeviceModel))
	}
	n.lastRaw, n.lastCanon, n.haveLast = *s, c, true
	return c
}

// writerID is the stable identity of the app or device that wrote an item.
func writerID(s *Source) string {
	if id := firstNonEmpty(s.BundleIdentifier, s.AppID, s.DeviceID, s.Name); id != "" {
		return id
	}
	return "unknown"
}

// inferDeviceType guesses watch or phone from an Apple product type
// (Watch7,5, iPhone10,5) when the SDK did not say.
func inferDeviceType(product string) string {
	switch {
	case strings.HasPrefix(product, "Watch"):
		return "watch"
	case strings.HasPrefix(product, "iPhone"):
		return "phone"
	}
	return ""
}

// fillSource completes the descriptive fields of dst that are still empty
// from src, which has the same ID.
func fillSource(dst *schemas.Source, src schemas.Source) {
	if dst.Name == "" {
		dst.Name = src.Name
	}
	if dst.Device == "" {
		dst.Device = src.Device
	}
	if dst.DeviceType == "" {
		dst.DeviceType = src.DeviceType
	}
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// timeLayouts are the date formats accepted besides RFC 3339, tried in
// order; the ones without an offset are read as UTC.
var timeLayouts = []string{
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
}

// parseTime reads an ISO-8601 date and returns it in UTC with the offset,
// in minutes, that the string carried. Dates before 1970 or after 2200 are
// refused: they are clock errors, not health data.
func parseTime(s string) (time.Time, int32, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		ok := false
		for _, layout := range timeLayouts {
			if t, err = time.Parse(layout, s); err == nil {
				ok = true
				break
			}
		}
		if !ok {
			return time.Time{}, 0, false
		}
	}
	if y := t.Year(); y < 1970 || y >= 2200 {
		return time.Time{}, 0, false
	}
	_, offset := t.Zone()
	return t.UTC(), int32(offset / 60), true
}

// zoneOffset reads the SDK's zoneOffset ("+01:00", "-0500", "Z") in minutes;
// when it is absent or unreadable the offset of the date itself is used.
func zoneOffset(s string, fallback int32) int32 {
	if m, ok := parseZoneOffset(s); ok {
		return m
	}
	return fallback
}

func parseZoneOffset(s string) (int32, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 3 && (strings.EqualFold(s[:3], "UTC") || strings.EqualFold(s[:3], "GMT")) {
		s = s[3:]
		if s == "" {
			return 0, true
		}
	}
	if s == "Z" || s == "z" {
		return 0, true
	}
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := int32(1)
	if s[0] == '-' {
		sign = -1
	}
	rest := s[1:]
	var hh, mm string
	switch {
	case strings.Contains(rest, ":"):
		parts := strings.Split(rest, ":")
		if len(parts) > 3 {
			return 0, false
		}
		hh, mm = parts[0], parts[1]
	case len(rest) == 4:
		hh, mm = rest[:2], rest[2:]
	case len(rest) <= 2:
		hh, mm = rest, "0"
	default:
		return 0, false
	}
	if !digits(hh) || !digits(mm) || len(hh) > 2 || len(mm) > 2 {
		return 0, false
	}
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if h > 18 || m > 59 {
		return 0, false
	}
	return sign * int32(h*60+m), true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
