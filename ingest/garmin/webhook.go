package garmin

// Garmin's webhooks (providers.md §1 "Webhook model"): push and ping POSTs
// are not signed; Garmin names itself with the garmin-client-id header,
// which must equal our client id (compared in constant time). There is no
// GET handshake. One body may hold many summary types and many users:
// pushed summaries are split per user and kept as they are, ping items and
// activity files become fetches of their callbackURL, deregistrations and
// permission changes become connection updates.

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Webhook = &ingest.Webhook{Verify: Verify, Parse: ParseWebhook, PushesData: true}
	})
}

// Verify checks the garmin-client-id header against the client id.
func Verify(s ingest.Settings, h http.Header, _ []byte) error {
	if !ingest.EqualSecret(s.ClientID, h.Get("garmin-client-id")) {
		return errors.Join(ingest.ErrUnverified, errors.New("the garmin-client-id header does not name this application"))
	}
	return nil
}

// nonData are the push keys that carry no summaries of their own.
var nonData = map[string]bool{"deregistrations": true, "userPermissionsChange": true, "activityFiles": true}

// ParseWebhook reads a push or ping body into items per Garmin user.
func ParseWebhook(body []byte) ([]ingest.Item, error) {
	var out []ingest.Item
	deregs, err := ParseDeregistrations(body)
	if err != nil {
		return nil, err
	}
	for _, d := range deregs {
		out = append(out, ingest.Item{ProviderUserID: d.UserID, Job: ingest.JobRevoke})
	}
	perms, _ := ParsePermissionChanges(body)
	for _, p := range perms {
		out = append(out, ingest.Item{ProviderUserID: p.UserID, Job: ingest.JobPermissions, Permissions: p.Permissions})
	}
	pings, _ := ParsePing(body)
	for _, c := range pings {
		out = append(out, ingest.Item{ProviderUserID: c.UserID, Job: ingest.JobFetch, DataType: c.SummaryType, URL: c.CallbackURL,
			Delivers: backfillNames([]string{c.SummaryType})})
	}
	files, _ := ParseActivityFiles(body)
	for _, f := range files {
		if f.FileType == "FIT" {
			out = append(out, ingest.Item{ProviderUserID: f.UserID, Job: ingest.JobFetch, DataType: dataActivityFile, URL: f.CallbackURL})
		}
	}
	push, err := pushOnly(body)
	if err != nil {
		return nil, err
	}
	if push != nil {
		split, err := SplitByUser(push)
		if err != nil {
			return nil, err
		}
		for user, b := range split {
			out = append(out, ingest.Item{ProviderUserID: user, Body: b, ContentType: "application/json", Delivers: backfillNames(keysOf(b))})
		}
	}
	// A ping, file, deregistration or permission change that names no user
	// reaches no connection.
	return slices.DeleteFunc(out, func(it ingest.Item) bool { return strings.TrimSpace(it.ProviderUserID) == "" }), nil
}

// pushOnly returns the body without its lifecycle keys, activity files and
// ping items; nil when nothing is left.
func pushOnly(body []byte) ([]byte, error) {
	top, err := decodeTop(body, "push")
	if err != nil {
		return nil, err
	}
	kept := map[string][]json.RawMessage{}
	for key, value := range top {
		if nonData[key] {
			continue
		}
		for _, raw := range items(value) {
			var it struct {
				CallbackURL string `json:"callbackURL"`
			}
			if json.Unmarshal(raw, &it) == nil && it.CallbackURL != "" {
				continue
			}
			kept[key] = append(kept[key], raw)
		}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	return json.Marshal(kept)
}

// backfillNames are the backfill names of the push keys that have one.
func backfillNames(keys []string) []string {
	var out []string
	for _, key := range keys {
		i, ok := summaryTypeByKey[key]
		if !ok {
			continue
		}
		for _, name := range BackfillTypes {
			if j, ok := summaryTypeByKey[name]; ok && j == i && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// keysOf returns the top-level keys of a JSON object body.
func keysOf(body []byte) []string {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return nil
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
