package ingest

// Session is how provider code talks to a provider's API for one user: every
// request carries the user's token and the provider's own headers, waits for
// the provider's rate limiter, honours 429 and Retry-After, hands the
// provider's count of requests left (Budget) to the limiter, backs off on
// network errors and 5xx, and is refused when a URL points anywhere but the
// provider's API host, so a token never leaves for an address a webhook body
// chose.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrUnauthorized is returned when the provider refuses the user's token.
var ErrUnauthorized = errors.New("the provider refused the access token")

// maxResponseBytes bounds one response body.
const maxResponseBytes = 64 << 20

// StatusError is a provider's answer with an unexpected status.
type StatusError struct {
	Method string
	URL    string
	Status int
	Body   string
	// RetryAfter is the wait the provider asked for, if any.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.URL, e.Status, e.Body)
}

// Temporary reports whether trying again later may succeed (429, 5xx).
func (e *StatusError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Response is a provider's 2xx answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Session is a connection's access to its provider's API.
type Session struct {
	Provider string
	Settings Settings
	// AccessToken is the user's current token; empty for calls made with
	// the client credentials only.
	AccessToken string
	// UserID and ProviderUserID name the user here and at the provider.
	UserID         string
	ProviderUserID string
	// HTTP sends the requests (http.DefaultClient when nil).
	HTTP *http.Client
	// Limiter paces the provider's requests; nil for none.
	Limiter *Limiter
	// Budget reads from an answer's headers how many requests the provider
	// still allows and when its count resets, for providers that say so
	// (Fitbit); ok is false when the headers are absent. The Limiter then
	// grants no more than that until the reset. Nil for none.
	Budget func(h http.Header) (left int, reset time.Duration, ok bool)
	// Header adds the provider's own headers (OAuth.Header).
	Header func(s Settings, h map[string]string)
	// MaxAttempts bounds the tries of one request (4 when 0).
	MaxAttempts int
	// MaxWait is the longest Retry-After waited inside a request (2 min
	// when 0); a longer one is returned as a temporary StatusError.
	MaxWait time.Duration
}

// URL resolves pathOrURL against the provider's API URL. An absolute URL
// must be on the API's scheme and host.
func (s *Session) URL(pathOrURL string, q url.Values) (string, error) {
	base, err := url.Parse(s.Settings.APIURL)
	if err != nil || base.Host == "" {
		return "", fmt.Errorf("cannot use %s API URL %q", s.Provider, s.Settings.APIURL)
	}
	u, err := url.Parse(pathOrURL)
	if err != nil {
		return "", fmt.Errorf("cannot parse URL %q: %w", pathOrURL, err)
	}
	if u.IsAbs() {
		if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
			return "", fmt.Errorf("refusing to send a %s token to %s: not the API host %s", s.Provider, u.Host, base.Host)
		}
	} else {
		rawQuery := u.RawQuery
		u = base.JoinPath(u.EscapedPath()) // JoinPath takes escaped elements
		u.RawQuery = rawQuery
	}
	if len(q) > 0 {
		merged := u.Query()
		for k, vs := range q {
			merged[k] = vs
		}
		u.RawQuery = merged.Encode()
	}
	return u.String(), nil
}

// Get fetches pathOrURL (relative to the API URL) with query q.
func (s *Session) Get(ctx context.Context, pathOrURL string, q url.Values) (*Response, error) {
	return s.Do(ctx, http.MethodGet, pathOrURL, q, nil, "")
}

// Do sends one request with retries; it returns the 2xx response, or an
// error: ErrUnauthorized for 401, *StatusError for other statuses.
func (s *Session) Do(ctx context.Context, method, pathOrURL string, q url.Values, body []byte, contentType string) (*Response, error) {
	target, err := s.URL(pathOrURL, q)
	if err != nil {
		return nil, err
	}
	attempts := s.MaxAttempts
	if attempts <= 0 {
		attempts = 4
	}
	maxWait := s.MaxWait
	if maxWait <= 0 {
		maxWait = 2 * time.Minute
	}
	var last error
	for attempt := 0; attempt < attempts; attempt++ {
		if attempt > 0 {
			wait := backoff(attempt)
			var se *StatusError
			if errors.As(last, &se) && se.RetryAfter > 0 {
				wait = se.RetryAfter
			}
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
		}
		if s.Limiter != nil {
			if err := s.Limiter.Wait(ctx); err != nil {
				return nil, err
			}
		}
		resp, err := s.send(ctx, method, target, body, contentType)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = err
			continue
		}
		if s.Budget != nil && s.Limiter != nil {
			if left, reset, ok := s.Budget(resp.Header); ok {
				s.Limiter.Observe(left, reset)
			}
		}
		if resp.Status >= 200 && resp.Status < 300 {
			return resp, nil
		}
		se := &StatusError{Method: method, URL: redact(target), Status: resp.Status, Body: truncate(string(resp.Body), 300)}
		switch {
		case resp.Status == http.StatusUnauthorized:
			return nil, fmt.Errorf("%w: %v", ErrUnauthorized, se)
		case resp.Status == http.StatusTooManyRequests:
			se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if se.RetryAfter <= 0 {
				se.RetryAfter = backoff(attempt + 1)
			}
			if s.Limiter != nil {
				s.Limiter.Pause(time.Now().Add(se.RetryAfter))
			}
			if se.RetryAfter > maxWait {
				return nil, se
			}
			last = se
		case resp.Status >= 500:
			se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if se.RetryAfter > maxWait {
				return nil, se
			}
			last = se
		default:
			return nil, se
		}
	}
	return nil, last
}

func (s *Session) send(ctx context.Context, method, target string, body []byte, contentType string) (*Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("cannot build request: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if s.AccessToken != "" {
		req.Header.Set("Authorization", "Bearer "+s.AccessToken)
	}
	if s.Header != nil {
		h := map[string]string{}
		s.Header(s.Settings, h)
		for k, v := range h {
			req.Header.Set(k, v)
		}
	}
	client := s.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %w", s.Provider, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s response: %w", s.Provider, err)
	}
	if len(b) > maxResponseBytes {
		return nil, fmt.Errorf("%s response is larger than %d bytes", s.Provider, maxResponseBytes)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// backoff is the wait before try attempt+1: 1 s doubling to 30 s, ±20 %.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt-1, 5)
	d = min(d, 30*time.Second)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// maxRetryAfter caps what a provider may ask for, so that a huge value
// cannot overflow a Duration into a negative wait.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads a Retry-After header: seconds or an HTTP date, at most
// maxRetryAfter.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return min(time.Duration(min(n, int(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// redact drops a URL's query, which may carry one-off tokens.
func redact(target string) string {
	if i := strings.IndexByte(target, '?'); i >= 0 {
		return target[:i]
	}
	return target
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
