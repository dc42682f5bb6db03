package gateway

// /docs is the OpenAPI document rendered on the server as one plain HTML
// page: operations by tag with their role, parameters, body and answers, then
// the schemas they refer to. No script, no font, no stylesheet from
// elsewhere, so it reads the same offline.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

type docsOperation struct {
	Anchor, Method, Path, Summary, Description, Role string
	Security                                         string
	Params                                           []docsParam
	Body                                             []docsMedia
	Responses                                        []docsResponse
}

type docsParam struct {
	Name, In, Description string
	Required              bool
	Schema                template.HTML
}

type docsMedia struct {
	Type   string
	Schema template.HTML
}

type docsResponse struct {
	Status, Description string
	Media               []docsMedia
}

type docsTag struct {
	Name, Description string
	Operations        []docsOperation
}

type docsSchema struct {
	Name   string
	Schema template.HTML
}

type docsPage struct {
	Title, Version string
	Description    string
	Tags           []docsTag
	Schemas        []docsSchema
}

var methodOrder = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

var schemaRef = regexp.MustCompile(`&#34;#/components/schemas/([A-Za-z0-9_]+)&#34;`)

// schemaHTML is a schema as indented JSON with its $refs as links.
func schemaHTML(s any) template.HTML {
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return template.HTML(html.EscapeString(err.Error()))
	}
	out := schemaRef.ReplaceAllString(html.EscapeString(string(js)), `<a href="#schema-$1">&#34;#/components/schemas/$1&#34;</a>`)
	return template.HTML(out) // escaped above; only the links are markup
}

func mediaList(content openapi3.Content) []docsMedia {
	var out []docsMedia
	for _, t := range slices.Sorted(func(yield func(string) bool) {
		for k := range content {
			if !yield(k) {
				return
			}
		}
	}) {
		m := docsMedia{Type: t}
		if s := content[t].Schema; s != nil {
			m.Schema = schemaHTML(s)
		}
		out = append(out, m)
	}
	return out
}

