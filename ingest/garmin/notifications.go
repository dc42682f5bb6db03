package garmin

// Bodies without data: ping notifications (each item names a callbackURL
// to fetch the data from), activity file notifications (a callbackURL to a
// FIT file) and the lifecycle notifications deregistrations and
// userPermissionsChange. Normalize counts their items as skipped; the
// parsers below give the webhook and polling code their contents. The
// legacy userAccessToken of ping items is never read.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Callback is one ping notification: Garmin holds new data of SummaryType
// (the push key, e.g. "dailies") for UserID, to be fetched with the user's
// token from CallbackURL, which covers the upload window UploadStart to
// UploadEnd.
type Callback struct {
	SummaryType string
	UserID      string
	CallbackURL string
	UploadStart time.Time
	UploadEnd   time.Time
}

// Deregistration is a user who disconnected the application in Garmin
// Connect.
type Deregistration struct {
	UserID string
}

// PermissionChange is a user's new set of granted permissions
// (ACTIVITY_EXPORT, HEALTH_EXPORT, HISTORICAL_DATA_EXPORT, ...); ChangedAt is
// zero when Garmin does not say.
type PermissionChange struct {
	UserID      string
	Permissions []string
	ChangedAt   time.Time
}

// ActivityFile is a notification that an activity's original file (FileType
// FIT, TCX or GPX) can be fetched from CallbackURL.
type ActivityFile struct {
	UserID       string
	SummaryID    string
	ActivityID   string
	ActivityName string
	ActivityType string
	FileType     string
	StartTime    time.Time
	Manual       bool
	CallbackURL  string
}

