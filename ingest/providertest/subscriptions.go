package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// PolarWebhookSecret is the signature_secret_key the fake Polar answers
// when its webhook is created.
const PolarWebhookSecret = "polar-created-secret"

// AcceptPolarWebhooks makes s play Polar's webhook API (client credentials
// in the Basic header): one webhook per client, created with POST
// /v3/webhooks (answering its signature_secret_key once, 409 when one
// exists), listed, patched and deleted. Polar calls it at start; a test
// that made the API refuse calls it again to restore it.
func AcceptPolarWebhooks(s *Server) {
	var mu sync.Mutex
	var hook map[string]any
	n := 0
	answer := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": v})
	}
	s.HandleFunc("GET", "/v3/webhooks", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if hook == nil {
			answer(w, http.StatusOK, []any{})
			return
		}
		answer(w, http.StatusOK, hook)
	})
	s.HandleFunc("POST", "/v3/webhooks", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if json.NewDecoder(r.Body).Decode(&req) != nil || req["url"] == nil || req["events"] == nil {
			http.Error(w, "bad webhook", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if hook != nil {
			http.Error(w, "a webhook exists", http.StatusConflict)
			return
		}
		n++
		hook = map[string]any{"id": fmt.Sprintf("hook-%d", n), "events": req["events"], "url": req["url"]}
		created := map[string]any{"signature_secret_key": PolarWebhookSecret}
		for k, v := range hook {
			created[k] = v
		}
		answer(w, http.StatusCreated, created)
	})
	s.HandleFunc("PATCH", "/v3/webhooks/*", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		defer mu.Unlock()
		if hook == nil || hook["id"] != strings.TrimPrefix(r.URL.Path, "/v3/webhooks/") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		for k, v := range req {
			hook[k] = v
		}
		answer(w, http.StatusOK, hook)
	})
	s.HandleFunc("DELETE", "/v3/webhooks/*", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if hook == nil || hook["id"] != strings.TrimPrefix(r.URL.Path, "/v3/webhooks/") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		hook = nil
		w.WriteHeader(http.StatusNoContent)
	})
}

// acceptStravaSubscriptions makes s play Strava's push subscription API
// (client credentials in the query or form): one subscription per
// application, created only after the callback answered the hub.challenge
// handshake with the verify token, listed and deleted.
func acceptStravaSubscriptions(s *Server) {
	var mu sync.Mutex
	var subs []map[string]any
	n := 0
	s.HandleFunc("GET", "/push_subscriptions", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(append([]map[string]any{}, subs...))
	})
	s.HandleFunc("POST", "/push_subscriptions", func(w http.ResponseWriter, r *http.Request) {
		callback, verify := r.FormValue("callback_url"), r.FormValue("verify_token")
		mu.Lock()
		exists := len(subs) > 0
		mu.Unlock()
		if exists {
			http.Error(w, `{"errors":[{"code":"already exists"}]}`, http.StatusBadRequest)
			return
		}
		q := url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"strava-challenge"}, "hub.verify_token": {verify}}
		res, err := http.Get(callback + "?" + q.Encode())
		if err != nil {
			http.Error(w, `{"errors":[{"code":"callback unreachable"}]}`, http.StatusBadRequest)
			return
		}
		var echo map[string]string
		_ = json.NewDecoder(res.Body).Decode(&echo)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || echo["hub.challenge"] != "strava-challenge" {
			http.Error(w, `{"errors":[{"code":"callback url not verifiable"}]}`, http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		n++
		sub := map[string]any{"id": n, "callback_url": callback}
		subs = append(subs, sub)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": n})
	})
	s.HandleFunc("DELETE", "/push_subscriptions/*", func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/push_subscriptions/")
		mu.Lock()
		defer mu.Unlock()
		for i, sub := range subs {
			if fmt.Sprint(sub["id"]) == id {
				subs = append(subs[:i], subs[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
	})
}