func securityText(op *openapi3.Operation, doc *openapi3.T) string {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	var names []string
	for _, r := range reqs {
		if len(r) == 0 {
			names = append(names, "none")
		}
		for name := range r {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func docsOperationOf(doc *openapi3.T, method, path string, op *openapi3.Operation) docsOperation {
	o := docsOperation{Anchor: op.OperationID, Method: method, Path: path, Summary: op.Summary,
		Description: op.Description, Security: securityText(op, doc)}
	o.Role, _ = op.Extensions[roleExtension].(string)
	for _, p := range op.Parameters {
		v := p.Value
		dp := docsParam{Name: v.Name, In: v.In, Description: v.Description, Required: v.Required}
		if v.Schema != nil {
			dp.Schema = schemaHTML(v.Schema)
		}
		o.Params = append(o.Params, dp)
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		o.Body = mediaList(op.RequestBody.Value.Content)
	}
	codes := slices.Sorted(func(yield func(string) bool) {
		for code := range op.Responses.Map() {
			if !yield(code) {
				return
			}
		}
	})
	for _, code := range codes {
		r := op.Responses.Value(code).Value
		dr := docsResponse{Status: code}
		if r.Description != nil {
			dr.Description = *r.Description
		}
		dr.Media = mediaList(r.Content)
		o.Responses = append(o.Responses, dr)
	}
	return o
}

func renderDocs(doc *openapi3.T) ([]byte, error) {
	page := docsPage{Title: doc.Info.Title, Version: doc.Info.Version, Description: doc.Info.Description}
	byTag := map[string]int{}
	for _, t := range doc.Tags {
		byTag[t.Name] = len(page.Tags)
		page.Tags = append(page.Tags, docsTag{Name: t.Name, Description: t.Description})
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range methodOrder {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			i, ok := byTag[tag]
			if !ok {
				i = len(page.Tags)
				byTag[tag] = i
				page.Tags = append(page.Tags, docsTag{Name: tag})
			}
			page.Tags[i].Operations = append(page.Tags[i].Operations, docsOperationOf(doc, method, path, op))
		}
	}
	for i := range page.Tags {
		slices.SortFunc(page.Tags[i].Operations, func(a, b docsOperation) int {
			if c := strings.Compare(a.Path, b.Path); c != 0 {
				return c
			}
			return slices.Index(methodOrder, a.Method) - slices.Index(methodOrder, b.Method)
		})
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		page.Schemas = append(page.Schemas, docsSchema{Name: name, Schema: schemaHTML(doc.Components.Schemas[name].Value)})
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, page); err != nil {
		return nil, fmt.Errorf("cannot render the API reference: %w", err)
	}
	return buf.Bytes(), nil
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2330; line-height: 1.45; }
nav { position: fixed; top: 0; bottom: 0; left: 0; width: 17rem; overflow-y: auto; background: #f4f5f7; padding: 1rem; font-size: .85rem; box-sizing: border-box; }
nav a { display: block; color: inherit; text-decoration: none; padding: .1rem 0; }
nav h3 { margin: .8rem 0 .2rem; font-size: .8rem; text-transform: uppercase; color: #667; }
main { margin-left: 17rem; padding: 1rem 2rem; max-width: 60rem; }
section.op { border-top: 1px solid #dde; padding: .6rem 0 1rem; }
.method { display: inline-block; min-width: 4.2rem; font-weight: 700; font-family: monospace; }
.GET { color: #1a7f37; } .POST { color: #0550ae; } .PUT, .PATCH { color: #9a6700; } .DELETE { color: #cf222e; }
code, pre { font-family: ui-monospace, monospace; font-size: .82rem; }
pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; max-height: 24rem; }
.role { font-size: .75rem; border: 1px solid #99a; border-radius: 3px; padding: 0 .3rem; margin-left: .5rem; }
table { border-collapse: collapse; } td, th { text-align: left; vertical-align: top; padding: .2rem .6rem .2rem 0; }
details summary { cursor: pointer; }
</style>
</head>
<body>
<nav>
<strong>{{.Title}}</strong>
<div><a href="/openapi.json">openapi.json</a></div>
{{range .Tags}}<h3>{{.Name}}</h3>{{range .Operations}}<a href="#{{.Anchor}}"><span class="method {{.Method}}">{{.Method}}</span>{{.Path}}</a>{{end}}{{end}}
<h3>schemas</h3>{{range .Schemas}}<a href="#schema-{{.Name}}">{{.Name}}</a>{{end}}
</nav>
<main>
<h1>{{.Title}} <small>v{{.Version}}</small></h1>
<pre style="white-space: pre-wrap; background: none; padding: 0">{{.Description}}</pre>
{{range .Tags}}
<h2>{{.Name}}</h2>
<p>{{.Description}}</p>
{{range .Operations}}
<section class="op" id="{{.Anchor}}">
<h3><span class="method {{.Method}}">{{.Method}}</span><code>{{.Path}}</code><span class="role">role: {{.Role}}</span></h3>
<p><strong>{{.Summary}}</strong></p>
{{with .Description}}<p>{{.}}</p>{{end}}
<p>Credentials: {{.Security}}</p>
{{with .Params}}<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>description</th><th>schema</th></tr>
{{range .}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Description}}</td><td><details><summary>schema</summary><pre>{{.Schema}}</pre></details></td></tr>{{end}}
</table>{{end}}
{{with .Body}}<h4>Request body</h4>{{range .}}<details><summary><code>{{.Type}}</code></summary><pre>{{.Schema}}</pre></details>{{end}}{{end}}
<h4>Responses</h4>
{{range .Responses}}<div><strong>{{.Status}}</strong> {{.Description}}{{range .Media}}<details><summary><code>{{.Type}}</code></summary><pre>{{.Schema}}</pre></details>{{end}}</div>{{end}}
</section>
{{end}}{{end}}
<h2>Schemas</h2>
{{range .Schemas}}<section class="op" id="schema-{{.Name}}"><h3>{{.Name}}</h3><pre>{{.Schema}}</pre></section>{{end}}
</main>
</body>
</html>
`))
