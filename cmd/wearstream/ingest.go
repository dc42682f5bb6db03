package main

import (
	"context"

	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/internal/app"
)

// ingestWorker runs one ingest worker (jobs, polls, backfills) until ctx ends.
func ingestWorker(ctx context.Context, env *app.Env, opts ...jobs.Option) error {
	opts = append([]jobs.Option{jobs.WithGroupOpts(groupMembership(env.Config)...)}, opts...)
	return jobs.NewWorker(env, opts...).Run(ctx)
}

func runIngest(ctx context.Context, _ []string) error {
	env, err := openEnv(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	serveMetrics(ctx, env)
	return ingestWorker(ctx, env)
}
