package polar

// Polar's webhook (AccessLink /v3/webhooks): one per client, made with the
// client credentials in the Basic header. Creating it answers the
// signature_secret_key once; Polar then sends a PING to the URL (answered
// 200 by the gateway without a check). Ensure keeps exactly one webhook,
// for every event wearstream reads, pointed at the callback URL: an
// existing one to another URL or with other events is patched.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Subscriptions = &ingest.Subscriptions{List: List, Ensure: Ensure, Update: Update, Delete: Delete}
	})
}

// webhookEvents are the events the webhook asks for.
var webhookEvents = []string{"EXERCISE", "SLEEP", "CONTINUOUS_HEART_RATE", "ACTIVITY_SUMMARY"}

// webhook is Polar's webhook as its API answers it.
type webhook struct {
	ID        string   `json:"id"`
	Events    []string `json:"events"`
	URL       string   `json:"url"`
	SecretKey string   `json:"signature_secret_key"`
}

func (w webhook) generic() ingest.Subscription {
	return ingest.Subscription{ID: w.ID, CallbackURL: w.URL, EventType: joinEvents(w.Events), Secret: w.SecretKey}
}

func joinEvents(events []string) string {
	b, _ := json.Marshal(events)
	return string(b)
}

// clientSession is s authenticated with the client credentials.
func clientSession(s *ingest.Session) *ingest.Session {
	c := *s
	c.AccessToken = ""
	c.Header = func(st ingest.Settings, h map[string]string) {
		h["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(st.ClientID+":"+st.ClientSecret))
	}
	return &c
}

// decode reads {"data": webhook} or {"data": [webhook, ...]}.
func decode(body []byte) ([]webhook, error) {
	if len(body) == 0 {
		return nil, nil
	}
	var one struct {
		Data webhook `json:"data"`
	}
	if err := json.Unmarshal(body, &one); err == nil {
		if one.Data.ID == "" {
			return nil, nil
		}
		return []webhook{one.Data}, nil
	}
	var many struct {
		Data []webhook `json:"data"`
	}
	if err := json.Unmarshal(body, &many); err != nil {
		return nil, fmt.Errorf("cannot decode polar webhooks: %w", err)
	}
	return many.Data, nil
}

func list(ctx context.Context, c *ingest.Session) ([]webhook, error) {
	res, err := c.Get(ctx, "/v3/webhooks", nil)
	if err != nil {
		return nil, fmt.Errorf("cannot list polar webhooks: %w", err)
	}
	return decode(res.Body)
}

// List returns the client's webhook, if any.
func List(ctx context.Context, s *ingest.Session) ([]ingest.Subscription, error) {
	hooks, err := list(ctx, clientSession(s))
	out := make([]ingest.Subscription, len(hooks))
	for i, h := range hooks {
		out[i] = h.generic()
	}
	return out, err
}

// Ensure makes the client's one webhook point at callbackURL with every
// event; a webhook it creates comes back with its secret.
func Ensure(ctx context.Context, s *ingest.Session, callbackURL string) ([]ingest.Subscription, error) {
	c := clientSession(s)
	hooks, err := list(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(hooks) > 0 {
		h := hooks[0]
		if h.URL == callbackURL && slices.Equal(h.Events, webhookEvents) {
			return []ingest.Subscription{h.generic()}, nil
		}
		sub, err := patch(ctx, c, h.ID, callbackURL)
		return []ingest.Subscription{sub}, err
	}
	body, _ := json.Marshal(map[string]any{"events": webhookEvents, "url": callbackURL})
	res, err := c.Do(ctx, http.MethodPost, "/v3/webhooks", nil, body, "application/json")
	if err != nil {
		return nil, fmt.Errorf("cannot create the polar webhook: %w", err)
	}
	created, err := decode(res.Body)
	if err != nil || len(created) == 0 || created[0].SecretKey == "" {
		return nil, fmt.Errorf("cannot read the polar webhook Polar created: %s", ingest.Truncate(string(res.Body), 200))
	}
	return []ingest.Subscription{created[0].generic()}, nil
}

func patch(ctx context.Context, c *ingest.Session, id, callbackURL string) (ingest.Subscription, error) {
	body, _ := json.Marshal(map[string]any{"events": webhookEvents, "url": callbackURL})
	res, err := c.Do(ctx, http.MethodPatch, "/v3/webhooks/"+url.PathEscape(id), nil, body, "application/json")
	var se *ingest.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return ingest.Subscription{}, fmt.Errorf("polar webhook %s: %w", id, ingest.ErrNoSubscription)
	}
	if err != nil {
		return ingest.Subscription{}, fmt.Errorf("cannot update the polar webhook: %w", err)
	}
	hooks, err := decode(res.Body)
	if err != nil || len(hooks) == 0 {
		return ingest.Subscription{ID: id, CallbackURL: callbackURL, EventType: joinEvents(webhookEvents)}, nil
	}
	return hooks[0].generic(), nil
}

// Update points the webhook id at callbackURL.
func Update(ctx context.Context, s *ingest.Session, id, callbackURL string) (ingest.Subscription, error) {
	return patch(ctx, clientSession(s), id, callbackURL)
}

// Delete deletes the webhook id.
func Delete(ctx context.Context, s *ingest.Session, id string) error {
	_, err := clientSession(s).Do(ctx, http.MethodDelete, "/v3/webhooks/"+url.PathEscape(id), nil, nil, "")
	var se *ingest.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return fmt.Errorf("polar webhook %s: %w", id, ingest.ErrNoSubscription)
	}
	if err != nil {
		return fmt.Errorf("cannot delete the polar webhook: %w", err)
	}
	return nil
}
