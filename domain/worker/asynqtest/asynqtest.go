// Package asynqtest gives each test a Redis client and an asynq queue of its
// own, deleted when the test ends, so tests share one Redis without touching
// each other's keys.
//
// It connects to TEST_REDIS_URL, by default redis://127.0.0.1:6379/0.
//
// Tests of Redis beyond one node start their own: StartSentinel (a master,
// a replica and three sentinels) and StartCluster (a Redis Cluster), and
// StartTLSSentinel and StartTLSCluster, the same over TLS only (with
// CertificateName, their certificates name one DNS name and no address),
// from the redis-server binary, on free ports, killed when the test ends.
// They skip, saying what to install, when redis-server is missing (or lacks
// TLS).
package asynqtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// DefaultURL is the Redis used when TEST_REDIS_URL is unset.
const DefaultURL = "redis://127.0.0.1:6379/0"

// URL returns the Redis URL tests use.
func URL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// NewQueue returns a Redis client and a fresh queue name for the test. The
// queue and its tasks are deleted when the test ends.
func NewQueue(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opts, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("asynqtest: TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("asynqtest: cannot reach Redis at %s: %v\n"+
			"Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no\n"+
			"or set TEST_REDIS_URL.", URL(), err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	queue := "logproc-test-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		insp := asynq.NewInspectorFromRedisClient(rdb)
		if err := insp.DeleteQueue(queue, true); err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
			t.Logf("asynqtest: delete queue %s: %v", queue, err)
		}
		deleteKeys(rdb, "asynq:{"+queue+"}:*")
		rdb.Close()
	})
	return rdb, queue
}

// deleteKeys removes what asynq keeps of a queue beyond DeleteQueue, such as
// its daily counters.
func deleteKeys(rdb *redis.Client, pattern string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, pattern, 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}
