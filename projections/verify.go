package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// Verification is the outcome of comparing a job's job_stats read model with
// its state folded afresh from its stream.
type Verification struct {
	JobID   uuid.UUID `json:"job_id"`
	Version int64     `json:"version"`
	// Differences lists "field: read model X, events Y"; empty when the
	// read model is right.
	Differences []string `json:"differences"`
}

// OK reports whether the read model matches the events.
func (v Verification) OK() bool { return len(v.Differences) == 0 }

// VerifyJob folds the job's stream up to the version its job_stats row was
// built from, and compares the row, its error groups and its timeline with
// the fold.
func VerifyJob(ctx context.Context, pool *pgxpool.Pool, store events.Store, id uuid.UUID) (Verification, error) {
	v := Verification{JobID: id, Differences: []string{}}
	reader := NewReader(pool)
	row, err := reader.Job(ctx, id, domain.AllOwners)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		v.Differences = append(v.Differences, "job_stats: no row (the projection has not reached the job yet?)")
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.Version = row.Version
	fold, err := domain.NewJobs(store).LoadUntil(ctx, id, row.Version)
	if err != nil {
		return v, err
	}
	v.Differences = append(v.Differences, diffJSON("job_stats", stateOf(row), stateOf(fold))...)
	groups, err := reader.JobErrorGroups(ctx, id, 1<<30)
	if err != nil {
		return v, err
	}
	v.Differences = append(v.Differences, diffJSON("job_error_groups", groups, fold.TopGroups(len(fold.Groups)))...)
	timeline, err := reader.JobTimeline(ctx, id, 1<<30, true)
	if err != nil {
		return v, err
	}
	v.Differences = append(v.Differences, diffJSON("job_timeline", timeline, fold.Minutes(len(fold.Timeline), true))...)
	return v, nil
}

// diffJSON compares two values through their JSON forms, field by field.
func diffJSON(what string, readModel, fold any) []string {
	var a, b any
	ja, _ := json.Marshal(readModel)
	jb, _ := json.Marshal(fold)
	json.Unmarshal(ja, &a)
	json.Unmarshal(jb, &b)
	var out []string
	diffValues(what, a, b, &out)
	return out
}

func diffValues(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			diffValues(path+"."+k, am[k], bm[k], out)
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		for i := range as {
			diffValues(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		*out = append(*out, fmt.Sprintf("%s: read model %s, events %s", path, ja, jb))
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
