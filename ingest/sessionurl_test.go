package ingest

import "testing"

// A path that names an id with escaped characters keeps them: the id
// "a%X" is requested as a%25X, not dropped.
func TestSessionURLKeepsEscapedPath(t *testing.T) {
	s := &Session{Provider: "p", Settings: Settings{APIURL: "https://api.example.com/developer"}}
	for in, want := range map[string]string{
		"/v2/activity/sleep/a%25X": "https://api.example.com/developer/v2/activity/sleep/a%25X",
		"/v2/x/a%2Fb":              "https://api.example.com/developer/v2/x/a%2Fb",
		"/v2/x/plain":              "https://api.example.com/developer/v2/x/plain",
	} {
		if got, err := s.URL(in, nil); err != nil || got != want {
			t.Errorf("URL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
