package devstack

// srfake answers every compatibility question with "compatible" and accepts
// any schema text. The interceptor below makes the embedded registry behave
// like a Confluent one for the requests that matter to wearstream:
// registering a version and checking compatibility. It always checks
// BACKWARD against the latest version (or, for a compatibility check, the
// versions asked about), whatever level a subject is set to. Only Avro
// schemas without references are accepted, since those are all wearstream
// uses and all that StoredSchema can carry. Requests under /contexts/ go to
// srfake unchecked. Registrations are serialised, so the check, the
// registration and the persisting of a version happen as one step; a version
// that cannot be persisted is removed again.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/wearstream/wearstream/schemas"
)

// DefaultRegistryAddr is where `wearstream dev` serves the schema registry.
const DefaultRegistryAddr = "127.0.0.1:8081"

// Confluent error codes the interceptor answers with.
const (
	codeIncompatible  = 409
	codeInvalidSchema = 42201
	codeStoreError    = 50001
)

// maxSchemaBody is the largest request body the registry reads, as srfake.
const maxSchemaBody = 1 << 20

// RegistryOptions configures StartRegistry.
type RegistryOptions struct {
	// Addr is the host:port to listen on; "" picks a free port on 127.0.0.1.
	Addr string
	// Persist, when set, is called for every newly registered schema version
	// before the registration is acknowledged; when it fails the version is
	// removed again and the client gets HTTP 500.
	Persist func(subject string, version, id int, schema string) error
	// Seed is replayed into the registry before it serves, so that ids and
	// versions survive restarts.
	Seed []StoredSchema
}

// Registry is a running srfake schema registry that enforces BACKWARD
// compatibility against the latest version of a subject.
type Registry struct {
	inner   http.Handler // srfake's own handler, for lookups
	routes  *http.ServeMux
	persist func(subject string, version, id int, schema string) error
	mu      sync.Mutex // serialises registrations

	srv   *http.Server
	url   string
	serve chan struct{}
}

// StartRegistry replays opts.Seed into a new srfake registry and serves it
// over HTTP on opts.Addr.
func StartRegistry(opts RegistryOptions) (*Registry, error) {
	fake := srfake.NewRegistry(srfake.WithGlobalCompat(sr.CompatBackward))
	if err := seed(fake, opts.Seed); err != nil {
		return nil, err
	}
	r := &Registry{
		inner:   fake.Handler(),
		routes:  http.NewServeMux(),
		persist: opts.Persist,
		serve:   make(chan struct{}),
	}
	r.routes.HandleFunc("POST /subjects/{subject}/versions", r.register)
	r.routes.HandleFunc("POST /compatibility/subjects/{subject}/versions", r.checkCompatibility)
	r.routes.HandleFunc("POST /compatibility/subjects/{subject}/versions/{version}", r.checkCompatibility)
	fake.Intercept(r.intercept)

	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for the schema registry on %s: %w", addr, err)
	}
	r.url = "http://" + ln.Addr().String()
	r.srv = &http.Server{Handler: fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(r.serve)
		_ = r.srv.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	return r, nil
}

// URL returns the registry's base URL, for sr.URLs.
func (r *Registry) URL() string { return r.url }

// Close stops serving and waits for the server to exit.
func (r *Registry) Close() {
	_ = r.srv.Close()
	<-r.serve
}

// intercept is the srfake interceptor that checks registrations and answers
// compatibility checks; it reports whether it wrote the response.
func (r *Registry) intercept(w http.ResponseWriter, req *http.Request) bool {
	if req.Method != http.MethodPost || req.Context().Value(internalRequest{}) != nil {
		return false
	}
	if _, pattern := r.routes.Handler(req); pattern == "" {
		return false
	}
	r.routes.ServeHTTP(w, req)
	return true
}

// internalRequest marks requests the registry makes to srfake itself, which
// the interceptor lets through.
type internalRequest struct{}

