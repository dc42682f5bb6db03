// Package strava connects Strava athletes (providers.md §6) and normalises
// Strava's webhook events and API responses into canonical workouts and
// workout samples. It registers the provider strava.
//
// Which body it is. The shape decides:
//
//   - an object with "object_type" and "aspect_type": a webhook event. An
//     activity delete becomes a deleted workout (Deleted true) with the id
//     of the activity's workout, so that the workout disappears, and a
//     deletion (ingest.DeleteSamples) of the stream samples over the
//     workout's span, so that its samples go with it; other
//     events are counted as skipped (a created or updated activity is
//     fetched, and a deauthorisation revokes the connection);
//   - an object with "activity" (and "streams"): what a fetch of one
//     activity keeps, the DetailedActivity of GET /activities/{id} with the
//     streams of GET /activities/{id}/streams (key_by_type=true);
//   - an object with "id" and "start_date": one activity;
//   - an array: a list of activities (GET /athlete/activities);
//   - an object of streams alone (keyed by stream type): nothing can be
//     kept, as streams count seconds from an activity start they do not
//     give; counted as skipped, as are a token response and the
//     handshake's answer.
//
// Anything else is an error, as is a body that is not JSON. A single
// activity that cannot be read is an error; in a list it is skipped and
// counted.
//
// Times. start_date is UTC; start_date_local is the local wall clock
// written with a Z, and is not read; utc_offset (seconds) gives the zone.
//
// Energy. calories (DetailedActivity only) is kcal. Without it, the
// kilojoules of a ride with a power meter stand for kcal as they are:
// they measure mechanical work, and at a human efficiency of about 22 %
// the energy burned in kcal is about the same number (Strava's own
// estimate), so they are not divided by 4.184.
//
// The source is "strava:account", with device_name as Device when given.
package strava

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
	ingest.Register(ingest.Provider{Name: provider, DisplayName: "Strava", Normalize: Normalize})
}

const provider = "strava"

var accountSource = schemas.Source{Provider: provider, ID: provider + ":account"}

// ErrUnknownShape is the error of a JSON body that is none of Strava's
// payloads or responses.
var ErrUnknownShape = errors.New("not a known strava payload")

// Normalize turns one Strava webhook event or API response into canonical
// records.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	body = bytes.TrimSpace(body)
	n := &normalizer{ingest.NewNormalizing(ctx, provider)}
	var err error
	switch {
	case len(body) == 0:
		err = errors.New("cannot decode strava body: it is empty")
	case body[0] == '[':
		var items []json.RawMessage
		if err = json.Unmarshal(body, &items); err != nil {
			err = fmt.Errorf("cannot decode strava body: %w", err)
			break
		}
		for _, raw := range items {
			if n.activity(raw, nil) != nil {
				n.Out.Skip("invalid activity")
			}
		}
	case body[0] == '{':
		err = n.object(body)
	case json.Valid(body):
		err = fmt.Errorf("cannot normalise strava body: %w (a JSON scalar)", ErrUnknownShape)
	default:
		err = fmt.Errorf("cannot decode strava body: %w", json.Unmarshal(body, new(any)))
	}
	if err != nil {
		return ingest.Records{}, err
	}
	n.Samples.Finish(&n.Out)
	n.Out.Workouts = ingest.Dedupe(&n.Out, n.Out.Workouts, func(w *schemas.Workout) string { return w.ID }, "duplicate workout")
	return n.Out, nil
}

// normalizer holds the state of normalising one body.
type normalizer struct{ ingest.Normalizing }

func (n *normalizer) object(body []byte) error {
	keys, ok := ingest.ObjectKeys(body)
	if !ok {
		return fmt.Errorf("cannot decode strava body: %w", json.Unmarshal(body, new(map[string]any)))
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("object_type") && has("aspect_type"):
		return n.event(body)
	case has("activity"):
		var streams map[string]stream
		if raw := bytes.TrimSpace(keys["streams"]); len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &streams); err != nil {
				n.Out.Skip("invalid streams")
				streams = nil
			}
		}
		return n.activity(keys["activity"], streams)
	case has("id") && has("start_date"):
		return n.activity(body, nil)
	case has("access_token") || has("hub.challenge"):
		n.Out.Skip("oauth or handshake answer (no data)")
		return nil
	case has("time") || has("heartrate") || has("velocity_smooth") || has("latlng"):
		n.Out.Skip("streams without their activity")
		return nil
	}
	return fmt.Errorf("cannot normalise strava body: %w (an object with none of object_type, activity and start_date)", ErrUnknownShape)
}

// Event is a Strava webhook event.
type Event struct {
	ObjectType     string         `json:"object_type"`
	ObjectID       ingest.Text    `json:"object_id"`
	AspectType     string         `json:"aspect_type"`
	Updates        map[string]any `json:"updates"`
	OwnerID        ingest.Text    `json:"owner_id"`
	SubscriptionID ingest.Text    `json:"subscription_id"`
	EventTime      ingest.Number  `json:"event_time"`
}

