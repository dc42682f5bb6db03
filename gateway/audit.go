package gateway

// The audit log (internal/audit): every handler that changes a tenant's
// configuration records who, what and when once the change is stored, and
// GET /api/v1/audit (admins) pages through the audit_log table the sink
// fills, newest first, in the delivery log's {"data", "iterator", "done"}
// format.

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/audit"
)

// record writes the audit event of a change the request made. The change
// is already stored, so a failure is logged and counted, not answered.
func (g *Gateway) record(c *fiber.Ctx, action, targetType, targetID string, detail map[string]any) {
	p := who(c)
	actor := p.KeyID
	if p.SDK {
		actor = "sdk:" + p.AppID
	}
	ch := audit.Change{Tenant: p.Tenant, Actor: actor, Action: action, TargetType: targetType, TargetID: targetID, Detail: detail, ClientAddress: c.IP()}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), g.produceTimeout)
	defer cancel()
	if err := audit.Record(ctx, g.env, ch, g.now()); err != nil {
		g.guard.auditErrors.Add(1)
		g.env.Logger.Error("change not written to the audit log", "tenant", p.Tenant, "actor", actor, "action", action, "target_id", targetID, "err", err)
	}
}

type auditResponse struct {
	ID            string          `json:"id"`
	At            time.Time       `json:"at"`
	Actor         string          `json:"actor"`
	Action        string          `json:"action"`
	TargetType    string          `json:"target_type"`
	TargetID      string          `json:"target_id"`
	Detail        json.RawMessage `json:"detail"`
	ClientAddress string          `json:"client_address"`
}

// listAudit answers GET /audit?after=&before=&action=&actor=&target_id=&limit=&iterator=.
func (g *Gateway) listAudit(c *fiber.Ctx) error {
	if err := g.requireLog(); err != nil {
		return err
	}
	f, err := parseLogFilter(c)
	if err != nil {
		return err
	}
	where, args := []string{"tenant_id = ?"}, []any{who(c).Tenant}
	if !f.after.IsZero() {
		where, args = append(where, "at >= ?"), append(args, f.after)
	}
	if !f.before.IsZero() {
		where, args = append(where, "at < ?"), append(args, f.before)
	}
	for _, name := range []string{"action", "actor", "target_id"} {
		v := c.Query(name)
		if v == "" {
			continue
		}
		if len(v) > 128 {
			return badRequest("invalid_field", name+": at most 128 characters")
		}
		where, args = append(where, name+" = ?"), append(args, v)
	}
	if cur := f.cursor; cur != nil {
		at := time.Unix(cur.sec, 0).UTC()
		where = append(where, "(at < ? OR (at = ? AND (at_ms < ? OR (at_ms = ? AND id < ?))))")
		args = append(args, at, at, cur.ms, cur.ms, cur.id)
	}
	q := "SELECT id, at, at_ms, actor, action, target_type, target_id, detail, client_address FROM audit_log FINAL WHERE " +
		strings.Join(where, " AND ") + " ORDER BY at DESC, at_ms DESC, id DESC LIMIT " + strconv.Itoa(f.limit+1)
	rows, err := g.clickhouse.Query(c.UserContext(), q, args...)
	if err != nil {
		return g.logUnavailable(err)
	}
	defer rows.Close()
	out := page[auditResponse]{Data: []auditResponse{}}
	var last cursor
	for rows.Next() {
		var (
			a      auditResponse
			ms     uint16
			detail string
		)
		if err := rows.Scan(&a.ID, &a.At, &ms, &a.Actor, &a.Action, &a.TargetType, &a.TargetID, &detail, &a.ClientAddress); err != nil {
			return g.logUnavailable(err)
		}
		if len(out.Data) == f.limit {
			out.Iterator = ptr(last.encode())
			return c.JSON(out)
		}
		last = cursor{sec: a.At.Unix(), ms: ms, id: a.ID}
		a.At = a.At.Add(time.Duration(ms) * time.Millisecond).UTC()
		a.Detail = json.RawMessage("{}")
		if json.Valid([]byte(detail)) {
			a.Detail = json.RawMessage(detail)
		}
		out.Data = append(out.Data, a)
	}
	if err := rows.Err(); err != nil {
		return g.logUnavailable(err)
	}
	out.Done = true
	return c.JSON(out)
}
