package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
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
	body, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	recs, err := processors.Normalize(schemas.RawEvent{
		ID: "normalize", Tenant: "cli", Provider: *provider, Kind: string(schemas.KindImport),
		UserID: "00000000-0000-0000-0000-000000000000", ReceivedAt: time.Now().UTC(), Body: body,
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
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
	for _, b := range recs.Samples {
		if err := emit("samples", webhooks.SampleMessages(b)); err != nil {
			return err
		}
	}
	for reason, n := range recs.Skipped {
		fmt.Fprintf(os.Stderr, "skipped %d: %s\n", n, reason)
	}
	return nil
}
