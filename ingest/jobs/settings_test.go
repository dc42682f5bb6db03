package jobs

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// pingProvider is polled and sends webhooks, so a tenant may switch it to
// webhook mode.
const pingProvider = "jobsping"

func init() {
	ingest.Register(ingest.Provider{
		Name: pingProvider, DisplayName: "Jobs ping test",
		Capabilities: ingest.Capabilities{RestPull: true, WebhookPing: true},
		OAuth:        &ingest.OAuth{Env: "JOBSPING"},
		Webhook:      &ingest.Webhook{},
		Plan: func(kind string, start, end time.Time) []ingest.Task {
			return []ingest.Task{{Kind: kind, DataType: "sleep", Start: start, End: end}}
		},
		Fetch: func(context.Context, *ingest.Session, ingest.Task) ([]ingest.Fetched, error) { return nil, nil },
	})
}

// TestSchedulerObeysProviderSettings: of three tenants' connections whose
// poll is due, the scheduler polls only the one whose tenant left the
// provider enabled in pull mode; a disabled provider and one in webhook
// mode are not polled.
func TestSchedulerObeysProviderSettings(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	ctx := context.Background()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tenant := range []string{"pulls", "disabled", "webhooks"} {
		c := schemas.Connection{
			ID: "conn-" + tenant, Tenant: tenant, UserID: "user-" + tenant, Provider: pingProvider, Status: schemas.ConnectionActive,
			Scopes: []string{}, CreatedAt: created, UpdatedAt: created, LastSyncedAt: created,
		}
		SealToken(env, &c, &oauth2.Token{AccessToken: "token"})
		if err := env.Tables.Connections.Put(ctx, schemas.ConnectionKey(tenant, c.UserID, pingProvider), c); err != nil {
			t.Fatal(err)
		}
	}
	put := func(tenant string, s schemas.ProviderSetting) {
		s.Provider = pingProvider
		if err := env.Tables.ProviderSettings.Put(ctx, tenant, schemas.ProviderSettings{Tenant: tenant, Providers: []schemas.ProviderSetting{s}, UpdatedAt: created}); err != nil {
			t.Fatal(err)
		}
	}
	put("disabled", schemas.ProviderSetting{Disabled: true})
	put("webhooks", schemas.ProviderSetting{LiveSyncMode: schemas.ModeWebhook})

	w := NewWorker(env)
	w.partitions = int(env.Config.Partitions)
	for p := range env.Config.Partitions {
		w.owned[p] = true
	}
	w.scheduleDue(ctx, created.Add(2*env.Config.PollInterval))

	var polled []string
	for _, j := range jobsInTopic(t, st) {
		if j.Kind == ingest.TaskPoll {
			polled = append(polled, j.Tenant)
		}
	}
	if !slices.Equal(polled, []string{"pulls"}) {
		t.Fatalf("polled tenants = %v, want only the tenant in pull mode", polled)
	}
	p, _ := ingest.Lookup(pingProvider)
	if Polled(env, "webhooks", p) || Polled(env, "disabled", p) || !Polled(env, "pulls", p) || Enabled(env, "disabled", p) {
		t.Fatal("Polled or Enabled disagree with the settings")
	}
}

// TestEffectiveDropsImpossibleModes: a stored mode or granularity the
// provider cannot do gives way to its default.
func TestEffectiveDropsImpossibleModes(t *testing.T) {
	f := func(name string, stored schemas.ProviderSetting, mode, granularity string) {
		t.Helper()
		p, _ := ingest.Lookup(name)
		got := Effective(p, stored)
		if got.LiveSyncMode != mode || got.DataGranularity != granularity {
			t.Errorf("%s %+v: mode %q granularity %q, want %q %q", name, stored, got.LiveSyncMode, got.DataGranularity, mode, granularity)
		}
	}
	f(pingProvider, schemas.ProviderSetting{}, schemas.ModePull, "")
	f(pingProvider, schemas.ProviderSetting{LiveSyncMode: schemas.ModeWebhook}, schemas.ModeWebhook, "")
	f(pollProvider, schemas.ProviderSetting{LiveSyncMode: schemas.ModeWebhook}, schemas.ModePull, "")
	f(testProvider, schemas.ProviderSetting{LiveSyncMode: schemas.ModePull, DataGranularity: "daily"}, schemas.ModeNone, "")
}

// jobsInTopic reads every job in the jobs topic up to its current end.
func jobsInTopic(t *testing.T, st *testenv.Stack) []schemas.IngestJob {
	t.Helper()
	topic := st.Env.Topics.IngestJobs()
	ends, err := kadm.NewClient(st.Env.Producer).ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(st.Env.Brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []schemas.IngestJob
	for len(want) > 0 {
		fs := cl.PollFetches(context.Background())
		fs.EachRecord(func(r *kgo.Record) {
			var j schemas.IngestJob
			if err := st.Env.Serde.Decode(r.Value, &j); err != nil {
				t.Fatal(err)
			}
			out = append(out, j)
			if r.Offset+1 >= want[r.Partition] {
				delete(want, r.Partition)
			}
		})
	}
	return out
}
