// Package devstack runs the embedded Kafka broker and schema registry that
// `wearstream dev` and the tests use: franz-go's kfake, optionally persisted
// to a data directory, and srfake behind a check that refuses schema changes
// which are not BACKWARD compatible, with its schemas kept in a compacted
// topic so that ids survive restarts. Both are test fakes, not durable
// production services.
package devstack
