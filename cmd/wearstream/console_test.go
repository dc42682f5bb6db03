package main

// The console tested in a real browser: Debian's chromium, headless, driven
// by chromedp against the whole stack (gateway, processor, sink, delivery
// on kfake and a ClickHouse child). Screenshots of each page are written to
// WEARSTREAM_SCREENSHOTS, or console-screenshots/ in this folder
// (gitignored), to be looked at.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wearstream/wearstream/ingest/ingesttest"
)

// browser starts headless chromium for the test and stops it (and every
// process it started) when the test ends. Without chromium the test skips,
// and fails in CI.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is missing: install it with apt-get install chromium (make deps does)")
		}
		t.Skip("chromium is missing: apt-get install chromium, or make deps")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true),
		// A zone away from UTC, so that local times and their offsets show.
		chromedp.Env("TZ=Europe/Berlin"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	// Every confirm() is answered yes, as a user who means the action.
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(true)) }()
		}
	})
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // kills the browser process group and removes its profile
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("cannot start chromium: %v", err)
	}
	return ctx
}

// screenshots is where the test writes its screenshots.
func screenshots(t *testing.T) string {
	dir := os.Getenv("WEARSTREAM_SCREENSHOTS")
	if dir == "" {
		dir = "console-screenshots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// heartRateUpload is an SDK body of heart-rate samples every 10 minutes
// over the 22 hours before end.
func heartRateUpload(end time.Time) []byte {
	var records []map[string]any
	for i := 0; i < 132; i++ {
		at := end.Add(-time.Duration(132-i) * 10 * time.Minute)
		records = append(records, map[string]any{
			"id": fmt.Sprintf("HR-%04d", i), "type": "HKQuantityTypeIdentifierHeartRate",
			"startDate": at.Format(time.RFC3339), "endDate": at.Format(time.RFC3339), "zoneOffset": "+01:00",
			"value": 62 + math.Round(18*math.Sin(float64(i)/9)), "unit": "count/min",
			"source": map[string]any{"name": "Jane's Apple Watch", "bundleIdentifier": "com.apple.health.watch", "deviceModel": "Watch", "deviceType": "watch"},
		})
	}
	b, _ := json.Marshal(map[string]any{"provider": "apple", "sdkVersion": "1.0.0", "syncTimestamp": end.Format(time.RFC3339),
		"data": map[string]any{"records": records}})
	return b
}

// TestConsoleInBrowser logs in (a wrong key first), finds a user with
// uploaded data, sees the heart-rate chart and the sleep stages drawn,
// creates an endpoint, watches a delivery appear in its log, opens the
// attempt and resends it, and screenshots every page, at a phone's width
// too.
func TestConsoleInBrowser(t *testing.T) {
	ctx := browser(t)
	s := startProviderStack(t)
	var hits atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(hook.Close)

	jane := s.user("jane@example.com")
	fixture, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/api/v1/sdk/users/"+jane+"/sync", fixture, nil, 202)
	s.call("POST", "/api/v1/sdk/users/"+jane+"/sync", heartRateUpload(time.Date(2026, 1, 14, 7, 0, 0, 0, time.UTC)), nil, 202)
	s.call("POST", "/api/v1/users/"+jane+"/import/fit", ingesttest.FITCorpus(t, "from_official_sdk/activity_multisport.fit"), nil, 202)
	waitFor(t, "jane's heart rate, sleep and workouts in clickhouse", func() bool {
		hr := s.call("GET", "/api/v1/users/"+jane+"/timeseries?types=heart_rate&start_time=2026-01-13T00:00:00Z&end_time=2026-01-15T00:00:00Z&limit=1000", nil, nil, 200)
		sl := s.call("GET", "/api/v1/users/"+jane+"/events/sleep", nil, nil, 200)
		wo := s.call("GET", "/api/v1/users/"+jane+"/events/workouts", nil, nil, 200)
		return len(hr["data"].([]any)) >= 132 && len(sl["data"].([]any)) == 1 && len(wo["data"].([]any)) == 5
	})
	// The workout with the most laps, through the API first.
	var lapped string
	most := 0
	for _, w := range s.call("GET", "/api/v1/users/"+jane+"/events/workouts", nil, nil, 200)["data"].([]any) {
		id := w.(map[string]any)["id"].(string)
		if n := len(s.call("GET", "/api/v1/users/"+jane+"/events/workouts/"+id+"/laps", nil, nil, 200)["data"].([]any)); n > most {
			lapped, most = id, n
		}
	}
	if most == 0 {
		t.Fatal("no workout of the FIT import has laps")
	}
	s.call("GET", "/api/v1/users/"+jane+"/events/workouts/00000000-0000-0000-0000-000000000000/laps", nil, nil, 404)

	dir := screenshots(t)
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte // quality 100 makes a PNG
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
		})
	}
	// view saves what the viewport shows, as a phone's screen would.
	view := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.CaptureScreenshot(&buf).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
		})
	}
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		if err := chromedp.Run(tctx, actions...); err != nil {
			// What the page showed, for the failure's report.
			var text string
			dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_ = chromedp.Run(dctx, chromedp.Evaluate(`document.body.innerText`, &text), shot("failed"))
			t.Fatalf("%s: %v; the page shows:\n%s", what, err, text)
		}
	}
	// until clicks refresh (a selector) until the expression is true.
	until := func(what, refresh, expr string) {
		t.Helper()
		waitFor(t, what, func() bool {
			var ok bool
			run(what, chromedp.Click(refresh, chromedp.ByQuery), chromedp.Sleep(300*time.Millisecond), chromedp.Evaluate(expr, &ok))
			return ok
		})
	}

	// A wrong key stays on the login page with the server's reason.
	var msg string
	run("wrong key",
		chromedp.Navigate(s.api+"/console/"),
		chromedp.WaitVisible("#key", chromedp.ByID),
		chromedp.SendKeys("#key", "sk-wrong", chromedp.ByID),
		chromedp.Click("#login button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#login-msg .error", chromedp.ByQuery),
		chromedp.Text("#login-msg", &msg, chromedp.ByQuery),
		shot("01-login-refused"))
	if !strings.Contains(msg, "invalid API key") {
		t.Fatalf("login message = %q, want the server's reason", msg)
	}

	// The real key: the overview, then the user's page with its charts.
	run("log in",
		chromedp.SetValue("#key", s.key, chromedp.ByID),
		chromedp.Click("#login button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#flow table", chromedp.ByQuery),
		chromedp.WaitVisible("#dead-letters", chromedp.ByQuery),
		shot("02-overview"))
	var points int
	run("find jane and her chart",
		chromedp.Navigate(s.api+"/console/#/users"),
		chromedp.WaitVisible("#user-search", chromedp.ByID),
		chromedp.SendKeys("#user-search", "jane", chromedp.ByID),
		chromedp.SendKeys("#user-search", "\r", chromedp.ByID),
		chromedp.WaitVisible("a.user-link", chromedp.ByQuery),
		shot("03-users"),
		chromedp.Click("a.user-link", chromedp.ByQuery),
		chromedp.WaitVisible(`#series-chart path.line`, chromedp.ByQuery),
		chromedp.WaitVisible(`svg.hypno rect.stage`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#series-chart path.line").getAttribute("d").split(/[ML]/).length - 1`, &points))
	var page string
	run("the page's text", chromedp.Text("main", &page, chromedp.ByQuery))
	// The watch's last sample, 2026-01-14T06:50Z, in Berlin's winter time.
	if !strings.Contains(page, "2026-01-14 07:50 UTC+01:00") {
		t.Errorf("the user's page shows no local time with its offset:\n%s", page)
	}
	var lapRows int
	run("a workout's laps",
		chromedp.Click(`button[data-workout="`+lapped+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#workout-detail table", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#workout-detail tbody tr").length`, &lapRows),
		chromedp.ScrollIntoView("#workout-detail", chromedp.ByQuery),
		shot("04-user"))
	if lapRows != most {
		t.Errorf("the console shows %d laps, the API %d", lapRows, most)
	}
	// A second import while the page is open: its run appears live, from
	// the sync stream, without a reload.
	var before int
	run("count sync runs", chromedp.Evaluate(`document.querySelectorAll("#sync-runs tbody tr").length`, &before))
	s.call("POST", "/api/v1/users/"+jane+"/import/fit", ingesttest.FITCorpus(t, "from_official_sdk/Activity.fit"), nil, 202)
	waitFor(t, "the second import's sync run on the open page", func() bool {
		var n int
		var text string
		run("count sync runs", chromedp.Evaluate(`document.querySelectorAll("#sync-runs tbody tr").length`, &n),
			chromedp.Text("#sync-runs", &text, chromedp.ByID))
		return n == before+1 && strings.Contains(text, "25207 samples")
	})
	run("the sync runs", chromedp.ScrollIntoView("#sync-runs", chromedp.ByQuery), view("04-user-sync-runs"))
	if points < 100 {
		t.Fatalf("the heart-rate line has %d points, want the uploaded day's samples", points)
	}
	var exported string
	run("export the user's data",
		chromedp.Click("#export-user", chromedp.ByID),
		chromedp.WaitVisible(`//div[@id="toast"][starts-with(text(),"Export downloaded")]`, chromedp.BySearch),
		chromedp.Text("#toast", &exported, chromedp.ByID))
	if !strings.Contains(exported, " records") || strings.Contains(exported, ": 0 records") {
		t.Errorf("export toast = %q", exported)
	}
	var sel string
	run("the chart shows heart rate", chromedp.Value("#series-type", &sel, chromedp.ByID))
	if sel != "heart_rate" {
		t.Fatalf("series shown = %q, want heart_rate first", sel)
	}
	run("at a phone's width",
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(`#series-chart path.line`, chromedp.ByQuery),
		shot("05-user-phone"),
		chromedp.ScrollIntoView("#series-chart", chromedp.ByQuery),
		view("05-user-phone-chart"),
		chromedp.EmulateViewport(1280, 900))

	// An endpoint for workout.created, then a real delivery in its log.
	run("create an endpoint",
		chromedp.Navigate(s.api+"/console/#/webhooks"),
		chromedp.WaitVisible("#ep-url", chromedp.ByID),
		chromedp.SendKeys("#ep-url", hook.URL+"/hook", chromedp.ByID),
		chromedp.SendKeys("#ep-description", "console test", chromedp.ByID),
		chromedp.WaitVisible(`input[value="workout.created"]`, chromedp.ByQuery),
		chromedp.Click(`input[value="workout.created"]`, chromedp.ByQuery),
		shot("06-webhooks"),
		chromedp.Click("#new-endpoint button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#attempts", chromedp.ByID),
		chromedp.WaitVisible("#secret", chromedp.ByID))
	joe := s.user("joe@example.com")
	s.call("POST", "/api/v1/sdk/users/"+joe+"/sync", fixture, nil, 202)
	until("a workout.created delivery in the log", "#log-refresh",
		`[...document.querySelectorAll("#attempts td")].some(td => td.textContent === "workout.created")`)
	run("open the attempt and resend it",
		chromedp.Click("#attempts button.attempt-open", chromedp.ByQuery),
		chromedp.WaitVisible("#attempt-detail pre", chromedp.ByQuery),
		chromedp.WaitVisible("#resend", chromedp.ByID),
		shot("07-endpoint-log"),
		chromedp.Click("#resend", chromedp.ByID),
		chromedp.WaitVisible("#toast.show", chromedp.ByQuery))
	until("the resend in the log", "#log-refresh",
		`[...document.querySelectorAll("#attempts td")].some(td => td.textContent.includes("manual"))`)
	run("the log after the resend", shot("08-endpoint-resent"))

	// The endpoint's other actions: the secret revealed and rotated (its
	// confirm answered yes), a test event, disable and enable, a recovered
	// range, and the filters and user scope edited.
	var secret, rotated, testResult, state string
	run("reveal and rotate the secret",
		chromedp.Click(`//button[text()="Reveal"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//code[@id="secret"][starts-with(text(),"whsec_") and not(contains(text(),"•"))]`, chromedp.BySearch),
		chromedp.Text("#secret", &secret, chromedp.ByID),
		chromedp.Click(`//button[text()="Rotate"]`, chromedp.BySearch),
		chromedp.Poll(`document.querySelector("#secret").textContent !== `+strconv.Quote(secret), nil),
		chromedp.Text("#secret", &rotated, chromedp.ByID))
	var ep string
	run("the endpoint's id", chromedp.Evaluate(`decodeURIComponent(location.hash.split("/")[2])`, &ep))
	if got := s.call("GET", "/api/v1/webhooks/endpoints/"+ep+"/secret", nil, nil, 200)["key"]; got != rotated || rotated == secret {
		t.Fatalf("secret shown %q then %q, the API has %q", secret, rotated, got)
	}
	run("send a test event",
		chromedp.SetValue("#test-type", "sleep.created", chromedp.ByID),
		chromedp.Click("#send-test", chromedp.ByID),
		chromedp.WaitVisible("#test-result p", chromedp.ByQuery),
		chromedp.Text("#test-result p", &testResult, chromedp.ByQuery))
	if !strings.Contains(testResult, "delivered") || !strings.Contains(testResult, "HTTP 200") {
		t.Errorf("test event result = %q", testResult)
	}
	run("disable, then enable",
		chromedp.Click(`//button[text()="Disable"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h1/span[text()="disabled"]`, chromedp.BySearch),
		chromedp.Click(`//button[text()="Enable"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h1/span[text()="enabled"]`, chromedp.BySearch),
		chromedp.Text("h1 .pill", &state, chromedp.ByQuery))
	run("recover the last hour",
		chromedp.Click(`//button[text()="Recover"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//div[@id="toast"][contains(text(),"queued again")]`, chromedp.BySearch))
	run("edit the filters and the user scope",
		chromedp.Click(`#edit-endpoint input[value="sleep.created"]`, chromedp.ByQuery),
		chromedp.SetValue("#ep-user", jane, chromedp.ByID),
		chromedp.Click("#edit-endpoint button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(`//div[@id="toast"][text()="Saved"]`, chromedp.BySearch),
		shot("08-endpoint-edited"))
	got := s.call("GET", "/api/v1/webhooks/endpoints/"+ep, nil, nil, 200)
	if types := fmt.Sprint(got["filter_types"]); types != "[workout.created sleep.created]" || got["user_id"] != jane || got["disabled"] != false {
		t.Fatalf("after the edit the endpoint is %v", got)
	}

	// Erasing joe from his page: he is gone from the search.
	var left int
	run("erase joe",
		chromedp.Navigate(s.api+"/console/#/users/"+joe),
		chromedp.WaitVisible("#erase-user", chromedp.ByID),
		chromedp.Click("#erase-user", chromedp.ByID),
		chromedp.WaitVisible("#user-search", chromedp.ByID),
		chromedp.SendKeys("#user-search", "joe\r", chromedp.ByID),
		chromedp.WaitVisible("#user-results .empty", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#user-results a.user-link").length`, &left))
	if left != 0 {
		t.Errorf("joe is still listed after his erasure")
	}

	for _, page := range []string{"providers", "priorities"} {
		run(page,
			chromedp.Navigate(s.api+"/console/#/"+page),
			chromedp.WaitVisible("main table, main .empty", chromedp.ByQuery),
			shot("09-"+page))
	}
	run("overview again", chromedp.Navigate(s.api+"/console/#/overview"), chromedp.WaitVisible("#flow table", chromedp.ByQuery),
		chromedp.Sleep(500*time.Millisecond), shot("10-overview-after"))
	if hits.Load() < 2 {
		t.Fatalf("the receiver got %d requests, want a delivery and its resend", hits.Load())
	}

	// A read key made on the Credentials page: what read may not do is not
	// offered; revoked while in use, it returns to the login page.
	var readKey string
	run("create a read key",
		chromedp.Navigate(s.api+"/console/#/credentials"),
		chromedp.WaitVisible("#api-keys table", chromedp.ByQuery),
		chromedp.SendKeys("#key-name", "dashboard", chromedp.ByID),
		chromedp.SetValue("#key-role", "read", chromedp.ByID),
		chromedp.Click("#new-key button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#api-key-new code", chromedp.ByQuery),
		chromedp.Text("#api-key-new code", &readKey, chromedp.ByQuery),
		shot("11-credentials"))
	var nav string
	var adminButtons int
	run("log in with the read key",
		chromedp.Click("#logout", chromedp.ByID),
		chromedp.WaitVisible("#key", chromedp.ByID),
		chromedp.SendKeys("#key", readKey+"\r", chromedp.ByID), // Enter, from the keyboard
		chromedp.WaitVisible("#flow table", chromedp.ByQuery),
		chromedp.Text("#nav", &nav, chromedp.ByID))
	run("jane as read",
		chromedp.Navigate(s.api+"/console/#/users/"+jane),
		chromedp.WaitVisible("#series-chart path.line", chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("main button")].filter(b => /Sync now|Disconnect|Reconnect/.test(b.textContent)).length`, &adminButtons),
		shot("12-user-as-read"))
	if strings.Contains(nav, "Credentials") || !strings.Contains(nav, "Users") || !strings.Contains(nav, "Webhooks") {
		t.Errorf("a read key is offered %q", nav)
	}
	var endpointsShown bool
	run("webhooks as read",
		chromedp.Navigate(s.api+"/console/#/webhooks"),
		chromedp.WaitVisible("main table, main .empty", chromedp.ByQuery),
		chromedp.Evaluate(`!!document.querySelector("#endpoints, #new-endpoint")`, &endpointsShown),
		shot("12-webhooks-as-read"))
	if endpointsShown {
		t.Errorf("a read key is offered the endpoints")
	}
	if adminButtons != 0 {
		t.Errorf("a read key is offered %d connection actions", adminButtons)
	}
	for _, k := range s.call("GET", "/api/v1/api-keys", nil, nil, 200)["data"].([]any) {
		if k := k.(map[string]any); k["name"] == "dashboard" {
			s.call("DELETE", "/api/v1/api-keys/"+k["id"].(string), nil, nil, 204)
		}
	}
	msg = ""
	run("the revoked key returns to the login page",
		chromedp.Navigate(s.api+"/console/#/priorities"),
		chromedp.WaitVisible("#login-msg .error", chromedp.ByQuery),
		chromedp.Text("#login-msg", &msg, chromedp.ByQuery),
		shot("13-login-revoked"))
	if !strings.Contains(msg, "invalid API key") {
		t.Errorf("after the key was revoked the login page says %q", msg)
	}
	t.Logf("screenshots in %s", dir)
}
