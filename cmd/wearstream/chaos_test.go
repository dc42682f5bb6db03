package main

// The chaos test: the embedded infrastructure runs as `wearstream dev
// --infra-only`, and the gateway, the processor, the ClickHouse sink and
// the delivery consumer each as a separate process of the built binary.
// While a load of SDK uploads and FIT imports runs, components are killed
// with SIGKILL at random moments and restarted. Then the accounting must be
// exact: every sample of every acknowledged upload is one row under FINAL,
// every workout one row and at least one workout.created webhook whose
// duplicates share their webhook-id, no consumer group has lag, and the
// dead-letter topic is empty. Afterwards each component is killed once
// more and its group must drain within 30 s of the restart, and each must
// stop within 10 s of SIGTERM.
//
// The short version runs with the other tests; `make chaos` runs the long
// one (go test -run TestChaos -chaos.long).

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest/fit"
	"github.com/wearstream/wearstream/internal/chserver"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

var (
	chaosLong = flag.Bool("chaos.long", false, "run the long chaos test (make chaos)")
	chaosBig  = flag.Bool("chaos.big", true, "import big_activity.fit (185,262 samples) in the chaos test")
)

// chaosLoad sizes one run.
type chaosLoad struct {
	uploads    int           // SDK uploads
	samples    int           // at most this many heart-rate samples per upload
	users      int           // SDK users the uploads are spread over
	fitRounds  int           // times each small FIT file is imported, each time for a new user
	big        bool          // import big_activity.fit too
	workers    int           // uploads in flight at most
	duration   time.Duration // the load is spread over this time
	killEvery  time.Duration // mean time between kills
	recoverMax time.Duration // a group must drain within this after a restart
	stopMax    time.Duration // a component must exit within this after SIGTERM
}

// chaosConfig sizes the run: the short version, or the long one with
// -chaos.long.
func chaosConfig() chaosLoad {
	l := chaosLoad{uploads: 150, samples: 1500, users: 8, fitRounds: 1, big: *chaosBig, workers: 4, duration: time.Minute,
		killEvery: 3 * time.Second, recoverMax: 30 * time.Second, stopMax: 10 * time.Second}
	if *chaosLong {
		l.uploads, l.samples, l.users, l.fitRounds, l.duration = 1500, 3000, 20, 3, 6*time.Minute
	}
	return l
}

// chaosRun is one run: the processes, the clients and what was sent.
type chaosRun struct {
	t      *testing.T
	load   chaosLoad
	env    map[string]string // what dev --infra-only printed
	procs  []*proc
	api    string
	key    string
	conn   driver.Conn
	adm    *kadm.Client
	send   *sender
	hooks  *hookLog
	tenant string
	users  []string // the SDK uploads' users
	next   int      // the number of the next SDK upload
}

func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos test skipped in -short mode")
	}
	if !chserver.Available("") {
		if os.Getenv("CI") == "true" {
			t.Fatal("clickhouse-server is not installed")
		}
		t.Skip("clickhouse-server is not installed")
	}
	began := time.Now()
	r := startChaos(t, chaosConfig())
	uploads := r.uploads()

	// The load, while a killer goroutine kills and restarts components.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	stopKills := make(chan struct{})
	killsDone := make(chan struct{})
	go func() {
		defer close(killsDone)
		r.killRandomly(stopKills)
	}()
	r.runLoad(ctx, uploads)
	close(stopKills)
	<-killsDone
	loadTook := time.Since(began)

	// Everything acknowledged must arrive, and every group drain.
	want := r.expected()
	drained := r.waitSettled(want, 5*time.Minute)
	t.Logf("load done in %s, settled %s later", loadTook.Round(time.Second), drained.Round(time.Second))
	r.checkAccounting(want)

	// Recovery: each component killed once more while it works on fresh
	// uploads; after its restart every group must drain within recoverMax.
	for _, p := range r.procs {
		for range 3 {
			if err := r.send.send(ctx, r.sdkUpload(r.load.samples)); err != nil {
				t.Fatal(err)
			}
		}
		p.kill()
		if err := p.start(); err != nil {
			t.Fatal(err)
		}
		restarted := time.Now()
		for range 3 {
			if err := r.send.send(ctx, r.sdkUpload(100)); err != nil {
				t.Fatal(err)
			}
		}
		took := r.waitDrained(restarted, r.load.recoverMax)
		want = r.expected()
		r.waitSettled(want, time.Minute)
		t.Logf("after a kill of %s: every group drained %s after the restart", p.name, took.Round(100*time.Millisecond))
	}
	r.checkAccounting(want)

	// Every component stops within stopMax of SIGTERM, even while it is
	// still joining its groups after a restart.
	for _, p := range r.procs {
		p.kill()
		if err := p.start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.IntN(2000)) * time.Millisecond)
		if !p.running() {
			t.Fatalf("%s exited before SIGTERM; log:\n%s", p.name, p.logTail(20))
		}
		took, ok := p.terminate(r.load.stopMax)
		if !ok {
			t.Errorf("%s did not stop within %s of SIGTERM; log:\n%s", p.name, r.load.stopMax, p.logTail(20))
		}
		t.Logf("%s stopped %s after SIGTERM", p.name, took.Round(10*time.Millisecond))
	}
	r.report(want, time.Since(began))
}

