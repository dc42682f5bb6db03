package schemas

// goavro speaks in "native" Go values (map[string]any for records, []any for
// arrays, map[string]any{"double": x} for union branches). The canonical
// records are plain structs with `avro` tags; this file converts between the
// two. Converters are built once per type by reflection and cached.

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// avroNamespace is the namespace of the nested records named in unions.
const avroNamespace = "io.wearstream."

type codec struct {
	to   func(v reflect.Value) any
	from func(native any, v reflect.Value) error
}

var codecs sync.Map // reflect.Type -> *codec

var timeType = reflect.TypeOf(time.Time{})

// toNative converts a canonical struct (or pointer to one) to goavro's native form.
func toNative(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	return codecFor(rv.Type()).to(rv)
}

// fromNative fills the struct that ptr points to from goavro's native form.
func fromNative(native any, ptr any) error {
	rv := reflect.ValueOf(ptr)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("cannot decode into %T: need a non-nil pointer", ptr)
	}
	return codecFor(rv.Elem().Type()).from(native, rv.Elem())
}

// buildMu serialises building; finished codecs are read without locks.
var buildMu sync.Mutex

func codecFor(t reflect.Type) *codec {
	if c, ok := codecs.Load(t); ok {
		return c.(*codec)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if c, ok := codecs.Load(t); ok {
		return c.(*codec)
	}
	b := builder{}
	c := b.codec(t)
	// Publish only complete codecs: another goroutine may use them at once.
	for typ, c := range b {
		codecs.Store(typ, c)
	}
	return c
}

// builder holds the codecs under construction, so recursive types terminate.
type builder map[reflect.Type]*codec

func (b builder) codec(t reflect.Type) *codec {
	if c, ok := codecs.Load(t); ok {
		return c.(*codec)
	}
	if c, ok := b[t]; ok {
		return c
	}
	c := &codec{}
	b[t] = c
	*c = *b.build(t)
	return c
}

func (b builder) build(t reflect.Type) *codec {
	switch {
	case t == timeType:
		return &codec{
			to: func(v reflect.Value) any {
				tm := v.Interface().(time.Time)
				if tm.IsZero() {
					return int64(0)
				}
				return tm.UnixMilli()
			},
			from: func(n any, v reflect.Value) error {
				switch x := n.(type) {
				case time.Time:
					if x.UnixMilli() != 0 {
						v.Set(reflect.ValueOf(x.UTC()))
					} else {
						v.Set(reflect.ValueOf(time.Time{}))
					}
				case int64:
					if x != 0 {
						v.Set(reflect.ValueOf(time.UnixMilli(x).UTC()))
					}
				default:
					return fmt.Errorf("want a timestamp, got %T", n)
				}
				return nil
			},
		}
	case t.Kind() == reflect.Struct:
		return b.structCodec(t)
	case t.Kind() == reflect.Pointer:
		return b.unionCodec(t)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return &codec{
			to: func(v reflect.Value) any {
				if v.IsNil() {
					return []byte{}
				}
				return v.Bytes()
			},
			from: func(n any, v reflect.Value) error {
				b, ok := n.([]byte)
				if !ok {
					return fmt.Errorf("want bytes, got %T", n)
				}
				if len(b) == 0 {
					b = nil // empty and absent are the same on the wire
				}
				v.SetBytes(b)
				return nil
			},
		}
	case t.Kind() == reflect.Slice:
		elem := b.codec(t.Elem())
		return &codec{
			to: func(v reflect.Value) any {
				out := make([]any, v.Len())
				for i := range out {
					out[i] = elem.to(v.Index(i))
				}
				return out
			},
			from: func(n any, v reflect.Value) error {
				in, ok := n.([]any)
				if !ok {
					return fmt.Errorf("want an array, got %T", n)
				}
				s := reflect.MakeSlice(t, len(in), len(in))
				for i, x := range in {
					if err := elem.from(x, s.Index(i)); err != nil {
						return fmt.Errorf("item %d: %w", i, err)
					}
				}
				v.Set(s)
				return nil
			},
		}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		elem := b.codec(t.Elem())
		return &codec{
			to: func(v reflect.Value) any {
				out := make(map[string]any, v.Len())
				it := v.MapRange()
				for it.Next() {
					out[it.Key().String()] = elem.to(it.Value())
				}
				return out
			},
			from: func(n any, v reflect.Value) error {
				in, ok := n.(map[string]any)
				if !ok {
					return fmt.Errorf("want a map, got %T", n)
				}
				m := reflect.MakeMapWithSize(t, len(in))
				for k, x := range in {
					e := reflect.New(t.Elem()).Elem()
					if err := elem.from(x, e); err != nil {
						return fmt.Errorf("key %q: %w", k, err)
					}
					m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
				}
				v.Set(m)
				return nil
			},
		}
	default:
		return scalarCodec(t)
	}
}

func scalarCodec(t reflect.Type) *codec {
	return &codec{
		to: func(v reflect.Value) any {
			switch t.Kind() {
			case reflect.String:
				return v.String()
			case reflect.Bool:
				return v.Bool()
			case reflect.Int32:
				return int32(v.Int())
			case reflect.Int, reflect.Int64:
				return v.Int()
			case reflect.Float64:
				return v.Float()
			case reflect.Float32:
				return float32(v.Float())
			}
			panic(fmt.Sprintf("schemas: no avro mapping for %s", t))
		},
		from: func(n any, v reflect.Value) error {
			switch x := n.(type) {
			case string:
				if t.Kind() == reflect.String {
					v.SetString(x)
					return nil
				}
			case bool:
				if t.Kind() == reflect.Bool {
					v.SetBool(x)
					return nil
				}
			case int32:
				if v.CanInt() {
					v.SetInt(int64(x))
					return nil
				}
			case int64:
				if v.CanInt() {
					v.SetInt(x)
					return nil
				}
			case float64:
				if v.CanFloat() {
					v.SetFloat(x)
					return nil
				}
			case float32:
				if v.CanFloat() {
					v.SetFloat(float64(x))
					return nil
				}
			}
			return fmt.Errorf("want %s, got %T", t, n)
		},
	}
}

// unionCodec maps a pointer to a ["null", T] union: nil is null.
func (b builder) unionCodec(t reflect.Type) *codec {
	elem := b.codec(t.Elem())
	branch := avroBranch(t.Elem())
	return &codec{
		to: func(v reflect.Value) any {
			if v.IsNil() {
				return nil
			}
			return map[string]any{branch: elem.to(v.Elem())}
		},
		from: func(n any, v reflect.Value) error {
			if n == nil {
				v.Set(reflect.Zero(t))
				return nil
			}
			m, ok := n.(map[string]any)
			if !ok || len(m) != 1 {
				return fmt.Errorf("want a union, got %T", n)
			}
			p := reflect.New(t.Elem())
			for _, x := range m {
				if err := elem.from(x, p.Elem()); err != nil {
					return err
				}
			}
			v.Set(p)
			return nil
		},
	}
}

func avroBranch(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Float64:
		return "double"
	case reflect.Float32:
		return "float"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Int32:
		return "int"
	case reflect.Int64:
		return "long"
	case reflect.Struct:
		return avroNamespace + t.Name()
	}
	panic(fmt.Sprintf("schemas: no avro union branch for %s", t))
}

type field struct {
	index int
	name  string
	codec *codec
}

func (b builder) structCodec(t reflect.Type) *codec {
	c := &codec{}
	var fields []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("avro"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields = append(fields, field{index: i, name: name, codec: b.codec(f.Type)})
	}
	c.to = func(v reflect.Value) any {
		out := make(map[string]any, len(fields))
		for _, f := range fields {
			out[f.name] = f.codec.to(v.Field(f.index))
		}
		return out
	}
	c.from = func(n any, v reflect.Value) error {
		m, ok := n.(map[string]any)
		if !ok {
			return fmt.Errorf("want a record, got %T", n)
		}
		for _, f := range fields {
			x, ok := m[f.name]
			if !ok {
				continue
			}
			if err := f.codec.from(x, v.Field(f.index)); err != nil {
				return fmt.Errorf("field %s: %w", f.name, err)
			}
		}
		return nil
	}
	return c
}
