package gateway

// The gateway answers 2xx only after Kafka acknowledged every record the
// request depends on. These tests make Kafka refuse records for real (a
// kfake hook answering produce requests with an error, a topic whose
// max.message.bytes is too small) and check the answer and what is left.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wearstream/wearstream/ingest/fit"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/ingest/providertest"
)

// refuseProduce makes the broker refuse, with MESSAGE_TOO_LARGE, every
// produce request that writes to topic, after letting the first pass of
// them through.
func (h *harness) refuseProduce(topic string, pass int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	topics, err := kadm.NewClient(h.stack.Env.Producer).ListTopics(ctx, topic)
	if err != nil || topics[topic].Err != nil {
		h.t.Fatalf("cannot look up %s: %v %v", topic, err, topics[topic].Err)
	}
	id := [16]byte(topics[topic].ID)
	var seen atomic.Int64
	cluster := h.stack.Kafka.Cluster()
	cluster.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		pr := req.(*kmsg.ProduceRequest)
		hit := false
		for _, t := range pr.Topics {
			// Produce v13 names topics by id only.
			hit = hit || t.Topic == topic || t.TopicID == id
		}
		if !hit || seen.Add(1) <= int64(pass) {
			return nil, nil, false
		}
		cluster.KeepControl()
		resp := pr.ResponseKind().(*kmsg.ProduceResponse)
		for _, t := range pr.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic, rt.TopicID = t.Topic, t.TopicID
			for _, p := range t.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, kerr.MessageTooLarge.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
}

// records is the number of records in a topic.
func (h *harness) records(topic string) int64 {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(h.stack.Env.Producer).ListEndOffsets(ctx, topic)
	if err != nil {
		h.t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// An import whose sync.started Kafka refuses stores nothing and records no
// run.
func TestImportStartsOnlyWithItsEvent(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	env := h.stack.Env
	h.refuseProduce(env.Topics.Lifecycle(), 0)
	r := h.do("POST", "/api/v1/users/"+id+"/import/fit", keyHeader(key), ingesttest.FITCorpus(t, "from_official_sdk/Activity.fit"))
	wantError(t, r, http.StatusServiceUnavailable, "unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if runs := h.runs(key, id); len(runs) != 0 {
		t.Fatalf("runs = %v", runs)
	}
	if n := h.records(env.Topics.Raw(fit.Provider)); n != 0 {
		t.Fatalf("%d raw events stored for an import that never started", n)
	}
}

// An import whose sync.completed Kafka refuses answers 503 saying the data
// is stored, and its run is not shown as ended without the event.
func TestImportEndsOnlyWithItsEvent(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	env := h.stack.Env
	h.refuseProduce(env.Topics.Lifecycle(), 1) // sync.started goes through
	r := h.do("POST", "/api/v1/users/"+id+"/import/fit", keyHeader(key), ingesttest.FITCorpus(t, "from_official_sdk/Activity.fit"))
	wantError(t, r, http.StatusServiceUnavailable, "unavailable")
	if msg := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, "all 1 files were stored, but the end of the import could not be recorded") {
		t.Fatalf("message %q", msg)
	}
	runs := h.runs(key, id)
	if len(runs) != 1 || runs[0]["status"] != "in_progress" {
		t.Fatalf("runs = %v", runs)
	}
	if n := h.records(env.Topics.Lifecycle()); n != 1 {
		t.Fatalf("%d lifecycle events, want sync.started only", n)
	}
	if n := h.records(env.Topics.Raw(fit.Provider)); n != 1 {
		t.Fatalf("%d raw events, want the file", n)
	}
}

// An SDK upload Kafka refuses is answered 503 with Retry-After.
func TestSDKSyncAnswers503WhenKafkaRefuses(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	raw := h.stack.Env.Topics.Raw("apple")
	h.limitTopic(raw, 1024)
	pad := make([]byte, 16<<10)
	_, _ = rand.Read(pad)
	body := []byte(`{"provider":"apple","data":{"records":[]},"pad":"` + hex.EncodeToString(pad) + `"}`)
	r := h.do("POST", "/api/v1/sdk/users/"+id+"/sync", keyHeader(key), body)
	wantError(t, r, http.StatusServiceUnavailable, "unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if n := h.records(raw); n != 0 {
		t.Fatalf("%d raw events", n)
	}
}

// A connection whose backfill Kafka refuses is not reported as a success:
// the user's history would never be fetched.
func TestOAuthCallbackFailsWhenTheBackfillIsNotQueued(t *testing.T) {
	polar := providertest.Polar(t)
	h := startWithProviders(t, polar)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	h.refuseProduce(h.stack.Env.Topics.IngestJobs(), 0)

	r := h.do("GET", "/api/v1/oauth/polar/authorize?user_id="+user+"&redirect_uri="+url.QueryEscape("https://app.example/done"), keyHeader(key), nil)
	if r.status != http.StatusOK {
		t.Fatalf("authorize: %d %s", r.status, r.rawBody)
	}
	callback := polar.Consent(r.body["authorization_url"].(string))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc.Query().Get("status") != "error" || loc.Query().Get("error") != "unavailable" {
		t.Fatalf("callback: %d to %s", res.StatusCode, loc)
	}
}

// A provider webhook whose data or jobs Kafka refuses is answered 503 with
// Retry-After, so that the provider sends it again.
func TestProviderWebhookAnswers503WhenKafkaRefuses(t *testing.T) {
	garmin := providertest.Garmin(t)
	h := startWithProviders(t, garmin)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	h.connect(key, "garmin", user, garmin)
	h.backfillWhen(key, user, func(b backfillView) bool { return b.Summary["triggered"] == 14 })
	env := h.stack.Env
	headers := map[string]string{"garmin-client-id": garmin.ClientID}

	// Pushed data goes to the raw topic.
	raw := env.Topics.Raw("garmin")
	before := h.records(raw)
	h.refuseProduce(raw, 0)
	r := h.do("POST", "/api/v1/providers/garmin/webhooks", headers, garmin.Fixture("garmin", "garmin_push_dailies.json", ""))
	wantError(t, r, http.StatusServiceUnavailable, "unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if n := h.records(raw); n != before {
		t.Fatalf("%d raw events after a refused push, %d before", n, before)
	}

	// A ping becomes fetch jobs.
	h.refuseProduce(env.Topics.IngestJobs(), 0)
	r = h.do("POST", "/api/v1/providers/garmin/webhooks", headers, garmin.Fixture("garmin", "garmin_ping.json", providertest.GarminHost))
	wantError(t, r, http.StatusServiceUnavailable, "unavailable")
}