// startChaos builds the binary and starts the infrastructure and the
// components, a webhook receiver subscribed to workout.created, and users.
func startChaos(t *testing.T, load chaosLoad) *chaosRun {
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	key := "sk-chaos-test-key"
	chPort := freePort(t, true)
	_, env := runInfra(t, bin, dir, map[string]string{
		"WEARSTREAM_DATA_DIR":                 filepath.Join(dir, "data"),
		"WEARSTREAM_DEV_KAFKA_ADDR":           fmt.Sprintf("127.0.0.1:%d", freePort(t, false)),
		"WEARSTREAM_DEV_SCHEMA_REGISTRY_ADDR": fmt.Sprintf("127.0.0.1:%d", freePort(t, false)),
		"WEARSTREAM_DEV_CLICKHOUSE_PORT":      fmt.Sprint(chPort),
		"WEARSTREAM_BOOTSTRAP_API_KEY":        key,
		"WEARSTREAM_LOG_LEVEL":                "warn",
	})
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, false))
	r := &chaosRun{t: t, load: load, env: env, api: "http://" + httpAddr, key: key, tenant: defaultTenant}
	for _, name := range []string{"gateway", "process", "sink", "deliver"} {
		penv := map[string]string{"WEARSTREAM_INSTANCE_ID": "chaos-" + name, "WEARSTREAM_HTTP_ADDR": httpAddr, "WEARSTREAM_LOG_LEVEL": "info"}
		for k, v := range env {
			penv[k] = v
		}
		p := newProc(name, bin, dir, penv, name)
		if err := p.start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.stop)
		r.procs = append(r.procs, p)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range r.procs {
				t.Logf("last lines of %s:\n%s", p.name, p.logTail(40))
			}
		}
	})

	ctx := context.Background()
	conn, err := chsink.Connect(ctx, env["CLICKHOUSE_ADDR"], env["CLICKHOUSE_DATABASE"], chsink.Auth("default", ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r.conn = conn
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(env["KAFKA_BROKERS"], ",")...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	r.adm = kadm.NewClient(cl)
	r.send = &sender{api: r.api, key: key, client: &http.Client{Timeout: 60 * time.Second}}
	r.waitReady()

	r.hooks = &hookLog{ids: map[string]map[string]int{}}
	hook := httptest.NewServer(r.hooks)
	t.Cleanup(hook.Close)
	ep := r.call("POST", "/api/v1/webhooks/endpoints", `{"url":"`+hook.URL+`/hook","filter_types":["workout.created"]}`)["id"].(string)
	secret := r.call("GET", "/api/v1/webhooks/endpoints/"+ep+"/secret", "")["key"].(string)
	r.hooks.mu.Lock()
	r.hooks.secret = secret
	r.hooks.mu.Unlock()
	for i := range load.users {
		r.users = append(r.users, r.user(fmt.Sprintf("chaos-%d@example.com", i)))
	}
	return r
}

// waitReady waits until the gateway answers /readyz.
func (r *chaosRun) waitReady() {
	waitFor(r.t, "gateway readiness", func() bool {
		resp, err := http.Get(r.api + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// call sends one API request with the admin key, retried until the gateway
// answers 2xx.
func (r *chaosRun) call(method, path, body string) map[string]any {
	r.t.Helper()
	var out map[string]any
	waitFor(r.t, method+" "+path, func() bool {
		req, _ := http.NewRequest(method, r.api+path, strings.NewReader(body))
		req.Header.Set("X-API-Key", r.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		out = nil
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode/100 == 2
	})
	return out
}

// user creates a user and returns its id.
func (r *chaosRun) user(email string) string {
	return r.call("POST", "/api/v1/users", `{"email":"`+email+`"}`)["id"].(string)
}

// uploads is the whole load in a random order: the SDK uploads and the FIT
// imports, each FIT import for a user of its own.
func (r *chaosRun) uploads() []upload {
	var all []upload
	for range r.load.uploads {
		all = append(all, r.sdkUpload(1+rand.IntN(r.load.samples)))
	}
	files := smallFITFiles(r.t)
	for round := range r.load.fitRounds {
		for _, f := range files {
			all = append(all, fitUpload(r.t, r.user(fmt.Sprintf("fit-%d-%s@example.com", round, filepath.Base(f))), f))
		}
	}
	if r.load.big {
		all = append(all, fitUpload(r.t, r.user("fit-big@example.com"), filepath.Join(fitTestdata(r.t), "big_activity.fit")))
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all
}

// sdkUpload is the next SDK upload, of n samples.
func (r *chaosRun) sdkUpload(n int) upload {
	u := sdkUpload(r.users[r.next%len(r.users)], r.next, n)
	r.next++
	return u
}

// fitTestdata is the testdata folder of the FIT library in the module cache.
func fitTestdata(t *testing.T) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/muktihari/fit").Output()
	if err != nil {
		t.Fatalf("cannot find the fit module: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "testdata")
}

// smallFITFiles are the FIT library's example activities that hold a
// session, so the gateway takes them.
func smallFITFiles(t *testing.T) []string {
	dir := fitTestdata(t)
	var files []string
	for _, name := range []string{"from_official_sdk/Activity.fit", "from_official_sdk/activity_poolswim.fit",
		"from_official_sdk/activity_multisport.fit", "from_official_sdk/HrmPluginTestActivity.fit",
		"from_garmin_forums/triathlon_summary_last.fit"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		if acts, err := fit.Decode(b); err == nil && len(acts) > 0 && len(acts[0].Sessions) > 0 {
			files = append(files, filepath.Join(dir, name))
		}
	}
	if len(files) == 0 {
		t.Fatal("no FIT activity found in the fit module's testdata")
	}
	return files
}

// runLoad sends the uploads evenly over load.duration, with at most
// load.workers in flight.
func (r *chaosRun) runLoad(ctx context.Context, uploads []upload) {
	tick := time.NewTicker(r.load.duration / time.Duration(len(uploads)))
	defer tick.Stop()
	jobs := make(chan upload)
	var wg sync.WaitGroup
	for range r.load.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range jobs {
				if err := r.send.send(ctx, u); err != nil {
					r.t.Error(err)
				}
			}
		}()
	}
	for _, u := range uploads {
		jobs <- u
		<-tick.C
	}
	close(jobs)
	wg.Wait()
}

// killRandomly kills a component at random moments, each in turn in a
// random order, and restarts it after a random pause, until stop closes.
func (r *chaosRun) killRandomly(stop <-chan struct{}) {
	var order []*proc
	for {
		if len(order) == 0 {
			order = slices.Clone(r.procs)
			rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		select {
		case <-stop:
			return
		case <-time.After(time.Duration(rand.Int64N(int64(2 * r.load.killEvery)))):
		}
		p := order[0]
		order = order[1:]
		p.kill()
		time.Sleep(time.Duration(rand.IntN(1500)) * time.Millisecond)
		if err := p.start(); err != nil {
			r.t.Error(err)
			return
		}
	}
}

// expected normalises every acknowledged upload.
func (r *chaosRun) expected() *expected {
	e := &expected{samples: map[sampleKey]bool{}, workouts: map[string]string{}}
	r.send.mu.Lock()
	acked := slices.Clone(r.send.acked)
	r.send.mu.Unlock()
	for _, u := range acked {
		e.add(r.t, r.tenant, u)
	}
	return e
}
