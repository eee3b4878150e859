package domain_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/logproc/logproc/domain"
)

// Every runs its passes one after another and tells each whether the one
// before failed, until its context ends.
func TestEveryTellsEachPassWhetherTheOneBeforeFailed(t *testing.T) {
	failed := errors.New("down")
	results := []error{nil, failed, failed, nil, failed}
	ctx, cancel := context.WithCancel(context.Background())
	next := 0
	var got []string
	domain.Every(ctx, time.Millisecond, func(context.Context) (int, error) {
		next++
		return next, results[next-1]
	}, func(n int, err error, failingBefore bool) {
		got = append(got, fmt.Sprintf("%d:%v:%v", n, err != nil, failingBefore))
		if n == len(results) {
			cancel()
		}
	})
	want := "[1:false:false 2:true:false 3:true:true 4:false:true 5:true:false]"
	if fmt.Sprint(got) != want {
		t.Errorf("passes reported %v, want %s", got, want)
	}
}
