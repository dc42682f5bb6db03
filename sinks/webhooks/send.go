package webhooks

// One delivery attempt: sign the message for this attempt's timestamp,
// POST it, and report what happened for the attempt log and the retry
// schedule. Retries, backoff and disabling endpoints belong to the caller;
// Send makes exactly one request and never follows a redirect.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// UserAgent is the User-Agent of deliveries unless a Sender sets its own.
const UserAgent = "wearstream-webhooks/1"

// DefaultMaxResponseBytes is how much of a response body a Sender keeps.
const DefaultMaxResponseBytes = 4096

// DefaultTimeout bounds one delivery of a Sender without its own client.
const DefaultTimeout = 15 * time.Second

// drainBytes is how much more of a response body is read and discarded so
// that the connection can be reused; bigger bodies close the connection.
const drainBytes = 64 << 10

// Errors of a delivery attempt.
var (
	ErrStatus  = errors.New("endpoint answered a status other than 2xx") // the endpoint answered, but not with 2xx
	ErrTimeout = errors.New("endpoint did not answer in time")           // the client timeout or a deadline expired
)

// Sender delivers webhook messages over HTTP; it is safe for concurrent use.
type Sender struct {
	Client           *http.Client // nil means a guarded client from NewClient(false, DefaultTimeout)
	UserAgent        string       // "" means UserAgent
	MaxResponseBytes int          // response bytes kept; 0 means DefaultMaxResponseBytes
}

// Result is the outcome of one delivery attempt.
type Result struct {
	StatusCode   int           // the response status, 0 when there was no response
	Success      bool          // true only for a 2xx response
	Err          error         // why the attempt failed; nil on success
	Duration     time.Duration // from sending the request to reading the response
	ResponseBody string        // the start of the response body
	RetryAfter   time.Duration // the endpoint's Retry-After, 0 when absent
}

var defaultClient = sync.OnceValue(func() *http.Client { return NewClient(false, DefaultTimeout) })

// Send makes one delivery attempt of m to url, signed with every secret for
// the timestamp now.
func (s *Sender) Send(ctx context.Context, url string, secrets []string, m Message, now time.Time) Result {
	signature, err := SignAll(secrets, m.ID, now, m.Body)
	if err != nil {
		return Result{Err: fmt.Errorf("cannot sign message %s: %w", m.ID, err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(m.Body))
	if err != nil {
		return Result{Err: fmt.Errorf("cannot build request for message %s: %w", m.ID, err)}
	}
	timestamp := strconv.FormatInt(now.Unix(), 10)
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", s.userAgent())
	h.Set("webhook-id", m.ID)
	h.Set("webhook-timestamp", timestamp)
	h.Set("webhook-signature", signature)
	h.Set("svix-id", m.ID)
	h.Set("svix-timestamp", timestamp)
	h.Set("svix-signature", signature)

	client := s.Client
	if client == nil {
		client = defaultClient()
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		res := Result{Duration: time.Since(start)}
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			res.Err = fmt.Errorf("cannot deliver message %s: %w: %w", m.ID, ErrTimeout, err)
		} else {
			res.Err = fmt.Errorf("cannot deliver message %s: %w", m.ID, err)
		}
		return res
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, int64(s.maxResponseBytes())))
	if readErr == nil {
		_, _ = io.CopyN(io.Discard, resp.Body, drainBytes)
	}
	_ = resp.Body.Close()

	res := Result{
		StatusCode:   resp.StatusCode,
		Success:      resp.StatusCode >= 200 && resp.StatusCode < 300,
		Duration:     time.Since(start),
		ResponseBody: strings.ToValidUTF8(string(body), ""),
		RetryAfter:   parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
	if !res.Success {
		res.Err = fmt.Errorf("cannot deliver message %s: endpoint answered %q: %w", m.ID, resp.Status, ErrStatus)
	}
	return res
}

func (s *Sender) userAgent() string {
	if s.UserAgent != "" {
		return s.UserAgent
	}
	return UserAgent
}

func (s *Sender) maxResponseBytes() int {
	if s.MaxResponseBytes > 0 {
		return s.MaxResponseBytes
	}
	return DefaultMaxResponseBytes
}

// maxRetryAfter caps what an endpoint may ask for, so that a huge value
// cannot overflow a Duration.
const maxRetryAfter = 30 * 24 * time.Hour

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date
// (relative to now); 0 when absent, invalid or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}
