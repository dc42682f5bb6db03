package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
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
