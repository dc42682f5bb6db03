package webhooks

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// startDNS runs a DNS server on loopback UDP that answers every A question
// with 127.0.0.1, like a public name pointed at the deployment's loopback,
// and returns a resolver that asks it.
func startDNS(t *testing.T) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := answerLoopback(buf[:n]); resp != nil {
				_, _ = pc.WriteTo(resp, from)
			}
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

// answerLoopback builds the response to one DNS query: 127.0.0.1 for an A
// question, no answer for any other type.
func answerLoopback(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 {
		return nil
	}
	end := 12
	for end < len(q) && q[end] != 0 {
		end += int(q[end]) + 1
	}
	end += 5 // the zero label, QTYPE, QCLASS
	if end > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[end-4 : end-2])
	resp := make([]byte, 0, end+16)
	resp = append(resp, q[0], q[1], 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0)
	resp = append(resp, q[12:end]...)
	if qtype == 1 {
		resp[7] = 1 // one answer
		resp = append(resp, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1)
	}
	return resp
}

func TestGuardRefusesNameResolvingToLoopback(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	resolver := startDNS(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	url := "http://hooks.customer-app.example:" + port + "/webhooks"

	// The name looks public, so registration accepts it ...
	if err := ValidateURL(url, false); err != nil {
		t.Fatalf("ValidateURL(%s) = %v, want nil", url, err)
	}
	// ... and the delivery is refused once the name resolved to 127.0.0.1.
	secret, _ := NewSecret()
	m := testMessage(t)
	guarded := &Sender{Client: NewClient(false, 5*time.Second, WithResolver(resolver))}
	res := guarded.Send(context.Background(), url, []string{secret}, m, time.Now())
	if res.Success || !errors.Is(res.Err, ErrForbiddenAddress) {
		t.Fatalf("guarded Send = %+v, want ErrForbiddenAddress", res)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("server got %d requests through the guarded client", n)
	}

	// The same name with private addresses allowed reaches the server, so
	// the refusal above came from the resolved address.
	open := &Sender{Client: NewClient(true, 5*time.Second, WithResolver(resolver))}
	if res := open.Send(context.Background(), url, []string{secret}, m, time.Now()); !res.Success {
		t.Fatalf("Send with private addresses allowed = %+v", res)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("server got %d requests, want 1", n)
	}
}
