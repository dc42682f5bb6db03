package webhooks

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

// FuzzValidateURL: the SSRF guard's URL check never accepts what is not an
// absolute http(s) URL with a host and no user info.
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{"https://example.com/hook", "http://127.0.0.1/", "http://[::1]:80/", "http://0x7f.1/", "http://localhost./",
		"http://169.254.169.254/latest", "ftp://example.com", "https://user:pw@example.com", "http://2130706433/", "https://ex%61mple.com"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, allowPrivate bool) {
		err := ValidateURL(raw, allowPrivate)
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) && !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("ValidateURL(%q) = %v, neither invalid nor forbidden", raw, err)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			t.Fatalf("ValidateURL accepted %q", raw)
		}
	})
}

// FuzzParseRetryAfter: an endpoint's Retry-After is never negative and
// never past the cap.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "99999999999999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT", " 5 ", ""} {
		f.Add(s)
	}
	now := time.Date(2015, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := parseRetryAfter(v, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("parseRetryAfter(%q) = %v", v, d)
		}
	})
}
