package webhooks

// Endpoint URLs come from tenants, so a delivery must not become a way to
// reach the deployment's own network (server-side request forgery). Two
// checks: ValidateURL refuses bad URLs when an endpoint is registered, and
// the client from NewClient checks every address it actually connects to,
// after DNS resolution, so that a name which resolves (or later re-resolves)
// to a private address is refused too. Redirects are never followed: a 3xx
// is a failed delivery, as the Standard Webhooks specification says, and a
// redirect could point anywhere.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Errors of URL validation and guarded dialing.
var (
	ErrInvalidURL       = errors.New("invalid endpoint url")       // not an absolute http(s) URL with a plain host
	ErrForbiddenAddress = errors.New("forbidden endpoint address") // loopback, private, link-local or another internal address
)

// forbiddenPrefixes are the networks an endpoint may not reach unless
// private addresses are allowed, beyond what netip.Addr's own predicates
// (loopback, private, link-local, multicast, unspecified) already cover.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),      // carrier-grade NAT
	netip.MustParsePrefix("169.254.169.254/32"), // cloud metadata (also link-local)
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved, and broadcast
	netip.MustParsePrefix("::/96"),              // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b::/96"),       // NAT64, may reach internal IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),     // local-use NAT64
	netip.MustParsePrefix("2002::/16"),          // 6to4, may embed internal IPv4
	netip.MustParsePrefix("fc00::/7"),           // unique local
	netip.MustParsePrefix("fec0::/10"),          // site-local (deprecated)
}

// IsForbiddenAddress reports whether ip is an address webhooks must not be
// sent to unless private addresses are allowed.
func IsForbiddenAddress(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() {
		return true
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ValidateURL checks an endpoint URL: absolute http or https, a host, no
// user info, and, unless allowPrivate, no literal or well-known name of a
// loopback, private, link-local or otherwise internal address.
func ValidateURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("cannot parse endpoint url: %w: %w", ErrInvalidURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("cannot use endpoint url scheme %q, want http or https: %w", u.Scheme, ErrInvalidURL)
	}
	if u.Opaque != "" {
		return fmt.Errorf("cannot use an opaque endpoint url: %w", ErrInvalidURL)
	}
	if u.User != nil {
		return fmt.Errorf("cannot use an endpoint url with user info: %w", ErrInvalidURL)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("cannot use an endpoint url without a host: %w", ErrInvalidURL)
	}
	if allowPrivate {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if IsForbiddenAddress(ip) {
			return fmt.Errorf("cannot send webhooks to %s: %w", ip, ErrForbiddenAddress)
		}
		return nil
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return fmt.Errorf("cannot send webhooks to %s: %w", host, ErrForbiddenAddress)
	}
	if looksNumeric(name) {
		// Forms such as 127.1 or 2130706433 are not IP literals to Go but
		// some resolvers read them as IPv4 addresses; no DNS name ends in
		// an all-numeric label.
		return fmt.Errorf("cannot use numeric host %q that is not an IP address: %w", host, ErrInvalidURL)
	}
	return nil
}

// looksNumeric reports whether the last label of a host name is a decimal,
// octal or hexadecimal number, as in the legacy inet_aton forms of IPv4.
func looksNumeric(name string) bool {
	label := name[strings.LastIndexByte(name, '.')+1:]
	if label == "" {
		return false
	}
	digits := label
	if strings.HasPrefix(label, "0x") {
		digits = label[2:]
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		isHex := c >= 'a' && c <= 'f'
		if !(c >= '0' && c <= '9') && !(isHex && digits != label) {
			return false
		}
	}
	return true
}

// ClientOption configures NewClient.
type ClientOption func(*net.Dialer)

// WithResolver makes the client resolve names with r instead of the
// system's resolver (a deployment's own DNS, or a test's).
func WithResolver(r *net.Resolver) ClientOption {
	return func(d *net.Dialer) { d.Resolver = r }
}

// NewClient returns the HTTP client for webhook deliveries: it refuses to
// connect to forbidden addresses after DNS resolution unless allowPrivate,
// never follows redirects, ignores proxy settings from the environment and
// gives up on a delivery after timeout (no limit when timeout is zero).
func NewClient(allowPrivate bool, timeout time.Duration, opts ...ClientOption) *http.Client {
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
	}
	for _, o := range opts {
		o(dialer)
	}
	if !allowPrivate {
		dialer.Control = guardDial
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           512,
		MaxIdleConnsPerHost:    16,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// guardDial is a net.Dialer Control function: it runs after resolution,
// just before connect, with the address actually being dialed.
func guardDial(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("cannot parse dial address %q: %w: %w", address, ErrForbiddenAddress, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("cannot parse dial address %q: %w: %w", address, ErrForbiddenAddress, err)
	}
	if IsForbiddenAddress(ip) {
		return fmt.Errorf("cannot dial %s over %s: %w", address, network, ErrForbiddenAddress)
	}
	return nil
}
