package schemas

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
)

// TestSchemaFieldsHaveDocs holds the Kafka contract to its word: every
// record and every field of every embedded schema, nested records included,
// says what it means to a consumer.
func TestSchemaFieldsHaveDocs(t *testing.T) {
	files, err := fs.Glob(avroFS, "avro/*.avsc")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded schemas: %v", err)
	}
	for _, file := range files {
		b, err := avroFS.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var schema any
		if err := json.Unmarshal(b, &schema); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, missing := range undocumented(schema) {
			t.Errorf("%s: %s has no doc", file, missing)
		}
	}
}

func TestUndocumentedFindsNestedFields(t *testing.T) {
	var schema any
	if err := json.Unmarshal([]byte(`{"type":"record","name":"R","doc":"r","fields":[
	 {"name":"a","type":"int","doc":"a"},
	 {"name":"b","type":["null",{"type":"array","items":{"type":"record","name":"N","doc":"n","fields":[
	  {"name":"c","type":"string"},{"name":"d","type":"string","doc":" "}]}}]},
	 {"name":"e","type":{"type":"map","values":{"type":"record","name":"M","fields":[{"name":"f","type":"long","doc":"f"}]}},"doc":"e"}]}`), &schema); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(undocumented(schema), " ")
	if want := "R.b N.c N.d M"; got != want {
		t.Fatalf("undocumented() = %q, want %q", got, want)
	}
}

// undocumented lists the records and fields under an Avro type that have
// no doc, as Record or Record.field.
func undocumented(schema any) []string {
	var out []string
	var walk func(any)
	walk = func(node any) {
		switch n := node.(type) {
		case []any: // a union
			for _, branch := range n {
				walk(branch)
			}
		case map[string]any:
			switch n["type"] {
			case "record":
				name, _ := n["name"].(string)
				if !hasDoc(n) {
					out = append(out, name)
				}
				fields, _ := n["fields"].([]any)
				for _, f := range fields {
					field, _ := f.(map[string]any)
					if !hasDoc(field) {
						out = append(out, name+"."+field["name"].(string))
					}
					walk(field["type"])
				}
			case "array":
				walk(n["items"])
			case "map":
				walk(n["values"])
			}
		}
	}
	walk(schema)
	return out
}

func hasDoc(n map[string]any) bool {
	doc, _ := n["doc"].(string)
	return strings.TrimSpace(doc) != ""
}
