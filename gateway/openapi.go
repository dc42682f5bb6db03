package gateway

// The API's OpenAPI 3.1 document is written by hand in openapi.yaml, next to
// the route table it describes, and embedded in the binary. It is loaded once
// (kin-openapi), served as JSON at /openapi.json and rendered as a reference
// page at /docs that loads nothing from elsewhere. Tests hold it to the
// route table (openapi_test.go) and check every response of the gateway and
// end-to-end tests against its schemas (internal/openapitest).

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"
)

//go:embed openapi.yaml
var openAPIYAML []byte

// roleExtension is the operation extension that names a route's least role.
const roleExtension = "x-wearstream-role"

type openAPIDocument struct {
	doc  *openapi3.T
	json []byte
	html []byte
}

var loadOpenAPI = sync.OnceValues(func() (openAPIDocument, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIYAML)
	if err != nil {
		return openAPIDocument{}, fmt.Errorf("cannot load openapi.yaml: %w", err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return openAPIDocument{}, fmt.Errorf("cannot encode the OpenAPI document: %w", err)
	}
	page, err := renderDocs(doc)
	if err != nil {
		return openAPIDocument{}, err
	}
	return openAPIDocument{doc: doc, json: js, html: page}, nil
})

// OpenAPI returns the API's OpenAPI 3.1 document as JSON, as served at
// GET /openapi.json.
func OpenAPI() ([]byte, error) {
	d, err := loadOpenAPI()
	return d.json, err
}

func (g *Gateway) serveOpenAPI(c *fiber.Ctx) error {
	d, err := loadOpenAPI()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(d.json)
}

func (g *Gateway) serveDocs(c *fiber.Ctx) error {
	d, err := loadOpenAPI()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	return c.Send(d.html)
}
