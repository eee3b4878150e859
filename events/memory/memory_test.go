package memory_test

import (
	"testing"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/eventstest"
	"github.com/logproc/logproc/events/memory"
)

func TestConformance(t *testing.T) {
	eventstest.Test(t, func(*testing.T) events.Store { return memory.New() })
}
