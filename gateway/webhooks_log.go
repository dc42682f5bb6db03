package gateway

// The delivery log API reads the ClickHouse deliveries table (filled from
// the deliveries topic by the sink) and pages through it the way Open
// Wearables and Svix do: {"data": [...], "iterator": "...", "done": bool},
// newest first; pass iterator back to get the next page.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/sinks/webhooks"
)

// WithClickHouse gives the gateway the ClickHouse connection that the
// delivery log API (attempts, messages, resend) reads.
func WithClickHouse(conn driver.Conn) Option {
	return func(g *Gateway) { g.clickhouse = conn }
}

const (
	defaultLogLimit = 50
	maxLogLimit     = 250
	// maxFilterTypes bounds the event types one query may name.
	maxFilterTypes = 100
)

type attemptResponse struct {
	ID            string     `json:"id"`
	MessageID     string     `json:"message_id"`
	EndpointID    string     `json:"endpoint_id"`
	EventType     string     `json:"event_type"`
	UserID        *string    `json:"user_id"`
	Attempt       uint16     `json:"attempt"`
	Trigger       string     `json:"trigger_type"`
	Status        string     `json:"status"`
	StatusCode    uint16     `json:"response_status_code"`
	Error         string     `json:"error,omitempty"`
	DurationMS    uint32     `json:"response_duration_ms"`
	Response      string     `json:"response"`
	Timestamp     time.Time  `json:"timestamp"`
	NextAttemptAt *time.Time `json:"next_attempt,omitempty"`
}

type messageResponse struct {
	ID        string          `json:"id"`
	EventType string          `json:"event_type"`
	UserID    *string         `json:"user_id"`
	Timestamp time.Time       `json:"timestamp"`
	Attempts  uint64          `json:"attempts"`
	Delivered bool            `json:"delivered"`
	Endpoints []string        `json:"endpoint_ids"`
	Payload   json.RawMessage `json:"payload"`
}

type page[T any] struct {
	Data     []T     `json:"data"`
	Iterator *string `json:"iterator"`
	Done     bool    `json:"done"`
}

// logFilter is the query of a delivery-log page.
type logFilter struct {
	limit      int
	eventTypes []string
	status     string // "", "success" or "failed"
	after      time.Time
	before     time.Time
	cursor     *cursor
}

// cursor is the position after the last row of a page.
type cursor struct {
	sec int64
	ms  uint16
	id  string
}

func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.sec, 10) + "." + strconv.Itoa(int(c.ms)) + "." + c.id))
}

// The range of ClickHouse's DateTime, which every time bound and iterator
// must fit: a value outside it would wrap around in the query.
var (
	minLogTime = time.Unix(0, 0).UTC()
	maxLogTime = time.Unix(1<<32-1, 0).UTC() // 2106-02-07T06:28:15Z
)

// maxCursorID bounds the id in an iterator (UUIDs and msg_ ids are shorter).
const maxCursorID = 64

