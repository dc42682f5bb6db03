package gateway

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/schemas"
)

// routePath fills a route's parameters with values that exist nowhere.
func routePath(path string) string {
	if path == "/healthz" || path == "/readyz" {
		return path
	}
	return regexp.MustCompile(`:[a-z_]+`).ReplaceAllStringFunc(path, func(p string) string {
		if p == ":provider" {
			return "polar"
		}
		return "import" // the word that once matched the import routes
	})
}

// zeros is an endless body that costs the sender no memory.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// peakRSS returns the process's peak resident memory (VmHWM), in bytes.
func peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Skip("no VmHWM in /proc/self/status")
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// resetPeakRSS starts a new peak: the kernel resets VmHWM to the current
// resident size when "5" is written to clear_refs.
func resetPeakRSS(t *testing.T) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// TestEveryRouteRefusesOverLimitBodiesWithoutReadingThem sends a 256 MB
// body, declared and chunked, without a key and with an admin key (so that
// authenticated routes get as far as reading it), to every route, and watches the peak
// resident memory of the process, gateway and all: a route that read such a
// body would raise it by hundreds of megabytes.
func TestEveryRouteRefusesOverLimitBodiesWithoutReadingThem(t *testing.T) {
	const bodySize = 256 << 20
	h := start(t, map[string]string{"WEARSTREAM_MAX_BODY_BYTES": "1048576", "WEARSTREAM_IMPORT_MAX_BYTES": "8388608"})
	key := h.tenantKey("acme")
	routes := New(h.stack.Env).App().GetRoutes(true)

	resetPeakRSS(t)
	before := peakRSS(t)
	n := 0
	for _, r := range routes {
		if r.Method == "HEAD" {
			continue
		}
		path := routePath(r.Path)
		for i := range 4 {
			chunked, withKey := i%2 == 1, i/2 == 1
			k := ""
			if withKey {
				k = key
			}
			status, err := rawSend(h.url, r.Method, path, k, bodySize, chunked)
			n++
			// A declared length over the limit is refused before anything
			// else; a chunked body is refused once it passes the limit,
			// except on the import routes, whose user does not exist.
			switch {
			case err != nil:
				t.Errorf("%s %s (chunked %v): %v", r.Method, path, chunked, err)
			case !chunked && status != http.StatusRequestEntityTooLarge:
				t.Errorf("%s %s (declared %d bytes): status %d, want 413", r.Method, path, bodySize, status)
			case chunked && !withKey && status == http.StatusUnauthorized:
				// Refused before the body was read.
			case chunked && status != http.StatusRequestEntityTooLarge && !strings.Contains(path, "/import/"):
				t.Errorf("%s %s (chunked): status %d, want 413", r.Method, path, status)
			}
			runtime.GC()
		}
	}
	grew := peakRSS(t) - before
	t.Logf("%d requests of %d MB each; peak RSS grew by %.1f MB", n, bodySize>>20, float64(grew)/(1<<20))
	if grew > 64<<20 {
		t.Fatalf("peak RSS grew by %d MB while every body was over its limit: some route read one", grew>>20)
	}
}

// TestPublicRoutesReadAFewKilobytes checks that the public token route
// whose user id is the word "import" (once mistaken for an import route)
// refuses a body just over a few kilobytes.
func TestPublicRoutesReadAFewKilobytes(t *testing.T) {
	h := start(t, nil)
	big := []byte(`{"app_id":"` + strings.Repeat("a", smallBodyBytes) + `"}`)
	for _, path := range []string{"/api/v1/users/import/token", "/api/v1/token/refresh", "/api/v1/token/revoke", "/api/v1/invitation-code/redeem"} {
		wantError(t, h.do("POST", path, nil, big), http.StatusRequestEntityTooLarge, "payload_too_large")
	}
	// A provider that only notifies gets a notification's few kilobytes,
	// declared or chunked; one that pushes data may send up to the body
	// limit (here it meets the signature check, not 413).
	for _, chunked := range []bool{false, true} {
		if status, err := rawSend(h.url, "POST", "/api/v1/providers/polar/webhooks", "", 256<<10, chunked); err != nil || status != http.StatusRequestEntityTooLarge {
			t.Errorf("polar webhook of 256 KiB (chunked %v): %d, %v; want 413", chunked, status, err)
		}
	}
	if status, err := rawSend(h.url, "POST", "/api/v1/providers/garmin/webhooks", "", 256<<10, false); err != nil || status == http.StatusRequestEntityTooLarge {
		t.Errorf("garmin push of 256 KiB: %d, %v; want it read and checked", status, err)
	}
	// An authenticated route is not read before the key is checked: an
	// unknown key meets 401 with the body left unread.
	// (rawSend reads the answer while it writes: the server answers and
	// closes without reading the rest.)
	if status, err := rawSend(h.url, "POST", "/api/v1/sdk/users/u/sync", "sk-nope", 512<<10, false); err != nil || status != http.StatusUnauthorized {
		t.Errorf("unknown key with a 512 KiB body: %d, %v; want 401", status, err)
	}
}

// roleKey creates an API key of role for tenant (which must exist).
func (h *harness) roleKey(tenant, role string) string {
	h.t.Helper()
	key := secrets.NewAPIKey()
	k := schemas.APIKey{Hash: secrets.Hash(key), ID: "key_" + role + "_" + tenant, Tenant: tenant, Role: role, CreatedAt: time.Now()}
	if err := h.stack.Env.Tables.APIKeys.Put(context.Background(), k.Hash, k); err != nil {
		h.t.Fatal(err)
	}
	return key
}

// rawSend writes a request with a body of size zero bytes (declared, or
// chunked) on its own connection while it reads the answer, so that a
// server that answers before reading the body is seen answering, and one
// that reads it gets all of it.
func rawSend(base, method, path, key string, size int64, chunked bool) (int, error) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	head := method + " " + path + " HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
	if key != "" {
		head += "X-API-Key: " + key + "\r\n"
	}
	if chunked {
		head += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		head += "Content-Length: " + strconv.FormatInt(size, 10) + "\r\n\r\n"
	}
	go func() {
		if _, err := io.WriteString(conn, head); err != nil {
			return
		}
		chunk := make([]byte, 64<<10)
		for sent := int64(0); sent < size; sent += int64(len(chunk)) {
			if chunked {
				if _, err := fmt.Fprintf(conn, "%x\r\n", len(chunk)); err != nil {
					return
				}
			}
			if _, err := conn.Write(chunk); err != nil {
				return
			}
			if chunked {
				if _, err := io.WriteString(conn, "\r\n"); err != nil {
					return
				}
			}
		}
		if chunked {
			_, _ = io.WriteString(conn, "0\r\n\r\n")
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