// register handles POST /subjects/{subject}/versions.
func (r *Registry) register(w http.ResponseWriter, req *http.Request) {
	subject := req.PathValue("subject")
	body, schema, ok := readSchema(w, req)
	if !ok {
		r.passOn(w, req) // srfake explains what is wrong with the body
		return
	}
	if !checkSchema(w, schema) {
		return
	}

	r.mu.Lock()
	defer r.mu.Unlock()

	switch found, status, raw := r.lookup(req.Context(), subject, body); status {
	case http.StatusOK: // already registered: no check, as Confluent does
		respondJSON(w, http.StatusOK, map[string]int{"id": found.ID})
		return
	case http.StatusNotFound:
	default:
		copyResponse(w, status, raw)
		return
	}
	latest, status, raw := r.fetch(req.Context(), pathVersion(subject, "latest"))
	switch {
	case status == http.StatusOK:
		if err := schemas.CheckBackward(latest.Schema.Schema, schema.Schema); err != nil {
			writeError(w, http.StatusConflict, codeIncompatible,
				fmt.Sprintf("Schema being registered is incompatible with an earlier schema: %v (subject %q, version %d)", err, subject, latest.Version))
			return
		}
	case status != http.StatusNotFound:
		copyResponse(w, status, raw)
		return
	}

	rec := r.call(req.Context(), http.MethodPost, "/subjects/"+url.PathEscape(subject)+"/versions", body)
	if rec.Code != http.StatusOK || r.persist == nil {
		copyResponse(w, rec.Code, rec.Body.Bytes())
		return
	}
	created, status, raw := r.lookup(req.Context(), subject, body)
	if status != http.StatusOK {
		writeError(w, http.StatusInternalServerError, codeStoreError,
			fmt.Sprintf("cannot find the registered schema: HTTP %d %s", status, bytes.TrimSpace(raw)))
		return
	}
	if err := r.persist(subject, created.Version, created.ID, created.Schema.Schema); err != nil {
		r.call(req.Context(), http.MethodDelete, pathVersion(subject, strconv.Itoa(created.Version))+"?permanent=true", nil)
		writeError(w, http.StatusInternalServerError, codeStoreError, fmt.Sprintf("cannot persist schema: %v", err))
		return
	}
	copyResponse(w, rec.Code, rec.Body.Bytes())
}

// checkCompatibility handles POST /compatibility/subjects/{subject}/versions
// (every version) and .../versions/{version} ("latest", -1 or a number).
func (r *Registry) checkCompatibility(w http.ResponseWriter, req *http.Request) {
	subject := req.PathValue("subject")
	_, schema, ok := readSchema(w, req)
	if !ok {
		r.passOn(w, req)
		return
	}
	if !checkSchema(w, schema) {
		return
	}

	var versions []string
	switch v := req.PathValue("version"); v {
	case "":
		var all []int
		rec := r.call(req.Context(), http.MethodGet, "/subjects/"+url.PathEscape(subject)+"/versions", nil)
		if rec.Code != http.StatusOK {
			copyResponse(w, rec.Code, rec.Body.Bytes())
			return
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &all); err != nil {
			writeError(w, http.StatusInternalServerError, codeStoreError, fmt.Sprintf("cannot decode versions of %q: %v", subject, err))
			return
		}
		for _, n := range all {
			versions = append(versions, strconv.Itoa(n))
		}
	case "-1":
		versions = []string{"latest"}
	default:
		versions = []string{v}
	}

	messages := []string{}
	for _, v := range versions {
		old, status, raw := r.fetch(req.Context(), pathVersion(subject, v))
		if status != http.StatusOK {
			copyResponse(w, status, raw)
			return
		}
		if err := schemas.CheckBackward(old.Schema.Schema, schema.Schema); err != nil {
			messages = append(messages, fmt.Sprintf("%v (version %d)", err, old.Version))
		}
	}
	respondJSON(w, http.StatusOK, map[string]any{"is_compatible": len(messages) == 0, "messages": messages})
}

// readSchema reads the request body as a schema, restoring the body for
// srfake; ok is false when srfake should answer instead.
func readSchema(w http.ResponseWriter, req *http.Request) (body []byte, schema sr.Schema, ok bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxSchemaBody))
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, sr.Schema{}, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&schema); err != nil {
		return nil, sr.Schema{}, false
	}
	return body, schema, true
}

