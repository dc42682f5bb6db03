package jobs

// Provider maintenance. A provider that holds application-wide state at
// the provider (Oura's webhook subscriptions) declares Maintain; the worker
// that owns partition 0 of the jobs topic runs it once it holds that
// partition and then every MaintainEvery, so one worker of the group does
// it and a rebalance hands it on with the partition.

import (
	"context"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

// defaultMaintainEvery is the interval of providers' Maintain by default.
const defaultMaintainEvery = 24 * time.Hour

// maintainDue runs the maintenance that is due, each in its own goroutine.
func (w *Worker) maintainDue(ctx context.Context, now time.Time) {
	w.mu.Lock()
	lead := w.owned[0]
	var due []ingest.Provider
	for _, p := range ingest.All() {
		if p.Maintain == nil || p.OAuth == nil || !lead {
			continue
		}
		every := p.MaintainEvery
		if every <= 0 {
			every = defaultMaintainEvery
		}
		key := "maintain/" + p.Name
		if last, ok := w.scheduled[key]; ok && now.Sub(last) < every {
			continue
		}
		w.scheduled[key] = now
		due = append(due, p)
	}
	w.mu.Unlock()
	for _, p := range due {
		go w.maintain(ctx, p, now)
	}
}

// maintainRetry is how long after a failed maintenance it is tried again.
const maintainRetry = 10 * time.Minute

// maintain runs provider p's Maintain with the application's credentials.
func (w *Worker) maintain(ctx context.Context, p ingest.Provider, started time.Time) {
	s := Settings(w.env, p)
	if !p.OAuth.Configured(s) {
		return
	}
	sess := &ingest.Session{Provider: p.Name, Settings: s, HTTP: w.http, Limiter: w.limiters[p.Name], Header: p.OAuth.Header}
	webhookURL := ""
	if w.env.Config.PublicURL != "" {
		webhookURL = WebhookURL(w.env.Config.PublicURL, p.Name)
	}
	if err := p.Maintain(ctx, sess, webhookURL); err != nil && ctx.Err() == nil {
		w.logger.Warn("provider maintenance failed", "provider", p.Name, "err", err)
		every := p.MaintainEvery
		if every <= 0 {
			every = defaultMaintainEvery
		}
		w.mu.Lock()
		if every > maintainRetry {
			w.scheduled["maintain/"+p.Name] = started.Add(maintainRetry - every) // try again sooner
		}
		w.mu.Unlock()
	}
}

// WebhookURL is where provider's webhooks are received, under publicURL.
func WebhookURL(publicURL, provider string) string {
	return publicURL + "/api/v1/providers/" + provider + "/webhooks"
}
