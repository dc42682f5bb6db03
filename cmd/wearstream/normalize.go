package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

// runNormalize prints the canonical records a provider payload yields, one
// JSON object per line with a "kind", through the processor's code path.
func runNormalize(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("normalize", flag.ContinueOnError)
	provider := fs.String("provider", "", "provider of the payload (apple, samsung, google, ...)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *provider == "" || fs.NArg() != 1 {
		return errors.New("usage: wearstream normalize --provider P FILE")
	}
	return normalizeFile(os.Stdout, os.Stderr, *provider, fs.Arg(0))
}

// normalizeFile writes the records of one payload file to out and the
// skipped items to errOut.
func normalizeFile(out, errOut io.Writer, provider, path string) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	recs, err := processors.Normalize(schemas.RawEvent{
		ID: "normalize", Tenant: "cli", Provider: provider, Kind: string(schemas.KindImport),
		UserID: "00000000-0000-0000-0000-000000000000", ReceivedAt: time.Now().UTC(), Body: body,
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	emit := func(kind string, msgs []webhooks.Message) error {
		if len(msgs) == 0 {
			return nil
		}
		var env struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(msgs[0].Body, &env); err != nil {
			return err
		}
		env.Data["kind"] = kind
		return enc.Encode(env.Data)
	}
	for _, w := range recs.Workouts {
		if err := emit("workout", webhooks.WorkoutMessages(w)); err != nil {
			return err
		}
	}
	for _, s := range recs.Sleep {
		if err := emit("sleep", webhooks.SleepMessages(s)); err != nil {
			return err
		}
	}
	// The provider's scores, then Open Wearables' sleep score of each main
	// session, scored here without the user's earlier bedtimes (the
	// processor has them), so with consistency 0.
	for _, sum := range append(recs.Summaries, processors.SleepScores(recs.Sleep)...) {
		if err := emit("summary", webhooks.SummaryMessages(sum)); err != nil {
			return err
		}
	}
	for _, b := range recs.Samples {
		if err := enc.Encode(samplesLine(b)); err != nil {
			return err
		}
	}
	for reason, n := range recs.Skipped {
		fmt.Fprintf(errOut, "skipped %d: %s\n", n, reason)
	}
	return nil
}

// samplesLine is a sample batch as one line: every series type, including
// those that have no webhook event.
func samplesLine(b schemas.SampleBatch) map[string]any {
	samples := make([]map[string]any, len(b.Samples))
	for i, sm := range b.Samples {
		s := map[string]any{
			"timestamp":   sm.Time.UTC().Format(time.RFC3339Nano),
			"value":       sm.Value,
			"zone_offset": zoneOffset(sm.ZoneOffset),
		}
		if sm.IsDailyTotal != nil {
			s["is_daily_total"] = *sm.IsDailyTotal
		}
		samples[i] = s
	}
	return map[string]any{
		"kind":         "samples",
		"id":           b.ID,
		"user_id":      b.UserID,
		"series_type":  b.SeriesType,
		"unit":         b.Unit,
		"source":       map[string]string{"provider": b.Source.Provider, "id": b.Source.ID, "device": b.Source.Device},
		"sample_count": len(b.Samples),
		"samples":      samples,
	}
}

// zoneOffset formats minutes east of UTC as "+01:00".
func zoneOffset(minutes int32) string {
	sign := '+'
	if minutes < 0 {
		sign, minutes = '-', -minutes
	}
	return fmt.Sprintf("%c%02d:%02d", sign, minutes/60, minutes%60)
}
