package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events/postgres/pgtest"
)

func TestVerifyOfAnUnknownJobSaysThereIsNone(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.NewDatabase(t))
	var out bytes.Buffer
	err := run(context.Background(), []string{"jobs", "verify", uuid.NewString()}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no such job") || strings.Contains(out.String(), "differences") {
		t.Errorf("verify of an unknown job = %v, output %q; want \"no such job\"", err, out.String())
	}
}

func TestTokenRefusesATTLThatIsNotPositive(t *testing.T) {
	t.Setenv("JWT_SECRET", testSecret)
	for _, ttl := range []string{"-1h", "0s"} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"token", "--sub", "alice", "--ttl", ttl}, &out, io.Discard)
		if err == nil || out.Len() != 0 {
			t.Errorf("token --ttl %s = %v, printed %q; want an error and no token", ttl, err, out.String())
		}
	}
}
