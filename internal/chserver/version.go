package chserver

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"time"
)

// ClickHouse 18.16's clickhouse-server has no --version ("Unknown option
// specified: version"); 20.x and later print "ClickHouse server version
// 26.3.1.1 (official build)." A binary that names no version is taken for
// the old one.

var serverVersion = regexp.MustCompile(`version (\d+)\.(\d+)`)

// binaryVersion returns the major version binary reports, or 0 when it
// reports none (ClickHouse 18.x and 19.x).
func binaryVersion(ctx context.Context, binary string) int {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, binary, "--version").CombinedOutput()
	return parseMajor(string(out))
}

func parseMajor(out string) int {
	m := serverVersion.FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	major, _ := strconv.Atoi(m[1])
	return major
}

// needsLowCardinalityFlag reports whether a server of this major version
// (0: unknown, so old) needs allow_experimental_low_cardinality_type in its
// profile. LowCardinality became production-ready in 19.x, and the setting
// was removed later; current servers refuse to start with it.
func needsLowCardinalityFlag(major int) bool {
	return major < 20
}