// checkSchema answers 422 for a schema the registry does not take.
func checkSchema(w http.ResponseWriter, schema sr.Schema) bool {
	switch {
	case schema.Type != sr.TypeAvro:
		writeError(w, http.StatusUnprocessableEntity, codeInvalidSchema, fmt.Sprintf("Invalid schema: only AVRO schemas are supported, not %s", schema.Type))
	case len(schema.References) > 0:
		writeError(w, http.StatusUnprocessableEntity, codeInvalidSchema, "Invalid schema: schema references are not supported")
	default:
		if err := schemas.ValidateAvro(schema.Schema); err != nil {
			writeError(w, http.StatusUnprocessableEntity, codeInvalidSchema, "Invalid schema: "+err.Error())
			return false
		}
		return true
	}
	return false
}

// lookup finds the version of subject that holds the schema in body; it
// answers 404 when there is none, and on anything but 200 the status and
// body to pass on.
func (r *Registry) lookup(ctx context.Context, subject string, body []byte) (sr.SubjectSchema, int, []byte) {
	return r.decode(r.call(ctx, http.MethodPost, "/subjects/"+url.PathEscape(subject), body))
}

// fetch gets one subject version from srfake; on anything but 200 it returns
// the status and body to pass on.
func (r *Registry) fetch(ctx context.Context, path string) (sr.SubjectSchema, int, []byte) {
	return r.decode(r.call(ctx, http.MethodGet, path, nil))
}

// decode reads a subject version out of a 200 answer from srfake.
func (r *Registry) decode(rec *httptest.ResponseRecorder) (sr.SubjectSchema, int, []byte) {
	var s sr.SubjectSchema
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
			return s, http.StatusInternalServerError, errorBody(codeStoreError, fmt.Sprintf("cannot decode a schema from the registry: %v", err))
		}
	}
	return s, rec.Code, rec.Body.Bytes()
}

// passOn hands a request to srfake's own handler, past the interceptor.
func (r *Registry) passOn(w http.ResponseWriter, req *http.Request) {
	r.inner.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), internalRequest{}, true)))
}

// call makes a request to srfake's own handler, past the interceptor.
func (r *Registry) call(ctx context.Context, method, target string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(context.WithValue(ctx, internalRequest{}, true), method, target, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	rec := httptest.NewRecorder()
	r.inner.ServeHTTP(rec, req)
	return rec
}

func pathVersion(subject, version string) string {
	return "/subjects/" + url.PathEscape(subject) + "/versions/" + version
}

// seed replays stored schemas into fake. Versions go in per subject in
// order: srfake seeds a new id at any version, but a version that reuses
// another subject's id can only be registered, which assigns the next version.
func seed(fake *srfake.Registry, stored []StoredSchema) (err error) {
	ordered := append([]StoredSchema(nil), stored...)
	sort.Slice(ordered, func(i, j int) bool {
		if ordered[i].Subject != ordered[j].Subject {
			return ordered[i].Subject < ordered[j].Subject
		}
		return ordered[i].Version < ordered[j].Version
	})
	var cur StoredSchema
	defer func() {
		if p := recover(); p != nil { // SeedSchema panics on bad input
			err = fmt.Errorf("cannot seed schema %s/%d (id %d): %v", cur.Subject, cur.Version, cur.ID, p)
		}
	}()
	seen := map[int]bool{}
	for _, cur = range ordered {
		s := sr.Schema{Schema: cur.Schema, Type: sr.TypeAvro}
		if !seen[cur.ID] {
			fake.SeedSchema(cur.Subject, cur.Version, cur.ID, s)
			seen[cur.ID] = true
			continue
		}
		id, version, err := fake.RegisterSchema(cur.Subject, s)
		if err != nil {
			return fmt.Errorf("cannot seed schema %s/%d (id %d): %w", cur.Subject, cur.Version, cur.ID, err)
		}
		if id != cur.ID || version != cur.Version {
			return fmt.Errorf("cannot seed schema %s/%d (id %d): the registry gave it version %d, id %d", cur.Subject, cur.Version, cur.ID, version, id)
		}
	}
	return nil
}

func respondJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status, code int, message string) {
	respondJSON(w, status, map[string]any{"error_code": code, "message": message})
}

func errorBody(code int, message string) []byte {
	b, _ := json.Marshal(map[string]any{"error_code": code, "message": message})
	return b
}

func copyResponse(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
