package state_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wearstream/wearstream/internal/state"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

func TestTablePutIsVisibleAtOnceAndSurvivesReload(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	ctx := context.Background()
	users := env.Tables.Users

	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := string(rune('a' + i))
			if err := users.Put(ctx, id, schemas.User{ID: id, Tenant: "t", CreatedAt: time.Now()}); err != nil {
				t.Error(err)
				return
			}
			// A write returns only once this process can read it back.
			if _, ok := users.Get(id); !ok {
				t.Errorf("user %s not visible right after Put", id)
			}
		}()
	}
	wg.Wait()
	if err := users.Put(ctx, "a", schemas.User{ID: "a", Tenant: "t", Email: "new@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := users.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if _, ok := users.Get("b"); ok {
		t.Fatal("deleted user still visible")
	}

	// A new process reading the topic from the start sees the same table.
	store := state.NewStore(env.Brokers, env.Producer, env.Serde, testenv.Logger(t))
	tables := state.NewTables(store, env.Topics)
	var watched int
	tables.Users.Watch(func(string, *schemas.User) { watched++ })
	if err := store.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if n := tables.Users.Len(); n != 19 {
		t.Fatalf("reloaded table has %d users, want 19", n)
	}
	if u, _ := tables.Users.Get("a"); u.Email != "new@example.com" {
		t.Fatalf("reloaded user a = %+v, want the latest value", u)
	}
	if watched < 19 {
		t.Fatalf("watcher saw %d changes during load", watched)
	}
}

// A write Kafka refuses returns Kafka's reason and leaves the table as it
// was; once Kafka takes writes again, the same write succeeds.
func TestPutReturnsKafkasRefusal(t *testing.T) {
	st := testenv.Start(t, nil)
	users := st.Env.Tables.Users
	ctx := context.Background()
	refusal := st.RefuseProduce(t, users.Topic(), kerr.PolicyViolation, 0)
	err := users.Put(ctx, "u1", schemas.User{ID: "u1", Tenant: "t", CreatedAt: time.Now()})
	if !errors.Is(err, kerr.PolicyViolation) {
		t.Fatalf("Put to a refusing topic = %v, want POLICY_VIOLATION", err)
	}
	if _, ok := users.Get("u1"); ok {
		t.Fatal("a refused write is visible")
	}
	refusal.Lift()
	if err := users.Put(ctx, "u1", schemas.User{ID: "u1", Tenant: "t", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, ok := users.Get("u1"); !ok {
		t.Fatal("a written user is not visible")
	}
}

// A write that is acknowledged but cannot be read back (the broker drops
// every fetch of the topic) returns an error once the caller's deadline
// passes, not success.
func TestPutWaitsForItsReadBack(t *testing.T) {
	st := testenv.Start(t, nil)
	users := st.Env.Tables.Users
	var stalled atomic.Bool
	stalled.Store(true)
	cluster := st.Kafka.Cluster()
	cluster.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		if !stalled.Load() {
			return nil, nil, false
		}
		cluster.KeepControl()
		return nil, errors.New("fetches dropped by the test"), true // closes the connection
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := users.Put(ctx, "u1", schemas.User{ID: "u1", Tenant: "t", CreatedAt: time.Now()})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Put without read-back = %v, want the deadline", err)
	}
	stalled.Store(false)
	testenv.WaitFor(t, "the write read back", func() bool { _, ok := users.Get("u1"); return ok })
}
