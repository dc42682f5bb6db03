package app_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/testenv"
)

// setMaxMessageBytes sets the dead-letter topic's max.message.bytes.
func setMaxMessageBytes(t *testing.T, env *app.Env, limit string) {
	t.Helper()
	_, err := kadm.NewClient(env.Producer).AlterTopicConfigs(context.Background(),
		[]kadm.AlterConfig{{Name: "max.message.bytes", Value: &limit}}, env.Topics.DLQ())
	if err != nil {
		t.Fatalf("AlterTopicConfigs: %v", err)
	}
}

// incompressible returns n random bytes, so that compression cannot bring a
// record under a topic's limit.
func incompressible(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// A dead letter the topic refuses as too large is written without the
// original value, naming where the value stays; one refused even so is an
// error carrying Kafka's reason, never a silent success.
func TestDeadLetterTooLargeForTheTopic(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	ctx := context.Background()
	rec := &kgo.Record{Topic: env.Topics.Samples(), Partition: 2, Offset: 41, Key: []byte("user-1"), Value: incompressible(8 << 10)}

	setMaxMessageBytes(t, env, "2048")
	if err := env.DeadLetter(ctx, rec, "sink", errors.New("cannot decode: bad magic")); err != nil {
		t.Fatalf("DeadLetter: %v", err)
	}
	got := st.DeadLetters(t)
	if len(got) != 1 {
		t.Fatalf("dead letters = %d, want 1", len(got))
	}
	dl := got[0]
	if len(dl.Value) != 0 || dl.Stage != "sink" || dl.Topic != rec.Topic || dl.Partition != 2 || dl.Offset != 41 || string(dl.Key) != "user-1" {
		t.Fatalf("dead letter of %s/%d@%d, stage %q, key %q, with %d value bytes", dl.Topic, dl.Partition, dl.Offset, dl.Stage, dl.Key, len(dl.Value))
	}
	for _, want := range []string{"cannot decode: bad magic", "8192 bytes left out", kerr.MessageTooLarge.Message, rec.Topic + "/2@41"} {
		if !strings.Contains(dl.Error, want) {
			t.Fatalf("dead letter error %q does not say %q", dl.Error, want)
		}
	}

	setMaxMessageBytes(t, env, "64")
	err := env.DeadLetter(ctx, rec, "sink", errors.New("cannot decode: bad magic"))
	if !errors.Is(err, kerr.MessageTooLarge) {
		t.Fatalf("DeadLetter to a topic refusing even the value-less letter = %v, want MESSAGE_TOO_LARGE", err)
	}
	if n := len(st.DeadLetters(t)); n != 1 {
		t.Fatalf("dead letters = %d after a refusal, want still 1", n)
	}
}