// ParsePing returns the ping notifications of a body: the items of every
// data summary type that carry a callbackURL, in the order of the summary
// types. Activity files are left to ParseActivityFiles. It fails only when
// the body is not a JSON object.
func ParsePing(body []byte) ([]Callback, error) {
	top, err := decodeTop(body, "ping")
	if err != nil {
		return nil, err
	}
	var out []Callback
	for _, t := range summaryTypes {
		if t.normalize == nil {
			continue
		}
		for _, key := range append([]string{t.key}, t.aliases...) {
			for _, raw := range items(top[key]) {
				var it struct {
					UserID      string   `json:"userId"`
					CallbackURL string   `json:"callbackURL"`
					UploadStart *float64 `json:"uploadStartTimeInSeconds"`
					UploadEnd   *float64 `json:"uploadEndTimeInSeconds"`
				}
				if json.Unmarshal(raw, &it) != nil || strings.TrimSpace(it.CallbackURL) == "" {
					continue
				}
				c := Callback{SummaryType: key, UserID: strings.TrimSpace(it.UserID), CallbackURL: strings.TrimSpace(it.CallbackURL)}
				c.UploadStart, _ = instant(it.UploadStart)
				c.UploadEnd, _ = instant(it.UploadEnd)
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// ParseDeregistrations returns the users of a body's "deregistrations".
// It fails only when the body is not a JSON object.
func ParseDeregistrations(body []byte) ([]Deregistration, error) {
	top, err := decodeTop(body, "deregistrations")
	if err != nil {
		return nil, err
	}
	var out []Deregistration
	for _, raw := range items(top["deregistrations"]) {
		var it struct {
			UserID string `json:"userId"`
		}
		if json.Unmarshal(raw, &it) != nil || strings.TrimSpace(it.UserID) == "" {
			continue
		}
		out = append(out, Deregistration{UserID: strings.TrimSpace(it.UserID)})
	}
	return out, nil
}

// ParsePermissionChanges returns the items of a body's
// "userPermissionsChange". It fails only when the body is not a JSON object.
func ParsePermissionChanges(body []byte) ([]PermissionChange, error) {
	top, err := decodeTop(body, "userPermissionsChange")
	if err != nil {
		return nil, err
	}
	var out []PermissionChange
	for _, raw := range items(top["userPermissionsChange"]) {
		var it struct {
			UserID      string   `json:"userId"`
			Permissions []string `json:"permissions"`
			ChangeTime  *float64 `json:"changeTimeInSeconds"`
		}
		if json.Unmarshal(raw, &it) != nil || strings.TrimSpace(it.UserID) == "" {
			continue
		}
		p := PermissionChange{UserID: strings.TrimSpace(it.UserID), Permissions: []string{}}
		for _, perm := range it.Permissions {
			if perm = strings.TrimSpace(perm); perm != "" {
				p.Permissions = append(p.Permissions, perm)
			}
		}
		p.ChangedAt, _ = instant(it.ChangeTime)
		out = append(out, p)
	}
	return out, nil
}

// ParseActivityFiles returns the items of a body's "activityFiles" that
// carry a callbackURL. It fails only when the body is not a JSON object.
func ParseActivityFiles(body []byte) ([]ActivityFile, error) {
	top, err := decodeTop(body, "activityFiles")
	if err != nil {
		return nil, err
	}
	var out []ActivityFile
	for _, raw := range items(top["activityFiles"]) {
		var it struct {
			UserID       string   `json:"userId"`
			SummaryID    string   `json:"summaryId"`
			ActivityID   flexID   `json:"activityId"`
			ActivityName string   `json:"activityName"`
			ActivityType string   `json:"activityType"`
			FileType     string   `json:"fileType"`
			StartTime    *float64 `json:"startTimeInSeconds"`
			Manual       bool     `json:"manual"`
			CallbackURL  string   `json:"callbackURL"`
		}
		if json.Unmarshal(raw, &it) != nil || strings.TrimSpace(it.CallbackURL) == "" {
			continue
		}
		f := ActivityFile{
			UserID:       strings.TrimSpace(it.UserID),
			SummaryID:    strings.TrimSpace(it.SummaryID),
			ActivityID:   string(it.ActivityID),
			ActivityName: strings.TrimSpace(it.ActivityName),
			ActivityType: strings.TrimSpace(it.ActivityType),
			FileType:     strings.ToUpper(strings.TrimSpace(it.FileType)),
			Manual:       it.Manual,
			CallbackURL:  strings.TrimSpace(it.CallbackURL),
		}
		f.StartTime, _ = instant(it.StartTime)
		out = append(out, f)
	}
	return out, nil
}

// SplitByUser splits a push body into one body per Garmin userId, each with
// the same top-level keys holding only that user's items (unchanged but for
// whitespace), so that every raw event belongs to one user. Items without a
// userId and keys whose value is not an array are dropped. It fails only
// when the body is not a JSON object.
func SplitByUser(body []byte) (map[string][]byte, error) {
	top, err := decodeTop(body, "push")
	if err != nil {
		return nil, err
	}
	perUser := map[string]map[string][]json.RawMessage{}
	for key, value := range top {
		for _, raw := range items(value) {
			var it struct {
				UserID string `json:"userId"`
			}
			if json.Unmarshal(raw, &it) != nil || strings.TrimSpace(it.UserID) == "" {
				continue
			}
			user := strings.TrimSpace(it.UserID)
			if perUser[user] == nil {
				perUser[user] = map[string][]json.RawMessage{}
			}
			perUser[user][key] = append(perUser[user][key], raw)
		}
	}
	out := make(map[string][]byte, len(perUser))
	for user, lists := range perUser {
		b, err := json.Marshal(lists)
		if err != nil {
			return nil, fmt.Errorf("cannot encode garmin push body of user %s: %w", user, err)
		}
		out[user] = b
	}
	return out, nil
}

// decodeTop decodes a body into its top-level keys.
func decodeTop(body []byte, what string) (map[string]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("cannot decode garmin %s body: %w", what, err)
	}
	return top, nil
}

// items decodes a top-level value into its items; nil when it is not an
// array.
func items(value json.RawMessage) []json.RawMessage {
	if len(value) == 0 {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(value, &list) != nil {
		return nil
	}
	return list
}
