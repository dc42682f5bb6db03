package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// api is a client of a running wearstream's HTTP API.
type api struct {
	base string
	key  string
	http *http.Client
}

func newAPI(base, key string, conns int) *api {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns
	tr.MaxIdleConnsPerHost = conns
	return &api{base: strings.TrimRight(base, "/"), key: key, http: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// unreachable says that nothing answers at the API address.
func (a *api) unreachable(err error) error {
	return fmt.Errorf("cannot reach %s: is `make dev` running? (%v)", a.base, err)
}

// ready checks that the stack answers GET /readyz with 200.
func (a *api) ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/readyz", nil)
	if err != nil {
		return fmt.Errorf("invalid -url %q: %w", a.base, err)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return a.unreachable(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s/readyz answered %d: the stack is not ready: %s", a.base, resp.StatusCode, bytes.TrimSpace(body))
	}
	return nil
}

// createUser creates a user and returns its id.
func (a *api) createUser(ctx context.Context) (string, error) {
	status, body, err := a.post(ctx, "/api/v1/users", []byte(`{}`))
	if err != nil {
		return "", a.unreachable(err)
	}
	switch status {
	case http.StatusCreated:
	case http.StatusUnauthorized, http.StatusForbidden:
		return "", fmt.Errorf("the API key was refused (%d): pass the key `wearstream dev` printed with -key or WEARSTREAM_BOOTSTRAP_API_KEY", status)
	default:
		return "", fmt.Errorf("cannot create a user: %d %s", status, bytes.TrimSpace(body))
	}
	var u struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &u); err != nil || u.ID == "" {
		return "", fmt.Errorf("cannot read the created user from %q: %v", body, err)
	}
	return u.ID, nil
}

// sync posts one SDK upload and returns the response status and body.
func (a *api) sync(ctx context.Context, u upload) (int, []byte, error) {
	return a.post(ctx, "/api/v1/sdk/users/"+u.user+"/sync", u.body)
}

func (a *api) post(ctx context.Context, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-API-Key", a.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wearstream-loadgen")
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, err
	}
	return resp.StatusCode, out, nil
}
