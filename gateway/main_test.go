package gateway

import (
	"os"
	"testing"

	"github.com/wearstream/wearstream/internal/chserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	chserver.StopTestServer()
	os.Exit(code)
}