// Deauthorized reports whether the event is an athlete's deauthorisation.
func (e Event) Deauthorized() bool {
	if e.ObjectType != "athlete" {
		return false
	}
	if e.AspectType == "delete" {
		return true
	}
	v, ok := e.Updates["authorized"]
	return ok && strings.EqualFold(strings.TrimSpace(fmt.Sprint(v)), "false")
}

func (n *normalizer) event(body []byte) error {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("cannot decode strava event: %w", err)
	}
	switch {
	case e.ObjectType == "activity" && e.AspectType == "delete":
		id := string(e.ObjectID)
		if id == "" {
			return errors.New("cannot normalise strava event: an activity delete without object_id")
		}
		at := n.Ingested
		if t, ok := fromUnix(e.EventTime); ok {
			at = t
		}
		n.Out.Workouts = append(n.Out.Workouts, schemas.Workout{
			ID:               schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "workout", id),
			Tenant:           n.Ctx.Tenant,
			UserID:           n.Ctx.UserID,
			Source:           accountSource,
			ProviderRecordID: id,
			Type:             "other",
			StartTime:        at,
			EndTime:          at,
			Deleted:          true,
			Version:          n.Version,
			RawEventID:       n.Ctx.RawEventID,
			IngestedAt:       n.Ingested,
		})
		n.Out.Deletions = append(n.Out.Deletions, ingest.RangeDeletion{
			Kind: ingest.DeleteSamples, Record: n.Out.Workouts[len(n.Out.Workouts)-1].ID,
			SeriesTypes: streamSeriesTypes(), SourceID: accountSource.ID,
		})
	case e.Deauthorized():
		n.Out.Skip("event athlete deauthorization (revokes the connection)")
	default:
		n.Out.Skip("event " + ingest.Truncate(e.ObjectType, 30) + " " + ingest.Truncate(e.AspectType, 30) + " (fetched)")
	}
	return nil
}

func fromUnix(x ingest.Number) (time.Time, bool) {
	if !x.Set || x.Value < 0 || x.Value > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(x.Value), 0).UTC(), true
}

// activity is the part of a Summary or DetailedActivity that is kept.
type activity struct {
	ID               ingest.Text   `json:"id"`
	Name             string        `json:"name"`
	SportType        string        `json:"sport_type"`
	Type             string        `json:"type"`
	StartDate        string        `json:"start_date"`
	UTCOffset        ingest.Number `json:"utc_offset"`
	ElapsedTime      ingest.Number `json:"elapsed_time"`
	MovingTime       ingest.Number `json:"moving_time"`
	Distance         ingest.Number `json:"distance"`
	ElevationGain    ingest.Number `json:"total_elevation_gain"`
	AverageSpeed     ingest.Number `json:"average_speed"`
	MaxSpeed         ingest.Number `json:"max_speed"`
	HasHeartrate     bool          `json:"has_heartrate"`
	AverageHeartrate ingest.Number `json:"average_heartrate"`
	MaxHeartrate     ingest.Number `json:"max_heartrate"`
	AverageWatts     ingest.Number `json:"average_watts"`
	Kilojoules       ingest.Number `json:"kilojoules"`
	Calories         ingest.Number `json:"calories"`
	DeviceName       string        `json:"device_name"`
}

// stream is one of an activity's streams.
type stream struct {
	Data []json.RawMessage `json:"data"`
}

// streamSeries are the streams kept, in order, with their series type.
var streamSeries = [][2]string{
	{"heartrate", "heart_rate"},
	{"velocity_smooth", "speed"},
	{"cadence", "cadence"},
	{"watts", "power"},
}

// streamSeriesTypes are the series of the samples an activity's streams
// add, which the activity's delete removes over the workout.
func streamSeriesTypes() []string {
	out := make([]string, len(streamSeries))
	for i, kv := range streamSeries {
		out[i] = kv[1]
	}
	return out
}

// knownStreams are the streams read (time) or deliberately not kept.
var knownStreams = ingest.SetOf("time", "heartrate", "velocity_smooth", "cadence", "watts",
	"distance", "altitude", "latlng", "moving", "grade_smooth", "temp")

