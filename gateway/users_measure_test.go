package gateway

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// TestMeasureUserList measures what the console's Users page asks of a
// tenant with many users (WEARSTREAM_MEASURE_USERS, e.g. 100000): the first
// page, a late page and a search, over loopback HTTP, 20 times each. It
// reports figures and asserts nothing about time; without the variable it
// skips. Results: benchmarks/README.md, "The console's reads".
func TestMeasureUserList(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("WEARSTREAM_MEASURE_USERS"))
	if n <= 0 {
		t.Skip("set WEARSTREAM_MEASURE_USERS to measure")
	}
	h := start(t, nil)
	key := h.tenantKey("acme")
	began := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 64 {
				id := schemas.NameID("acme", "user-"+strconv.Itoa(i))
				u := schemas.User{ID: id, Tenant: "acme", Email: fmt.Sprintf("user%d@example.com", i), ExternalUserID: "ext-" + strconv.Itoa(i),
					CreatedAt: began.Add(time.Duration(i) * time.Millisecond)}
				if err := h.stack.Env.Tables.Users.Put(context.Background(), id, u); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d users stored in %v", n, time.Since(began).Round(time.Millisecond))
	for _, path := range []string{
		"/api/v1/users?page=1&limit=20",
		"/api/v1/users?page=" + strconv.Itoa(n/20) + "&limit=20",
		"/api/v1/users?search=user4242@&limit=20",
		"/api/v1/users?search=example.com&limit=20",
	} {
		var took []time.Duration
		for range 20 {
			start := time.Now()
			if r := h.do("GET", path, keyHeader(key), nil); r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, r.status, r.rawBody)
			}
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		t.Logf("%s: p50 %v, max %v", path, took[len(took)/2].Round(time.Millisecond/10), took[len(took)-1].Round(time.Millisecond/10))
	}
}
