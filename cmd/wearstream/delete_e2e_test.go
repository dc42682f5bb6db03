package main

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/google/uuid"
)

// TestDeleteEventsThroughPipeline deletes a workout and a sleep session
// through the API: each delete travels as a raw event through the
// processor, so the workouts and sleep topics carry the delete, ClickHouse
// hides the record from the read API, and the webhooks workout.deleted and
// sleep.deleted are delivered; the other workouts stay. An unknown id,
// another user's record and an already deleted record are 404.
func TestDeleteEventsThroughPipeline(t *testing.T) {
	s := startProviderStack(t, withEvents("workout.deleted", "sleep.deleted"))
	jane, joe := s.user("jane@example.com"), s.user("joe@example.com")
	body, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/api/v1/sdk/users/"+jane+"/sync", body, nil, 202)
	s.call("POST", "/api/v1/sdk/users/"+joe+"/sync", body, nil, 202)
	list := func(user, kind string) []string {
		t.Helper()
		var ids []string
		for _, it := range s.call("GET", "/api/v1/users/"+user+"/events/"+kind, nil, nil, 200)["data"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		return ids
	}
	waitFor(t, "both users' workouts and sleep in clickhouse", func() bool {
		return len(list(jane, "workouts")) == 3 && len(list(jane, "sleep")) == 1 && len(list(joe, "workouts")) == 3
	})
	workouts, sleep := list(jane, "workouts"), list(jane, "sleep")
	joes := list(joe, "workouts")

	s.call("DELETE", "/api/v1/users/"+jane+"/events/workouts/"+workouts[1], nil, nil, http.StatusNoContent)
	s.call("DELETE", "/api/v1/users/"+jane+"/events/sleep/"+sleep[0], nil, nil, http.StatusNoContent)
	waitFor(t, "the deleted webhooks", func() bool { return s.rc.count("workout.deleted") == 1 && s.rc.count("sleep.deleted") == 1 })
	s.rc.mu.Lock()
	w, sl := s.rc.got["workout.deleted"][0], s.rc.got["sleep.deleted"][0]
	s.rc.mu.Unlock()
	if w["id"] != workouts[1] || sl["id"] != sleep[0] {
		t.Fatalf("workout.deleted %v, sleep.deleted %v; want ids %s and %s", w, sl, workouts[1], sleep[0])
	}
	waitFor(t, "the deletes in clickhouse", func() bool { return len(list(jane, "workouts")) == 2 && len(list(jane, "sleep")) == 0 })
	if got := list(jane, "workouts"); got[0] != workouts[0] || got[1] != workouts[2] {
		t.Fatalf("workouts left = %v, want %v and %v", got, workouts[0], workouts[2])
	}
	if got := list(joe, "workouts"); len(got) != 3 {
		t.Fatalf("joe's workouts = %v, want all 3", got)
	}

	var version uint64
	var deleted, provider string
	err = s.conn.QueryRow(context.Background(), "SELECT max(version), toString(argMax(deleted, version)), argMax(provider, version) FROM workouts"+
		" WHERE id = toUUID(?)", workouts[1]).Scan(&version, &deleted, &provider)
	if err != nil || deleted != "1" || provider != "apple" {
		t.Fatalf("workout row: version %d deleted %s provider %q, %v", version, deleted, provider, err)
	}

	for _, path := range []string{
		"/api/v1/users/" + jane + "/events/workouts/" + workouts[1], // already deleted
		"/api/v1/users/" + jane + "/events/sleep/" + sleep[0],
		"/api/v1/users/" + jane + "/events/workouts/" + joes[0], // joe's
		"/api/v1/users/" + jane + "/events/workouts/" + uuid.NewString(),
		"/api/v1/users/" + jane + "/events/workouts/not-a-uuid",
		"/api/v1/users/" + jane + "/events/sleep/" + workouts[0], // a workout is not a sleep session
		"/api/v1/users/" + uuid.NewString() + "/events/workouts/" + workouts[0],
	} {
		s.call("DELETE", path, nil, nil, http.StatusNotFound)
	}
	if got := list(joe, "workouts"); len(got) != 3 {
		t.Fatalf("joe's workouts after the refused deletes = %v", got)
	}
}
