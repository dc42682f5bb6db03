package gateway

// Erasing a user (DELETE /users/{id}) and deleting one provider's data of a
// user (DELETE /users/{id}/connections/{provider}/data).
//
// The commit point is the erasure record on the compacted erasure list
// (wearables.state.erasures): once Kafka acknowledged it and this gateway
// read it back, the answer is 202 and the erasure holds. Every reader of the
// pipeline honours the list from then on: the gateway and the MCP server
// answer 404, the processor emits nothing of the user (re-processing the raw
// topics included), the ClickHouse sink writes nothing of theirs and deletes
// their rows (ALTER TABLE … DELETE, sinks/clickhouse/erase.go), and the
// delivery consumer, recovers and resends send nothing of theirs but the
// user.deleted event. The steps after the commit point (deregistering at the
// providers, tombstones for connections, refresh tokens, invitation codes
// and sync runs, the user.deleted event, the user's own tombstone) are each
// idempotent: a request that fails half-way is answered 503 and a repeat of
// it finishes them.

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/schemas"
)

// eraseTimeout bounds an erasure's steps, provider deregistrations included.
const eraseTimeout = 60 * time.Second

// deleteUser answers DELETE /users/{user_id}: 202 once the erasure is on the
// list; a repeat for an erased user of the caller's tenant is 202 again and
// finishes what the first left undone.
func (g *Gateway) deleteUser(c *fiber.Ctx) error {
	id, p := c.Params("user_id"), who(c)
	er, ok := g.env.Tables.Erasures.Get(id)
	if !ok || er.Tenant != p.Tenant {
		u, err := g.userOf(c, "user_id")
		if err != nil {
			return err
		}
		er = schemas.Erasure{UserID: u.ID, Tenant: u.Tenant, Actor: p.KeyID, ErasedAt: g.now().UTC().Truncate(time.Millisecond)}
		if err := g.env.Tables.Erasures.Put(c.UserContext(), id, er); err != nil {
			return unavailable("cannot record the erasure; nothing was erased, retry later")
		}
		g.record(c, "user.erased", "user", id, map[string]any{})
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), eraseTimeout)
	defer cancel()
	if err := g.finishErasure(ctx, er); err != nil {
		g.env.Logger.Warn("erasure recorded but not finished", "user_id", id, "err", err)
		return unavailable("the erasure is recorded and holds; some of its steps failed: repeat the request to finish them")
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{"user_id": id, "status": "erased", "erased_at": er.ErasedAt})
}

// finishErasure runs the steps after the commit point.
func (g *Gateway) finishErasure(ctx context.Context, er schemas.Erasure) error {
	t := g.env.Tables
	if _, ok := t.Users.Get(er.UserID); !ok {
		return nil // the user's tombstone is the last step: all were done
	}
	prefix := schemas.ConnectionKey(er.Tenant, er.UserID, "")
	var conns []string
	t.Connections.Range(func(key string, _ schemas.Connection) bool {
		if strings.HasPrefix(key, prefix) {
			conns = append(conns, key)
		}
		return true
	})
	for _, key := range conns {
		if conn, ok := t.Connections.Get(key); ok {
			g.deregister(ctx, conn)
		}
		if err := t.Connections.Delete(ctx, key); err != nil {
			return err
		}
	}
	if err := deleteWhere(ctx, t.RefreshTokens.Range, t.RefreshTokens.Delete, func(r schemas.RefreshToken) bool { return r.UserID == er.UserID }); err != nil {
		return err
	}
	if err := deleteWhere(ctx, t.InvitationCodes.Range, t.InvitationCodes.Delete, func(r schemas.InvitationCode) bool { return r.UserID == er.UserID }); err != nil {
		return err
	}
	if err := deleteWhere(ctx, t.SyncRuns.Range, t.SyncRuns.Delete, func(r schemas.SyncRun) bool { return r.UserID == er.UserID }); err != nil {
		return err
	}
	err := jobs.Lifecycle(ctx, g.env, schemas.Lifecycle{
		ID:     schemas.NameID(er.Tenant, er.UserID, schemas.EventUserDeleted),
		Tenant: er.Tenant, UserID: er.UserID, Type: schemas.EventUserDeleted, OccurredAt: er.ErasedAt,
	})
	if err != nil {
		return err
	}
	return t.Users.Delete(ctx, er.UserID)
}

// deregister ends an active connection at its provider when the provider
// offers that; best effort, as a disconnect does.
func (g *Gateway) deregister(ctx context.Context, conn schemas.Connection) {
	p, ok := ingest.Lookup(conn.Provider)
	if !ok || conn.Status != schemas.ConnectionActive || p.OAuth == nil || p.OAuth.Deregister == nil {
		return
	}
	s, err := jobs.Session(ctx, g.env, providerHTTP, nil, p, conn)
	if err == nil {
		err = p.OAuth.Deregister(ctx, s)
	}
	if err != nil {
		g.env.Logger.Warn("provider deregistration failed; the connection is deleted anyway", "provider", p.Name, "user_id", conn.UserID, "err", err)
	}
}

// deleteWhere tombstones every row of a table that match keeps.
func deleteWhere[T any](ctx context.Context, each func(func(string, T) bool), del func(context.Context, string) error, match func(T) bool) error {
	var keys []string
	each(func(key string, v T) bool {
		if match(v) {
			keys = append(keys, key)
		}
		return true
	})
	for _, key := range keys {
		if err := del(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// deleteProviderData answers DELETE /users/{user_id}/connections/{provider}/data:
// the connection is deregistered and revoked (when there is one), and the
// provider's data of the user received until now goes the way of an
// erasure: off every read path, out of ClickHouse, never re-processed or
// re-sent. The user stays, and may connect the provider again.
func (g *Gateway) deleteProviderData(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	name := c.Params("provider")
	if _, ok := ingest.Lookup(name); !ok {
		return notFound("provider " + name + " not found")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), eraseTimeout)
	defer cancel()
	key := schemas.ConnectionKey(u.Tenant, u.ID, name)
	if conn, ok := g.env.Tables.Connections.Get(key); ok && conn.Status == schemas.ConnectionActive {
		g.deregister(ctx, conn)
		if _, err := jobs.Revoke(ctx, g.env, key, jobs.ReasonUserDisconnected, g.now()); err != nil {
			return unavailable("the event store is unavailable; nothing was deleted, retry later")
		}
	}
	er := schemas.Erasure{UserID: u.ID, Tenant: u.Tenant, Provider: name, Actor: who(c).KeyID, ErasedAt: g.now().UTC().Truncate(time.Millisecond)}
	if err := g.env.Tables.Erasures.Put(ctx, schemas.ErasureKey(u.ID, name), er); err != nil {
		return unavailable("cannot record the deletion; retry later")
	}
	g.record(c, "user.erased", "user", u.ID, map[string]any{"provider": name})
	return c.Status(http.StatusAccepted).JSON(fiber.Map{"user_id": u.ID, "provider": name, "status": "deleted", "erased_at": er.ErasedAt})
}
