package schemas

// Schema evolution is checked here rather than trusted to the registry: the
// embedded registry accepts anything, and a production registry may be set to
// a weaker level than the BACKWARD the topics promise. Each schema is parsed
// into its own name cache so that two versions of one record never meet in
// hamba/avro's global cache.

import (
	"fmt"

	"github.com/hamba/avro/v2"
)

// ValidateAvro returns an error when schema is not a valid Avro schema.
func ValidateAvro(schema string) error {
	if _, err := parseAvro(schema); err != nil {
		return fmt.Errorf("cannot parse avro schema: %w", err)
	}
	return nil
}

// CheckBackward returns nil when data written with the previous schema can be
// read with the next one (BACKWARD: new reader, old writer), and otherwise an
// error saying why.
func CheckBackward(previous, next string) error {
	writer, err := parseAvro(previous)
	if err != nil {
		return fmt.Errorf("cannot parse previous schema: %w", err)
	}
	reader, err := parseAvro(next)
	if err != nil {
		return fmt.Errorf("cannot parse next schema: %w", err)
	}
	if err := avro.NewSchemaCompatibility().Compatible(reader, writer); err != nil {
		return fmt.Errorf("cannot read data written with the previous schema: %w", err)
	}
	return nil
}

func parseAvro(schema string) (avro.Schema, error) {
	return avro.ParseWithCache(schema, "", &avro.SchemaCache{})
}
