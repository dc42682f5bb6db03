package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/strava"
)

// runStravaSubscription manages Strava's one push subscription of the
// application: it points it at the gateway's webhook URL (creating it, or
// replacing one to another URL) and prints its id, or lists or deletes it.
// The gateway must be running and reachable at WEARSTREAM_PUBLIC_URL:
// Strava checks the callback's handshake before it answers.
func runStravaSubscription(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("strava", flag.ContinueOnError)
	list := fs.Bool("list", false, "list the subscriptions and exit")
	del := fs.Bool("delete", false, "delete every subscription and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, ok := ingest.Lookup("strava")
	if !ok || p.OAuth == nil {
		return errors.New("cannot manage the strava subscription: the provider is not registered")
	}
	settings := p.OAuth.Settings(os.Getenv)
	if !p.OAuth.Configured(settings) {
		return errors.New("cannot manage the strava subscription: set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET")
	}
	s := &ingest.Session{Provider: p.Name, Settings: settings, HTTP: &http.Client{Timeout: 60 * time.Second}}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	switch {
	case *list, *del:
		subs, err := strava.Subscriptions(ctx, s)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if *del {
				if err := strava.DeleteSubscription(ctx, s, sub.ID); err != nil {
					return err
				}
				fmt.Printf("deleted %d %s\n", sub.ID, sub.CallbackURL)
				continue
			}
			fmt.Printf("%d %s\n", sub.ID, sub.CallbackURL)
		}
		return nil
	}
	public := strings.TrimRight(strings.TrimSpace(os.Getenv("WEARSTREAM_PUBLIC_URL")), "/")
	if public == "" {
		return errors.New("cannot create the strava subscription: set WEARSTREAM_PUBLIC_URL to where Strava reaches the gateway")
	}
	id, err := strava.Subscribe(ctx, s, public+"/api/v1/providers/strava/webhooks")
	if err != nil {
		return err
	}
	fmt.Printf("subscription %d; set STRAVA_SUBSCRIPTION_ID=%d to refuse events of any other\n", id, id)
	return nil
}
