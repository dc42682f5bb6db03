package state_test

import (
	"context"
	"sync"
	"testing"
	"time"

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