// activity normalises one activity and, when given, its streams.
func (n *normalizer) activity(raw []byte, streams map[string]stream) error {
	var a activity
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("cannot decode strava activity: %w", err)
	}
	id := string(a.ID)
	if id == "" {
		return errors.New("cannot normalise strava activity: id is missing")
	}
	start, err := time.Parse(time.RFC3339, strings.TrimSpace(a.StartDate))
	if err != nil {
		return fmt.Errorf("cannot normalise strava activity %s: start_date: %w", ingest.Truncate(id, 40), err)
	}
	start = start.UTC()
	dur := -1.0
	for _, d := range []ingest.Number{a.ElapsedTime, a.MovingTime} {
		if d.Set && d.Value >= 0 && d.Value <= 31*86400 {
			dur = ingest.Tidy(d.Value)
			break
		}
	}
	if dur < 0 {
		return fmt.Errorf("cannot normalise strava activity %s: neither elapsed_time nor moving_time gives its duration", ingest.Truncate(id, 40))
	}
	var zone int32
	if off := a.UTCOffset; off.Set && off.Value/60 == float64(int32(off.Value/60)) && off.Value/60 >= -ingest.MaxZoneOffset && off.Value/60 <= ingest.MaxZoneOffset {
		zone = int32(off.Value / 60)
	} else if off.Set || off.Bad {
		n.Out.Skip("invalid activity field utc_offset")
	}
	src := accountSource
	src.Device = strings.TrimSpace(a.DeviceName)
	unified := WorkoutType(a.SportType, a.Type)
	w := schemas.Workout{
		ID:                  schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "workout", id),
		Tenant:              n.Ctx.Tenant,
		UserID:              n.Ctx.UserID,
		Source:              src,
		ProviderRecordID:    id,
		Type:                unified,
		Name:                strings.TrimSpace(a.Name),
		StartTime:           start,
		EndTime:             start.Add(time.Duration(dur * float64(time.Second))),
		ZoneOffset:          zone,
		DurationSeconds:     dur,
		DistanceMeters:      n.stat("distance", a.Distance, false),
		ElevationGainMeters: n.stat("total_elevation_gain", a.ElevationGain, false),
		AvgSpeedMPS:         n.stat("average_speed", a.AverageSpeed, false),
		MaxSpeedMPS:         n.stat("max_speed", a.MaxSpeed, false),
		AvgPowerWatts:       n.stat("average_watts", a.AverageWatts, true),
		CaloriesKcal:        n.stat("calories", a.Calories, true),
		Version:             n.Version,
		RawEventID:          n.Ctx.RawEventID,
		IngestedAt:          n.Ingested,
	}
	if w.CaloriesKcal == nil {
		// Mechanical kJ ≈ kcal burned: see the package comment.
		w.CaloriesKcal = n.stat("kilojoules", a.Kilojoules, true)
	}
	if a.HasHeartrate || a.AverageHeartrate.Set {
		w.AvgHeartRateBPM = n.stat("average_heartrate", a.AverageHeartrate, true)
		w.MaxHeartRateBPM = n.stat("max_heartrate", a.MaxHeartrate, true)
	}
	if schemas.ReportsPace(unified) && w.AvgSpeedMPS != nil && *w.AvgSpeedMPS > 0 {
		p := ingest.Tidy(1000 / *w.AvgSpeedMPS)
		w.AvgPaceSecPerKm = &p
	}
	n.Out.Workouts = append(n.Out.Workouts, w)
	if last := n.streams(src, start, zone, streams); last.After(w.EndTime) {
		// Streams run on elapsed time, past a workout timed by moving time:
		// its delete must take them all.
		if n.Out.Spans == nil {
			n.Out.Spans = map[string]ingest.Span{}
		}
		n.Out.Spans[w.ID] = ingest.Span{Start: start, End: last}
	}
	return nil
}

// streams adds the kept streams as samples at start + time[i] seconds and
// returns the time of the last one (zero when there is none).
func (n *normalizer) streams(src schemas.Source, start time.Time, zone int32, streams map[string]stream) (last time.Time) {
	if len(streams) == 0 {
		return last
	}
	offsets := streams["time"].Data
	if len(offsets) == 0 {
		n.Out.Skip("streams without a time stream")
		return last
	}
	for typ := range streams {
		if !knownStreams[typ] {
			n.Out.Skip("unknown stream " + ingest.Truncate(typ, 40))
		}
	}
	for _, kv := range streamSeries {
		typ, series := kv[0], kv[1]
		s, ok := streams[typ]
		if !ok {
			continue
		}
		if len(s.Data) != len(offsets) {
			n.Out.Skip("stream " + typ + " of another length than time")
			continue
		}
		for i, raw := range s.Data {
			var off, v ingest.Number
			if json.Unmarshal(offsets[i], &off) != nil || json.Unmarshal(raw, &v) != nil || !off.Set || !v.Set || off.Value < 0 || off.Value > 31*86400 || v.Value < 0 {
				n.Out.Skip("invalid " + typ + " stream value")
				continue
			}
			at := start.Add(time.Duration(off.Value * float64(time.Second)))
			n.Samples.Add(src, series, at, ingest.Tidy(v.Value), zone, false)
			if at.After(last) {
				last = at
			}
		}
	}
	return last
}

// stat reads a non-negative activity statistic; zeroIsNone marks those for
// which 0 means not recorded.
func (n *normalizer) stat(field string, x ingest.Number, zeroIsNone bool) *float64 {
	switch {
	case x.Bad || (x.Set && x.Value < 0):
		n.Out.Skip("invalid activity field " + field)
		return nil
	case !x.Set, zeroIsNone && x.Value == 0:
		return nil
	}
	v := ingest.Tidy(x.Value)
	return &v
}
