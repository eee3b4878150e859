package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeWiring are the settings deploy/stack.yaml sets itself, over .env,
// to wire the program to the stack's own services and volume.
var composeWiring = map[string]string{
	"DATABASE_URL": "postgres://logproc:logproc@postgres:5432/logproc?sslmode=disable",
	"REDIS_URL":    "redis://redis:6379/0",
	"HTTP_ADDR":    ":8080",
	"BLOB_DIR":     "/data/blobs",
}

// sampleEnv gives every setting a value of its own, as an operator's .env
// would.
func sampleEnv() map[string]string {
	env := map[string]string{}
	for _, s := range settings {
		env[s.name] = "value-of-" + strings.ToLower(s.name)
	}
	env["HTTP_PORT"] = "18080"
	env["WORKER_REPLICAS"] = "3"
	return env
}

// loadCompose loads deploy/compose.yaml as the Compose CLI does, with env as
// the repository's .env: the compose files are copied into a scratch tree
// whose root holds that .env, so a developer's own .env plays no part.
func loadCompose(t *testing.T, env map[string]string) *types.Project {
	t.Helper()
	root := t.TempDir()
	deploy := filepath.Join(root, "deploy")
	if err := os.Mkdir(deploy, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"compose.yaml", "stack.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "deploy", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(deploy, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var dotenv strings.Builder
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range env {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&dotenv, "%s=%s\n", k, env[k])
	}
	if err := os.WriteFile(filepath.Join(root, ".env"), []byte(dotenv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(deploy, "compose.yaml")},
		cli.WithName("logproc"), cli.WithEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load deploy/compose.yaml: %v", err)
	}
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %s: %v", name, err)
	}
	return s
}

func TestComposePassesEverySetting(t *testing.T) {
	env := sampleEnv()
	p := loadCompose(t, env)
	for _, name := range []string{"api", "worker"} {
		svc := service(t, p, name)
		for _, s := range settings {
			if s.set == nil {
				continue
			}
			want, wired := composeWiring[s.name]
			if !wired {
				want = env[s.name]
			}
			got := svc.Environment[s.name]
			if got == nil || *got != want {
				t.Errorf("%s: %s = %v, want %q", name, s.name, deref(got), want)
			}
		}
	}
}

func deref(p *string) string {
	if p == nil {
		return "(unset)"
	}
	return fmt.Sprintf("%q", *p)
}

func TestComposeStack(t *testing.T) {
	p := loadCompose(t, sampleEnv())
	if got, want := slices.Sorted(func(yield func(string) bool) {
		for name := range p.Services {
			if !yield(name) {
				return
			}
		}
	}), []string{"api", "postgres", "redis", "worker"}; !slices.Equal(got, want) {
		t.Errorf("services %q, want %q", got, want)
	}
	for name, svc := range p.Services {
		hc := svc.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] != "CMD" {
			t.Errorf("%s has no health check (%+v)", name, hc)
		}
		for _, v := range svc.Volumes {
			if _, declared := p.Volumes[v.Source]; v.Type != types.VolumeTypeVolume || !declared {
				t.Errorf("%s mounts %s on %s, want a named volume of the stack", name, v.Source, v.Target)
			}
		}
	}
	api, worker := service(t, p, "api"), service(t, p, "worker")
	if got := api.HealthCheck.Test; !slices.Equal(got, types.HealthCheckTest{"CMD", "/logproc", "healthcheck"}) {
		t.Errorf("api health check %q, want /readyz of its own API", got)
	}
	if got := worker.HealthCheck.Test; !slices.Equal(got, types.HealthCheckTest{"CMD", "/logproc", "healthcheck", "--worker"}) {
		t.Errorf("worker health check %q, want its heartbeat", got)
	}
	if len(api.Ports) != 1 || api.Ports[0].Published != "18080" || api.Ports[0].Target != 8080 {
		t.Errorf("api ports %+v, want HTTP_PORT 18080 published to 8080", api.Ports)
	}
	if worker.Deploy == nil || worker.Deploy.Replicas == nil || *worker.Deploy.Replicas != 3 {
		t.Errorf("worker deploy %+v, want WORKER_REPLICAS=3 replicas", worker.Deploy)
	}
	if len(worker.Ports) != 0 {
		t.Errorf("worker publishes ports %+v; replicas could not share them", worker.Ports)
	}
	def, _ := ConfigFrom(func(string) string { return "" })
	for _, svc := range []types.ServiceConfig{api, worker} {
		if svc.StopGracePeriod == nil || time.Duration(*svc.StopGracePeriod) < def.ShutdownTimeout+10*time.Second {
			t.Errorf("%s stop_grace_period %v leaves SHUTDOWN_TIMEOUT (%v) no room", svc.Name, svc.StopGracePeriod, def.ShutdownTimeout)
		}
	}
}

