package gateway

// Backfill control for providers that push the history they are asked for
// (Garmin): GET /providers/{provider}/users/{user_id}/backfill/status, POST
// …/backfill/cancel and POST …/backfill/{type}/retry. The state lives in
// wearables.state.backfills and is changed only by the ingest worker that
// owns the user (ingest/jobs/backfill.go): cancel and retry queue jobs for
// it and answer 202, and the webhook receiver queues a delivered job when a
// push or ping brings data of a type the backfill waits for.

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/schemas"
)

// backfillTypeView is one data type of a backfill as the API shows it.
type backfillTypeView struct {
	Type        string  `json:"type"`
	Status      string  `json:"status"`
	Attempts    int32   `json:"attempts"`
	TriggeredAt *string `json:"triggered_at"`
	CompletedAt *string `json:"completed_at"`
	Error       *string `json:"error"`
}

// backfillView is a backfill as GET …/backfill/status shows it.
type backfillView struct {
	Provider      string             `json:"provider"`
	UserID        string             `json:"user_id"`
	RunID         string             `json:"run_id"`
	OverallStatus string             `json:"overall_status"`
	WindowStart   string             `json:"window_start"`
	WindowEnd     string             `json:"window_end"`
	StartedAt     string             `json:"started_at"`
	UpdatedAt     string             `json:"updated_at"`
	MaxAttempts   int                `json:"max_attempts"`
	Summary       map[string]int     `json:"summary"`
	Types         []backfillTypeView `json:"types"`
}

func viewBackfill(b schemas.Backfill) backfillView {
	v := backfillView{
		Provider: b.Provider, UserID: b.UserID, RunID: b.RunID, OverallStatus: b.Status,
		WindowStart: b.WindowStart.UTC().Format(time.RFC3339), WindowEnd: b.WindowEnd.UTC().Format(time.RFC3339),
		StartedAt: b.StartedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: b.UpdatedAt.UTC().Format(time.RFC3339Nano),
		MaxAttempts: jobs.BackfillAttempts, Summary: map[string]int{}, Types: []backfillTypeView{},
	}
	for _, t := range b.Types {
		tv := backfillTypeView{Type: t.Name, Status: t.Status, Attempts: t.Attempts, TriggeredAt: optStamp(t.TriggeredAt), CompletedAt: optStamp(t.DoneAt)}
		if t.Error != "" {
			tv.Error = &t.Error
		}
		v.Types = append(v.Types, tv)
		v.Summary[t.Status]++
	}
	return v
}

// backfillOf returns the path's user, provider, connection key and
// backfill, when the provider pushes its backfills.
func (g *Gateway) backfillOf(c *fiber.Ctx) (schemas.User, ingest.Provider, string, schemas.Backfill, bool, error) {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return u, ingest.Provider{}, "", schemas.Backfill{}, false, err
	}
	name := c.Params("provider")
	p, ok := ingest.Lookup(name)
	if !ok {
		return u, p, "", schemas.Backfill{}, false, notFound("provider " + name + " not found")
	}
	if !jobs.Pushed(p) {
		return u, p, "", schemas.Backfill{}, false, badRequest("no_backfill_state", "provider: "+name+" fetches its history itself; follow it at /api/v1/users/"+u.ID+"/sync/runs")
	}
	key := schemas.ConnectionKey(u.Tenant, u.ID, p.Name)
	b, ok := g.env.Tables.Backfills.Get(key)
	return u, p, key, b, ok, nil
}

// backfillStatus answers GET …/backfill/status.
func (g *Gateway) backfillStatus(c *fiber.Ctx) error {
	u, p, _, b, ok, err := g.backfillOf(c)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("user " + u.ID + " has no " + p.Name + " backfill")
	}
	return c.JSON(viewBackfill(b))
}

// backfillCancel answers POST …/backfill/cancel: 409 when nothing runs.
func (g *Gateway) backfillCancel(c *fiber.Ctx) error {
	u, p, _, b, ok, err := g.backfillOf(c)
	if err != nil {
		return err
	}
	if !ok || !b.Active() {
		return newError(http.StatusConflict, "not_running", "user "+u.ID+" has no "+p.Name+" backfill in progress")
	}
	if err := g.enqueue(c, schemas.IngestJob{Tenant: u.Tenant, UserID: u.ID, Provider: p.Name, Kind: jobs.JobBackfillCancel}); err != nil {
		return err
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{"status": "cancel_requested", "run_id": b.RunID})
}

// backfillRetry answers POST …/backfill/{type}/retry: the type is requested
// again (under a new run when the backfill had ended).
func (g *Gateway) backfillRetry(c *fiber.Ctx) error {
	u, p, _, b, ok, err := g.backfillOf(c)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("user " + u.ID + " has no " + p.Name + " backfill")
	}
	name := c.Params("type")
	if b.Type(name) < 0 {
		return notFound("type " + name + " is not part of the backfill")
	}
	run := b.RunID
	if !b.Active() {
		run = newRunID()
	}
	if err := g.enqueue(c, schemas.IngestJob{Tenant: u.Tenant, UserID: u.ID, Provider: p.Name, Kind: jobs.JobBackfillRetry, DataType: name, RunID: run, Reason: "manual"}); err != nil {
		return err
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{"status": "retry_queued", "type": name, "run_id": run})
}

// enqueue queues j for the ingest workers, or answers 503.
func (g *Gateway) enqueue(c *fiber.Ctx, j schemas.IngestJob) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), g.produceTimeout)
	defer cancel()
	if err := jobs.Enqueue(ctx, g.env, j); err != nil {
		g.env.Logger.Warn("ingest job not queued", "kind", j.Kind, "err", err)
		return unavailable("the event store is unavailable; nothing was queued, retry later")
	}
	return nil
}

// delivered queues, for the types of delivers that conn's backfill waits
// for, the jobs that mark them delivered.
func (g *Gateway) delivered(ctx context.Context, conn schemas.Connection, delivers []string) error {
	if len(delivers) == 0 {
		return nil
	}
	b, ok := g.env.Tables.Backfills.Get(schemas.ConnectionKey(conn.Tenant, conn.UserID, conn.Provider))
	if !ok || !b.Active() {
		return nil
	}
	for _, name := range delivers {
		i := b.Type(name)
		if i < 0 || (b.Types[i].Status != schemas.TypeTriggered && b.Types[i].Status != schemas.TypeTimedOut) {
			continue
		}
		j := schemas.IngestJob{Tenant: conn.Tenant, UserID: conn.UserID, Provider: conn.Provider, Kind: jobs.JobDelivered, DataType: name}
		if err := jobs.Enqueue(ctx, g.env, j); err != nil {
			return err
		}
	}
	return nil
}
