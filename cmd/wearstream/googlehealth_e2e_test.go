package main

// The Google Health API end-to-end test: a fake Google Health API plays
// the provider from the fixtures, and the real pipeline runs as in
// `wearstream dev`. Google's endpoint verification succeeds with the
// secret and fails without it; a user connects under google_health (not
// google, the SDK path) and the backfill's exercise, sleep, steps, heart
// rate, distance, floors and weight reach ClickHouse; a notification
// without its ECDSA signature is refused, a signed one is fetched over its
// interval; a DELETE of exercise over a workout's interval removes the
// workout from workouts_current and sends workout.deleted; a DELETE of
// steps removes the steps in its intervals and sends series.deleted.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/wearstream/wearstream/ingest/providertest"
)

// googleSigner is a key pair standing in for Google Health's: the public
// half as GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY takes it, and a signer of
// bodies as X-HEALTHAPI-SIGNATURE carries them.
func googleSigner(t *testing.T) (publicPEM string, sign func([]byte) string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), func(body []byte) string {
		digest := sha256.Sum256(body)
		sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(sig)
	}
}

func TestGoogleHealthEndToEnd(t *testing.T) {
	fake := providertest.GoogleHealth(t)
	publicKey, sign := googleSigner(t)
	s := startProviderStack(t, withFakes(fake), withEvents("workout.deleted", "series.deleted"),
		withSettings(map[string]string{"GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY": publicKey}))
	call, conn := s.call, s.conn
	notify := func(body []byte) {
		t.Helper()
		call("POST", "/api/v1/providers/google_health/webhooks", body, map[string]string{
			"Authorization": "Bearer " + providertest.WebhookSecret, "X-HEALTHAPI-SIGNATURE": sign(body),
		}, 200)
	}

	// Google's endpoint verification: with the secret, then without.
	verification := fake.Fixture("googlehealth", "google_health_verification.json", "")
	call("POST", "/api/v1/providers/google_health/webhooks", verification, map[string]string{"Authorization": providertest.WebhookSecret}, 201)
	call("POST", "/api/v1/providers/google_health/webhooks", verification, nil, 401)

	// Connect; the backfill lists every data type.
	jane := s.user("jane@example.com")
	res := s.consent(fake, s.authorize("google_health", jane))
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "status=success") {
		t.Fatalf("callback redirected to %s", loc)
	}
	waitFor(t, "the google health backfill in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'google_health'") == 2 && count(t, conn, "sleep FINAL WHERE provider = 'google_health'") == 2 &&
			count(t, conn, "samples FINAL WHERE provider = 'google_health'") == 9
	})
	if n := count(t, conn, "workouts FINAL WHERE provider = 'google'"); n != 0 {
		t.Fatalf("%d workouts under google, the SDK provider", n)
	}

	// A notification: its interval is fetched.
	before := len(fake.Requests("/v4/users/me/dataTypes/steps/dataPoints"))
	note := fake.Fixture("googlehealth", "google_health_webhook.json", "")
	call("POST", "/api/v1/providers/google_health/webhooks", note, map[string]string{"Authorization": "Bearer " + providertest.WebhookSecret}, 401)
	call("POST", "/api/v1/providers/google_health/webhooks", note, map[string]string{
		"Authorization": "Bearer " + providertest.WebhookSecret, "X-HEALTHAPI-SIGNATURE": sign([]byte("another body")),
	}, 401)
	notify(note)
	// The backfill may still be fetching: look for the notified interval
	// among every fetch since the notification, in whatever order.
	want := `steps.interval.start_time >= "2026-01-14T08:00:00Z" AND steps.interval.start_time < "2026-01-14T09:00:01Z"`
	waitFor(t, "the notified interval fetched", func() bool {
		for _, r := range fake.Requests("/v4/users/me/dataTypes/steps/dataPoints")[before:] {
			if r.Query.Get("filter") == want {
				return true
			}
		}
		return false
	})

	// A DELETE names an interval: the workout starting in it goes.
	del := []byte(`[{"data": {"healthUserId": "` + providertest.GoogleHealthUserID + `", "operation": "DELETE", "dataType": "exercise",
		"intervals": [{"physicalTimeInterval": {"startTime": "2026-01-13T17:00:00Z", "endTime": "2026-01-13T17:45:00Z"}}]}}]`)
	notify(del)
	waitFor(t, "the deleted workout gone and workout.deleted sent", func() bool {
		return count(t, conn, "workouts_current WHERE provider = 'google_health'") == 1 && s.rc.count("workout.deleted") == 1
	})
	if n := count(t, conn, "workouts_current WHERE provider = 'google_health' AND start_time = '2026-01-13 17:00:00'"); n != 0 {
		t.Fatalf("the deleted workout is still current (%d rows)", n)
	}

	// A DELETE of steps: the steps in its intervals go, nothing else.
	steps := "samples_current WHERE provider = 'google_health' AND series_type = 'steps'"
	if n := count(t, conn, steps); n != 2 {
		t.Fatalf("%d current steps samples before the delete, want 2", n)
	}
	notify(fake.Fixture("googlehealth", "google_health_delete_steps.json", ""))
	waitFor(t, "the deleted steps gone and series.deleted sent", func() bool {
		return count(t, conn, steps) == 0 && s.rc.count("series.deleted") == 2
	})
	if n := count(t, conn, "samples_current WHERE provider = 'google_health'"); n != 9-2 {
		t.Fatalf("%d current google health samples after the steps delete, want 7", n)
	}
}
