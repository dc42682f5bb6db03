package gateway

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/kafka"
)

// healthz says the process is up; it checks nothing else.
func (g *Gateway) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

type checkResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// readyz checks Kafka, its topics, the schema registry and the configured
// extra checks; 503 when any fails.
// allChecks is the readiness checks: Kafka with every topic, the schema
// registry, and the ones given with WithChecks.
func (g *Gateway) allChecks() []Check {
	return append([]Check{
		{"kafka", func(ctx context.Context) error {
			if err := kafka.Ping(ctx, g.env.Producer); err != nil {
				return err
			}
			missing, err := kafka.MissingTopics(ctx, g.env.Producer, g.env.TopicNames())
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				return fmt.Errorf("missing topics: %v", missing)
			}
			return nil
		}},
		{"schema_registry", func(ctx context.Context) error {
			_, err := g.env.Registry.Subjects(ctx)
			return err
		}},
	}, g.checks...)
}

func (g *Gateway) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 5*time.Second)
	defer cancel()
	checks := g.allChecks()
	results := make([]checkResult, len(checks))
	ready := true
	for i, ch := range checks {
		results[i] = checkResult{Name: ch.Name, OK: true}
		if err := ch.Func(ctx); err != nil {
			results[i].OK, results[i].Error = false, err.Error()
			ready = false
		}
	}
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	return c.Status(status).JSON(fiber.Map{"ready": ready, "checks": results})
}