// decodeCursor checks an iterator completely: its time within DateTime's
// range, its milliseconds below 1000, its id of id characters only. Nothing
// of a bad iterator reaches the database.
func decodeCursor(s string) (*cursor, error) {
	bad := badRequest("invalid_field", "iterator: not an iterator from a previous page")
	if len(s) > 128 {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	parts := strings.SplitN(string(raw), ".", 3)
	if len(parts) != 3 {
		return nil, bad
	}
	sec, err1 := strconv.ParseInt(parts[0], 10, 64)
	ms, err2 := strconv.ParseUint(parts[1], 10, 16)
	if err1 != nil || err2 != nil || sec < minLogTime.Unix() || sec > maxLogTime.Unix() || ms > 999 || !validCursorID(parts[2]) {
		return nil, bad
	}
	return &cursor{sec: sec, ms: uint16(ms), id: parts[2]}, nil
}

func validCursorID(id string) bool {
	if id == "" || len(id) > maxCursorID {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// parseTimeBound reads an RFC 3339 bound. A bound past what the log can
// hold is no bound (before=9999-12-31T23:59:59Z means "until now"); one that
// leaves nothing to find is refused by name.
func parseTimeBound(name, s string, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, badRequest("invalid_field", name+": must be an RFC 3339 time such as 2026-01-14T00:00:00Z")
	}
	v = v.UTC()
	switch {
	case upper && v.After(maxLogTime), !upper && !v.After(minLogTime):
		return time.Time{}, nil
	case upper && !v.After(minLogTime):
		return time.Time{}, badRequest("invalid_field", name+": must be after 1970-01-01T00:00:00Z")
	case !upper && v.After(maxLogTime):
		return time.Time{}, badRequest("invalid_field", name+": must be before 2106-02-07T06:28:15Z")
	}
	return v, nil
}

func parseLogFilter(c *fiber.Ctx) (logFilter, error) {
	f := logFilter{limit: defaultLogLimit}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLogLimit {
			return f, badRequest("invalid_field", "limit: must be a whole number from 1 to 250")
		}
		f.limit = n
	}
	for _, key := range []string{"event_types", "event_types[]", "event_type"} {
		for _, v := range c.Context().QueryArgs().PeekMulti(key) {
			for _, t := range strings.Split(string(v), ",") {
				if t = strings.TrimSpace(t); t != "" {
					f.eventTypes = append(f.eventTypes, t)
				}
			}
		}
	}
	if len(f.eventTypes) > maxFilterTypes {
		return f, badRequest("invalid_field", "event_types: at most "+itoa(maxFilterTypes)+" types")
	}
	for _, t := range f.eventTypes {
		if len(t) > 128 {
			return f, badRequest("invalid_field", "event_types: a type name is at most 128 characters")
		}
	}
	switch s := c.Query("status"); s {
	case "":
	case "0", "success":
		f.status = "success"
	case "2", "failed", "fail":
		f.status = "failed"
	default:
		return f, badRequest("invalid_field", "status: must be success (0) or failed (2)")
	}
	var err error
	if f.after, err = parseTimeBound("after", c.Query("after"), false); err != nil {
		return f, err
	}
	if f.before, err = parseTimeBound("before", c.Query("before"), true); err != nil {
		return f, err
	}
	if !f.after.IsZero() && !f.before.IsZero() && !f.after.Before(f.before) {
		return f, badRequest("invalid_field", "before: must be later than after")
	}
	if s := c.Query("iterator"); s != "" {
		cur, err := decodeCursor(s)
		if err != nil {
			return f, err
		}
		f.cursor = cur
	}
	return f, nil
}

// conditions returns the WHERE clauses and arguments shared by both lists.
func (f logFilter) conditions(timeCol string) ([]string, []any) {
	var where []string
	var args []any
	if len(f.eventTypes) > 0 {
		where = append(where, "has(?, event_type)")
		args = append(args, f.eventTypes)
	}
	if !f.after.IsZero() {
		where = append(where, timeCol+" >= ?")
		args = append(args, f.after)
	}
	if !f.before.IsZero() {
		where = append(where, timeCol+" < ?")
		args = append(args, f.before)
	}
	return where, args
}

// logUnavailable logs a failed delivery-log query and answers 503 without
// the database's message.
func (g *Gateway) logUnavailable(err error) error {
	g.env.Logger.Warn("delivery log query failed", "err", err)
	return unavailable("the delivery log cannot be read right now; retry later")
}

func (g *Gateway) requireLog() error {
	if g.clickhouse == nil {
		return newError(http.StatusServiceUnavailable, "unavailable", "the delivery log is not configured (CLICKHOUSE_ADDR)")
	}
	return nil
}

// listAttempts pages through an endpoint's delivery attempts.
func (g *Gateway) listAttempts(c *fiber.Ctx) error {
	ep, err := g.endpointOf(c)
	if err != nil {
		return err
	}
	if err := g.requireLog(); err != nil {
		return err
	}
	f, err := parseLogFilter(c)
	if err != nil {
		return err
	}
	where, args := f.conditions("attempted_at")
	where = append([]string{"tenant_id = ?", "endpoint_id = ?"}, where...)
	args = append([]any{ep.Tenant, ep.ID}, args...)
	switch f.status {
	case "success":
		where = append(where, "success = 1")
	case "failed":
		where = append(where, "success = 0")
	}
	if cur := f.cursor; cur != nil {
		at := time.Unix(cur.sec, 0).UTC()
		where = append(where, "(attempted_at < ? OR (attempted_at = ? AND (attempted_ms < ? OR (attempted_ms = ? AND id < ?))))")
		args = append(args, at, at, cur.ms, cur.ms, cur.id)
	}
	q := "SELECT id, message_id, endpoint_id, event_type, user_id, attempt, trigger, status_code, success, error, duration_ms, response_body, attempted_at, attempted_ms, next_attempt_at" +
		" FROM deliveries FINAL WHERE " + strings.Join(where, " AND ") +
		" ORDER BY attempted_at DESC, attempted_ms DESC, id DESC LIMIT " + strconv.Itoa(f.limit+1)
	rows, err := g.clickhouse.Query(c.UserContext(), q, args...)
	if err != nil {
		return g.logUnavailable(err)
	}
	defer rows.Close()
	out := page[attemptResponse]{Data: []attemptResponse{}}
	var last cursor
	for rows.Next() {
		var (
			a       attemptResponse
			userID  string
			success uint8
			ms      uint16
			next    time.Time
		)
		if err := rows.Scan(&a.ID, &a.MessageID, &a.EndpointID, &a.EventType, &userID, &a.Attempt, &a.Trigger, &a.StatusCode,
			&success, &a.Error, &a.DurationMS, &a.Response, &a.Timestamp, &ms, &next); err != nil {
			return g.logUnavailable(err)
		}
		if len(out.Data) == f.limit {
			out.Iterator = ptr(last.encode())
			return c.JSON(out)
		}
		last = cursor{sec: a.Timestamp.Unix(), ms: ms, id: a.ID}
		a.Timestamp = a.Timestamp.Add(time.Duration(ms) * time.Millisecond).UTC()
		a.Status = "failed"
		if success == 1 {
			a.Status = "success"
		}
		if userID != "" {
			a.UserID = &userID
		}
		if next.Unix() > 0 {
			n := next.UTC()
			a.NextAttemptAt = &n
		}
		out.Data = append(out.Data, a)
	}
	if err := rows.Err(); err != nil {
		return g.logUnavailable(err)
	}
	out.Done = true
	return c.JSON(out)
}

// listMessages pages through the tenant's messages, each with its delivery
// summary and payload.
func (g *Gateway) listMessages(c *fiber.Ctx) error {
	if err := g.requireLog(); err != nil {
		return err
	}
	f, err := parseLogFilter(c)
	if err != nil {
		return err
	}
	where, args := f.conditions("attempted_at")
	where = append([]string{"tenant_id = ?", "trigger != 'system'"}, where...)
	args = append([]any{who(c).Tenant}, args...)
	var having []string
	switch f.status {
	case "success":
		having = append(having, "delivered > 0")
	case "failed":
		having = append(having, "delivered = 0")
	}
	if cur := f.cursor; cur != nil {
		at := time.Unix(cur.sec, 0).UTC()
		having = append(having, "(first_at < ? OR (first_at = ? AND message_id < ?))")
		args = append(args, at, at, cur.id)
	}
	q := "SELECT message_id, any(event_type), any(user_id), min(attempted_at) AS first_at, count(), sum(success) AS delivered," +
		" groupUniqArray(endpoint_id), anyIf(payload, payload != '')" +
		" FROM deliveries FINAL WHERE " + strings.Join(where, " AND ") + " GROUP BY message_id"
	if len(having) > 0 {
		q += " HAVING " + strings.Join(having, " AND ")
	}
	q += " ORDER BY first_at DESC, message_id DESC LIMIT " + strconv.Itoa(f.limit+1)
	rows, err := g.clickhouse.Query(c.UserContext(), q, args...)
	if err != nil {
		return g.logUnavailable(err)
	}
	defer rows.Close()
	out := page[messageResponse]{Data: []messageResponse{}}
	var last cursor
	for rows.Next() {
		var (
			m         messageResponse
			userID    string
			delivered uint64
			payload   string
		)
		if err := rows.Scan(&m.ID, &m.EventType, &userID, &m.Timestamp, &m.Attempts, &delivered, &m.Endpoints, &payload); err != nil {
			return g.logUnavailable(err)
		}
		if len(out.Data) == f.limit {
			out.Iterator = ptr(last.encode())
			return c.JSON(out)
		}
		last = cursor{sec: m.Timestamp.Unix(), id: m.ID}
		m.Timestamp = m.Timestamp.UTC()
		m.Delivered = delivered > 0
		if userID != "" {
			m.UserID = &userID
		}
		m.Payload = json.RawMessage("null")
		if json.Valid([]byte(payload)) {
			m.Payload = json.RawMessage(payload)
		}
		out.Data = append(out.Data, m)
	}
	if err := rows.Err(); err != nil {
		return g.logUnavailable(err)
	}
	out.Done = true
	return c.JSON(out)
}

// loggedMessage returns a message of the tenant from the delivery log, with
// the endpoints it was sent to.
func (g *Gateway) loggedMessage(ctx context.Context, tenant, id string) (webhooks.Message, []string, error) {
	var (
		m         = webhooks.Message{ID: id, Tenant: tenant}
		payload   string
		endpoints []string
		n         uint64
	)
	q := "SELECT any(event_type), any(user_id), anyIf(payload, payload != ''), groupUniqArray(endpoint_id), count()" +
		" FROM deliveries WHERE tenant_id = ? AND message_id = ? AND trigger != 'system'"
	if err := g.clickhouse.QueryRow(ctx, q, tenant, id).Scan(&m.Type, &m.UserID, &payload, &endpoints, &n); err != nil {
		return m, nil, g.logUnavailable(err)
	}
	if n == 0 {
		return m, nil, notFound("message " + id + " not found")
	}
	if payload == "" {
		return m, nil, newError(http.StatusConflict, "no_payload", "message "+id+" has no stored payload to resend")
	}
	m.Body = []byte(payload)
	return m, endpoints, nil
}

func ptr[T any](v T) *T { return &v }

// getMessage answers one logged message: its type, user, payload (the
// request body every attempt sent, with the message id as webhook-id) and
// the endpoints it went to.
func (g *Gateway) getMessage(c *fiber.Ctx) error {
	if err := g.requireLog(); err != nil {
		return err
	}
	id := c.Params("id")
	if !validCursorID(id) {
		return badRequest("invalid_field", "id: not a message id")
	}
	m, endpoints, err := g.loggedMessage(c.UserContext(), who(c).Tenant, id)
	if err != nil {
		return err
	}
	var user *string
	if m.UserID != "" {
		user = &m.UserID
	}
	return c.JSON(fiber.Map{"id": m.ID, "event_type": m.Type, "user_id": user, "payload": json.RawMessage(m.Body), "endpoint_ids": endpoints})
}