func TestComposeDefaults(t *testing.T) {
	p := loadCompose(t, map[string]string{"JWT_SECRET": strings.Repeat("s", 32)})
	api, worker := service(t, p, "api"), service(t, p, "worker")
	if len(api.Ports) != 1 || api.Ports[0].Published != "8080" {
		t.Errorf("api ports %+v, want 8080 when HTTP_PORT is not set", api.Ports)
	}
	if worker.Deploy == nil || worker.Deploy.Replicas == nil || *worker.Deploy.Replicas != 1 {
		t.Errorf("worker deploy %+v, want 1 replica when WORKER_REPLICAS is not set", worker.Deploy)
	}
	if got := api.Environment["LOG_LEVEL"]; got != nil {
		t.Errorf("LOG_LEVEL = %q in the container though .env does not set it; want the program's default", *got)
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var instructions []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.ToLower(line), "# syntax=") {
			t.Errorf("%q pulls a frontend image at build time", line)
		}
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			instructions = append(instructions, strings.ToUpper(f[0]))
		}
	}
	if slices.Contains(instructions, "VOLUME") {
		t.Error("the Dockerfile declares a VOLUME: every container without a mount there leaves an anonymous volume")
	}
	if !slices.Contains(instructions, "HEALTHCHECK") {
		t.Error("the Dockerfile has no HEALTHCHECK")
	}
	ignore, err := os.ReadFile("../../deploy/Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(ignore), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	// Everything is excluded first, then only the sources are let in.
	if len(patterns) == 0 || patterns[0] != "*" {
		t.Fatalf("Dockerfile.dockerignore starts with %q, want \"*\" and then the sources allowed in", patterns)
	}
	allowed := []string{"!cmd", "!domain", "!events", "!go.mod", "!go.sum", "!http", "!migrations", "!projections"}
	var got []string
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			got = append(got, p)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, allowed) {
		t.Errorf("Dockerfile.dockerignore lets in %q, want only %q", got, allowed)
	}
}

// TestSettingsAreDocumented holds .env.example and the README's
// configuration table to the settings list.
func TestSettingsAreDocumented(t *testing.T) {
	example, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := configurationTable(t, string(readme))
	for _, s := range settings {
		if !regexp.MustCompile(`(?m)^(# )?` + s.name + `=`).Match(example) {
			t.Errorf(".env.example does not list %s", s.name)
		}
		want := []string{"`" + s.name + "`", shownDefault(s), s.help}
		if got, ok := rows[s.name]; !ok {
			t.Errorf("the README's configuration table has no row for %s; want | %s |", s.name, strings.Join(want, " | "))
		} else if !slices.Equal(got, want) {
			t.Errorf("README row of %s:\n got  | %s |\n want | %s |", s.name, strings.Join(got, " | "), strings.Join(want, " | "))
		}
		delete(rows, s.name)
	}
	for name := range rows {
		t.Errorf("the README's configuration table has %s, which is no setting", name)
	}
	// An empty assignment reads as "set" to Compose and to tools that
	// check for the name, and as an empty secret to the program.
	if m := regexp.MustCompile(`(?m)^[A-Z_]+=\s*$`).FindAll(example, -1); len(m) > 0 {
		t.Errorf(".env.example assigns empty values %q; comment them out", m)
	}
}

// shownDefault is a setting's default as the README shows it.
func shownDefault(s setting) string {
	switch {
	case s.shown != "":
		return s.shown
	case s.def != "":
		return "`" + s.def + "`"
	}
	return ""
}

// configurationTable returns the cells of each row of the README's
// configuration table, by variable name.
func configurationTable(t *testing.T, readme string) map[string][]string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## Configuration\n")
	if !ok {
		t.Fatal("the README has no Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[strings.Trim(cells[0], "`")] = cells
	}
	if len(rows) == 0 {
		t.Fatal("the README's Configuration section has no table rows")
	}
	return rows
}
