package main

// The Fitbit end-to-end test: a fake Fitbit plays the Web API from the
// fixtures, and the real pipeline runs as in `wearstream dev`. The
// subscriber verification is answered; a user connects with PKCE and is
// subscribed; the backfill's activities, sleep and daily values reach
// ClickHouse while every use of the short-lived token refreshes it (Fitbit
// refresh tokens are single-use, so a lost one would revoke the
// connection); a signed notification is fetched, a badly signed one
// refused, and userRevokedAccess revokes the connection.

import (
	"strings"
	"testing"

	"github.com/wearstream/wearstream/ingest/fitbit"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/providertest"
)

func TestFitbitEndToEnd(t *testing.T) {
	fake := providertest.Fitbit(t)
	fake.ExpiresIn = 60 // inside the refresh margin: every use refreshes
	s := startProviderStack(t, withSettings(map[string]string{"FITBIT_SUBSCRIBER_VERIFY_CODE": "verify-code-1"}), withFakes(fake),
		withEvents("connection.created", "connection.revoked"))
	call, conn, rc := s.call, s.conn, s.rc

	// The subscriber verification.
	call("GET", "/api/v1/providers/fitbit/webhooks?verify=verify-code-1", nil, nil, 204)
	call("GET", "/api/v1/providers/fitbit/webhooks?verify=wrong", nil, nil, 404)

	// Connect with PKCE; the user is subscribed and the backfill runs.
	jane := s.user("jane@example.com")
	res := s.consent(fake, s.authorize("fitbit", jane))
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "status=success") {
		t.Fatalf("callback redirected to %s", loc)
	}
	if subs := fake.Requests("/1/user/-/apiSubscriptions/" + jane + ".json"); len(subs) != 1 || subs[0].Method != "POST" {
		t.Fatalf("subscription requests %+v", subs)
	}
	waitFor(t, "the fitbit backfill in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'fitbit'") == 3 && count(t, conn, "sleep FINAL WHERE provider = 'fitbit'") == 2 &&
			count(t, conn, "samples FINAL WHERE provider = 'fitbit' AND series_type IN ('resting_heart_rate', 'heart_rate_variability_rmssd', 'oxygen_saturation', 'weight')") == 7
	})
	if fake.Issued() < 3 {
		t.Fatalf("fitbit tokens issued = %d: not refreshed on use", fake.Issued())
	}

	// A notification: fetched by collection and date; a bad signature is refused.
	before := len(fake.Requests("/1/user/-/activities/list.json"))
	note := []byte(`[{"collectionType":"activities","date":"2024-01-15","ownerId":"228S74","ownerType":"user","subscriptionId":"` + jane + `"}]`)
	call("POST", "/api/v1/providers/fitbit/webhooks", note, map[string]string{"X-Fitbit-Signature": "AAAA" + fitbit.Sign(fake.ClientSecret, note)[4:]}, 401)
	call("POST", "/api/v1/providers/fitbit/webhooks", note, map[string]string{"X-Fitbit-Signature": fitbit.Sign(fake.ClientSecret, note)}, 200)
	waitFor(t, "the notified activities fetched", func() bool {
		return len(fake.Requests("/1/user/-/activities/list.json")) > before
	})
	if got := fake.Requests("/1/user/-/activities/list.json"); got[len(got)-1].Query.Get("afterDate") != "2024-01-14" {
		t.Fatalf("activities fetched with %v", got[len(got)-1].Query)
	}

	// The user revokes access at Fitbit.
	revoke := []byte(`[{"collectionType":"userRevokedAccess","date":"2024-01-16","ownerId":"228S74","ownerType":"user","subscriptionId":"` + jane + `"}]`)
	call("POST", "/api/v1/providers/fitbit/webhooks", revoke, map[string]string{"X-Fitbit-Signature": fitbit.Sign(fake.ClientSecret, revoke)}, 200)
	waitFor(t, "connection.revoked", func() bool { return rc.count("connection.revoked") == 1 })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r := rc.got["connection.revoked"][0]; r["reason"] != jobs.ReasonDeregistration || r["provider"] != "fitbit" {
		t.Fatalf("connection.revoked = %v", r)
	}
}
