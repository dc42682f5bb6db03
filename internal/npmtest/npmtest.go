// Package npmtest installs the npm packages a test drives through node, from
// a package.json and package-lock.json committed next to the test, so every
// machine runs the exact versions of the lock file.
package npmtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Install returns the path of node after making sure dir's node_modules
// matches its lock file: npm installs it when node_modules is missing or older
// than package-lock.json. Test binaries that share dir install one at a time.
// Without node or npm the test is skipped, unless CI=true, where that fails it.
func Install(tb testing.TB, dir string) string {
	tb.Helper()
	node, errNode := exec.LookPath("node")
	npm, errNPM := exec.LookPath("npm")
	if errNode != nil || errNPM != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("node and npm are required in CI (make deps installs them)")
		}
		tb.Skip("node or npm is not installed (make deps installs them)")
	}
	if err := install(npm, dir); err != nil {
		tb.Fatal(err)
	}
	return node
}

func install(npm, dir string) error {
	lock, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("cannot open the npm install lock in %s: %w", dir, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("cannot lock %s for npm install: %w", dir, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // released on close anyway
	if current(dir) {
		return nil
	}
	// `npm install --no-save` installs the lock file's versions and
	// leaves the lock as it is. Not `npm ci`: chdb 3.4.0 names optional
	// packages for other platforms that its publisher never put on the
	// registry, so no lock file can list them and `npm ci` refuses any.
	cmd := exec.Command(npm, "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot run npm install in %s: %w\n%s", dir, err, out)
	}
	return nil
}

// current reports whether npm's record of the installed tree is newer than
// the lock file.
func current(dir string) bool {
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err != nil {
		return false
	}
	want, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	return err == nil && !installed.ModTime().Before(want.ModTime())
}
