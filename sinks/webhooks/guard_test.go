package webhooks

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestValidateURL(t *testing.T) {
	f := func(raw string, allowPrivate bool, want error) {
		t.Helper()
		err := ValidateURL(raw, allowPrivate)
		if want == nil && err != nil {
			t.Fatalf("ValidateURL(%q, %v) = %v, want nil", raw, allowPrivate, err)
		}
		if want != nil && !errors.Is(err, want) {
			t.Fatalf("ValidateURL(%q, %v) = %v, want %v", raw, allowPrivate, err, want)
		}
	}
	// Public addresses and names pass (nothing is dialed).
	f("https://93.184.216.34/hooks", false, nil)
	f("http://93.184.216.34:8080/hooks?x=1", false, nil)
	f("https://[2606:2800:220:1:248:1893:25c8:1946]/hooks", false, nil)
	f("https://example.com/webhooks/wearables", false, nil)
	f("HTTPS://Example.COM/", false, nil)

	// Not an absolute http(s) URL with a host.
	f("ftp://example.com/", false, ErrInvalidURL)
	f("javascript:alert(1)", false, ErrInvalidURL)
	f("/relative/path", false, ErrInvalidURL)
	f("example.com/hooks", false, ErrInvalidURL)
	f("https://", false, ErrInvalidURL)
	f("https:///path", false, ErrInvalidURL)
	f("https://user:pass@example.com/", false, ErrInvalidURL)
	f("https://user@example.com/", false, ErrInvalidURL)
	f("http://exa mple.com/", false, ErrInvalidURL)
	f("https://user:pass@example.com/", true, ErrInvalidURL)
	f("", false, ErrInvalidURL)

	// Internal addresses are refused unless allowed.
	f("http://127.0.0.1/", false, ErrForbiddenAddress)
	f("http://127.0.0.1:8080/", true, nil)
	f("http://127.255.0.9/", false, ErrForbiddenAddress)
	f("http://10.1.2.3/", false, ErrForbiddenAddress)
	f("http://172.16.0.1/", false, ErrForbiddenAddress)
	f("http://192.168.1.10/", false, ErrForbiddenAddress)
	f("http://192.168.1.10/", true, nil)
	f("http://169.254.169.254/latest/meta-data/", false, ErrForbiddenAddress)
	f("http://169.254.1.1/", false, ErrForbiddenAddress)
	f("http://100.64.0.1/", false, ErrForbiddenAddress)
	f("http://0.0.0.0/", false, ErrForbiddenAddress)
	f("http://224.0.0.1/", false, ErrForbiddenAddress)
	f("http://255.255.255.255/", false, ErrForbiddenAddress)
	f("http://[::1]/", false, ErrForbiddenAddress)
	f("http://[::1]:9000/", true, nil)
	f("http://[::]/", false, ErrForbiddenAddress)
	f("http://[fd00::1]/", false, ErrForbiddenAddress)
	f("http://[fc00::1]/", false, ErrForbiddenAddress)
	f("http://[fe80::1%25eth0]/", false, ErrForbiddenAddress)
	f("http://[::ffff:127.0.0.1]/", false, ErrForbiddenAddress)
	f("http://[::ffff:10.0.0.1]/", false, ErrForbiddenAddress)
	f("http://[64:ff9b::a00:1]/", false, ErrForbiddenAddress)
	f("http://[ff02::1]/", false, ErrForbiddenAddress)
	f("http://localhost/", false, ErrForbiddenAddress)
	f("http://LOCALHOST./", false, ErrForbiddenAddress)
	f("http://api.localhost:3000/", false, ErrForbiddenAddress)
	f("http://localhost:3000/", true, nil)

	// Legacy numeric forms that some resolvers read as IPv4.
	f("http://127.1/", false, ErrInvalidURL)
	f("http://2130706433/", false, ErrInvalidURL)
	f("http://0x7f000001/", false, ErrInvalidURL)
	f("http://0x7f.0.0.1/", false, ErrInvalidURL)
	f("http://cafe.be/", false, nil)
}

func TestIsForbiddenAddress(t *testing.T) {
	f := func(addr string, want bool) {
		t.Helper()
		if got := IsForbiddenAddress(netip.MustParseAddr(addr)); got != want {
			t.Fatalf("IsForbiddenAddress(%s) = %v, want %v", addr, got, want)
		}
	}
	f("93.184.216.34", false)
	f("8.8.8.8", false)
	f("100.63.255.255", false)
	f("100.128.0.0", false)
	f("2606:4700::1111", false)
	f("127.0.0.1", true)
	f("10.0.0.1", true)
	f("172.31.255.255", true)
	f("192.168.0.1", true)
	f("169.254.169.254", true)
	f("100.64.0.1", true)
	f("100.127.255.255", true)
	f("198.18.0.1", true)
	f("240.0.0.1", true)
	f("::1", true)
	f("::", true)
	f("fd00::1", true)
	f("fe80::1", true)
	f("::ffff:169.254.169.254", true)
	f("2002:7f00:1::", true)
}

// A client from NewClient refuses loopback whether the URL names an IP
// literal or a host name that resolves to one, and connects when private
// addresses are allowed.
func TestClientGuardsResolvedAddress(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	guarded := NewClient(false, 5*time.Second)
	for _, u := range []string{srv.URL, byName} {
		resp, err := guarded.Get(u)
		if err == nil {
			_ = resp.Body.Close()
			t.Fatalf("GET %s through the guarded client succeeded", u)
		}
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Fatalf("GET %s error = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("server got %d requests through the guarded client", n)
	}

	open := NewClient(true, 5*time.Second)
	for _, u := range []string{srv.URL, byName} {
		resp, err := open.Get(u)
		if err != nil {
			t.Fatalf("GET %s with private addresses allowed: %v", u, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s status = %d", u, resp.StatusCode)
		}
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("server got %d requests, want 2", n)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var targetHits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
	}))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer redirect.Close()

	resp, err := NewClient(true, 5*time.Second).Get(redirect.URL)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want %d", resp.StatusCode, http.StatusFound)
	}
	if n := targetHits.Load(); n != 0 {
		t.Fatalf("redirect target got %d requests, want 0", n)
	}
}

func TestClientIgnoresProxyEnvironment(t *testing.T) {
	tr, ok := NewClient(false, time.Second).Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport is %T, want *http.Transport", NewClient(false, time.Second).Transport)
	}
	if tr.Proxy != nil {
		t.Fatalf("transport uses a proxy function")
	}
}
