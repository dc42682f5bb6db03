package gateway

// The gateway's metrics: requests by route template, method and status, with
// a latency histogram, and GET /metrics (no key, no tenant data: every label
// is a route template, a method or a status). Readiness is exported as a
// gauge by the readiness loop (health.go's checks, run in the background so
// that a scrape never waits on them).

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wearstream/wearstream/internal/metrics"
)

var (
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests answered, by route template, method and status.",
	}, []string{"route", "method", "status"})
	httpSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: metrics.Namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route template and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method"})
	readiness = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: metrics.Namespace, Name: "ready",
		Help: "1 when a readiness check passed at its last run, 0 when it failed, by check.",
	}, []string{"check"})
)

// Collectors are the gateway's metrics, for a metrics.Registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{httpRequests, httpSeconds, readiness}
}

// WithMetrics serves reg at GET /metrics and keeps the readiness gauge.
func WithMetrics(reg *metrics.Registry) Option {
	return func(g *Gateway) { g.metrics = reg }
}

// observe is the middleware that counts every request by its route
// template; a request that matched no route counts as "unmatched".
func observe(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		// Answer the error here, as the app would, so that the status
		// counted is the one sent.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := c.Route().Path
	if status == fiber.StatusNotFound && route == "/" {
		route = "unmatched"
	}
	// Fiber's strings point into buffers it reuses: labels keep copies.
	method := strings.Clone(c.Method())
	route = strings.Clone(route)
	httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	httpSeconds.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	return nil
}

// serveMetrics answers GET /metrics, or 404 without a registry.
func (g *Gateway) serveMetrics(c *fiber.Ctx) error {
	if g.metrics == nil {
		return fiber.ErrNotFound
	}
	return adaptor.HTTPHandler(g.metrics.Handler())(c)
}

// watchReadiness runs the readiness checks every interval until ctx ends
// and exports their results.
func (g *Gateway) watchReadiness(ctx context.Context, interval time.Duration) {
	for {
		for _, c := range g.allChecks() {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			v := 1.0
			if c.Func(cctx) != nil {
				v = 0
			}
			cancel()
			if ctx.Err() != nil {
				return
			}
			readiness.WithLabelValues(c.Name).Set(v)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
