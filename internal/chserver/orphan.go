package chserver

// A server whose parent was killed (kill -9 of `wearstream dev`) is told to
// stop by the kernel (Pdeathsig) but may take seconds to do so, and until
// it exits it holds the lock on its data directory: a new server on the same
// directory fails with "Cannot lock file .../status". Start therefore
// records the server's pid in the directory and, on the next start, stops
// the previous server if it still runs and waits for it to exit.

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// pidFile is the name of the file, in the data directory, holding the pid
// of the server started there.
const pidFile = "clickhouse.pid"

// writePID records pid as the server of dir.
func writePID(dir string, pid int) error {
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("cannot write clickhouse pid file: %w", err)
	}
	return nil
}

// removePID forgets the server of dir.
func removePID(dir string) { _ = os.Remove(filepath.Join(dir, pidFile)) }

// stopOrphan stops the server recorded in dir's pid file if it still runs
// on dir's config: SIGTERM to its process group, then SIGKILL after the stop
// timeout, and waits until it is gone.
func stopOrphan(dir string, logger *slog.Logger) error {
	b, err := os.ReadFile(filepath.Join(dir, pidFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read clickhouse pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		removePID(dir)
		return nil
	}
	config := filepath.Join(dir, "clickhouse.xml")
	if !runsWith(pid, config) {
		removePID(dir)
		return nil
	}
	logger.Warn("a previous clickhouse server still runs on this directory, stopping it", "pid", pid, "dir", dir)
	began := time.Now()
	if err := signalGroup(pid, false); err != nil {
		return fmt.Errorf("cannot stop previous clickhouse pid %d: %w", pid, err)
	}
	for killed := false; runsWith(pid, config); time.Sleep(50 * time.Millisecond) {
		if !killed && time.Since(began) > stopTimeout {
			logger.Warn("previous clickhouse did not stop in time, killing it", "pid", pid)
			if err := signalGroup(pid, true); err != nil {
				return fmt.Errorf("cannot kill previous clickhouse pid %d: %w", pid, err)
			}
			killed = true
		}
		if time.Since(began) > 2*stopTimeout {
			return fmt.Errorf("previous clickhouse pid %d still runs on %s", pid, dir)
		}
	}
	removePID(dir)
	logger.Info("previous clickhouse stopped", "pid", pid, "took", time.Since(began).Round(time.Millisecond))
	return nil
}
