package providertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// OuraUserID is the id of the fake Oura's user (the fixtures' user).
const OuraUserID = "e4b8f9d2-3c6a-4f7e-9d1b-2a5c8e7f6a3b"

// OuraVerificationToken is the verification token OuraServer.Settings
// configures for webhook subscriptions.
const OuraVerificationToken = "oura-verification-token"

// OuraServer is the fake Oura with its webhook subscriptions.
type OuraServer struct {
	*Server

	mu   sync.Mutex
	subs []OuraSubscription
}

// OuraSubscription is one subscription the fake Oura holds.
type OuraSubscription struct {
	ID             string `json:"id"`
	CallbackURL    string `json:"callback_url"`
	EventType      string `json:"event_type"`
	DataType       string `json:"data_type"`
	ExpirationTime string `json:"expiration_time"`
	// Renewed counts the renewals.
	Renewed int `json:"-"`
}

// Oura plays Oura's API v2: credentials in the form body, rotating refresh
// tokens, personal_info, the collections and single documents of the
// fixtures, and the webhook subscription API (client credentials in
// headers), which checks a new callback with Oura's GET handshake.
func Oura(t testing.TB) *OuraServer {
	o := &OuraServer{Server: New(t, "OURA")}
	s := o.Server
	s.Refresh, s.ExpiresIn = true, 86400
	s.Handle("GET", "/v2/usercollection/personal_info", 200, []byte(`{"id": "`+OuraUserID+`", "email": "ring@example.com"}`))
	for _, c := range []struct{ path, fixture string }{
		{"sleep", "oura_sleep_response.json"},
		{"workout", "oura_workout_response.json"},
		{"heartrate", "oura_heartrate_response.json"},
	} {
		body := s.Fixture("oura", c.fixture, "")
		s.Handle("GET", "/v2/usercollection/"+c.path, 200, body)
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		_ = json.Unmarshal(body, &page)
		for _, doc := range page.Data {
			var id struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(doc, &id) == nil && id.ID != "" {
				s.Handle("GET", "/v2/usercollection/"+c.path+"/"+id.ID, 200, doc)
			}
		}
	}
	for _, c := range []string{"daily_activity", "daily_readiness", "daily_spo2"} {
		doc := s.Fixture("oura", "oura_"+c+".json", "")
		s.Handle("GET", "/v2/usercollection/"+c, 200, []byte(`{"data": [`+string(doc)+`], "next_token": null}`))
	}
	s.HandleFunc("GET", "/v2/webhook/subscription", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(o.Subscriptions())
	})
	s.HandleFunc("POST", "/v2/webhook/subscription", o.subscribe)
	s.HandleFunc("PUT", "/v2/webhook/subscription/*", o.update)
	s.HandleFunc("DELETE", "/v2/webhook/subscription/*", o.unsubscribe)
	return o
}

// Settings are the variables that point Oura at this server, with a
// verification token, so that webhooks are subscribed to.
func (o *OuraServer) Settings() map[string]string {
	m := o.Server.Settings()
	m["OURA_WEBHOOK_VERIFICATION_TOKEN"] = OuraVerificationToken
	return m
}

// Subscriptions returns the subscriptions held.
func (o *OuraServer) Subscriptions() []OuraSubscription {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OuraSubscription(nil), o.subs...)
}

// Expire makes every subscription expire in d, so that it is due for renewal.
func (o *OuraServer) Expire(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range o.subs {
		o.subs[i].ExpirationTime = time.Now().Add(d).UTC().Format(time.RFC3339)
	}
}

func (o *OuraServer) subscribe(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CallbackURL       string `json:"callback_url"`
		VerificationToken string `json:"verification_token"`
		EventType         string `json:"event_type"`
		DataType          string `json:"data_type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.CallbackURL == "" || req.EventType == "" || req.DataType == "" {
		http.Error(w, "bad subscription", http.StatusUnprocessableEntity)
		return
	}
	o.mu.Lock()
	for _, s := range o.subs {
		if s.CallbackURL == req.CallbackURL && s.EventType == req.EventType && s.DataType == req.DataType {
			o.mu.Unlock()
			http.Error(w, "exists", http.StatusConflict)
			return
		}
	}
	o.mu.Unlock()
	// The handshake: the callback must echo the challenge.
	challenge := fmt.Sprintf("challenge-%s-%s", req.DataType, req.EventType)
	q := url.Values{"verification_token": {req.VerificationToken}, "challenge": {challenge}}
	res, err := http.Get(req.CallbackURL + "?" + q.Encode())
	if err != nil {
		http.Error(w, "callback unreachable", http.StatusUnprocessableEntity)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var echo struct {
		Challenge string `json:"challenge"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(bytes.TrimSpace(body), &echo) != nil || echo.Challenge != challenge {
		http.Error(w, "verification failed: "+strings.TrimSpace(string(body)), http.StatusUnprocessableEntity)
		return
	}
	o.mu.Lock()
	sub := OuraSubscription{
		ID: fmt.Sprintf("sub-%d", len(o.subs)+1), CallbackURL: req.CallbackURL, EventType: req.EventType, DataType: req.DataType,
		ExpirationTime: time.Now().Add(90 * 24 * time.Hour).UTC().Format(time.RFC3339),
	}
	o.subs = append(o.subs, sub)
	o.mu.Unlock()
	o.Server.HandleFunc("PUT", "/v2/webhook/subscription/renew/"+sub.ID, func(w http.ResponseWriter, _ *http.Request) {
		o.mu.Lock()
		defer o.mu.Unlock()
		for i := range o.subs {
			if o.subs[i].ID == sub.ID {
				o.subs[i].Renewed++
				o.subs[i].ExpirationTime = time.Now().Add(90 * 24 * time.Hour).UTC().Format(time.RFC3339)
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(o.subs[i])
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(sub)
}

// update changes a subscription's callback URL (PUT …/subscription/{id}).
func (o *OuraServer) update(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/v2/webhook/subscription/")
	var req struct {
		CallbackURL string `json:"callback_url"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || req.CallbackURL == "" {
		http.Error(w, "bad subscription", http.StatusUnprocessableEntity)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range o.subs {
		if o.subs[i].ID == id {
			o.subs[i].CallbackURL = req.CallbackURL
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(o.subs[i])
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
}

// unsubscribe deletes a subscription (DELETE …/subscription/{id}).
func (o *OuraServer) unsubscribe(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/v2/webhook/subscription/")
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range o.subs {
		if o.subs[i].ID == id {
			o.subs = append(o.subs[:i], o.subs[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
}
