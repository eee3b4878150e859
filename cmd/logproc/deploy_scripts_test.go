package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fakeDocker answers the docker commands the deploy scripts run, as a
// Docker engine with Compose would, and logs each call. There is no
// engine on the build machines; this checks the scripts' own logic.
const fakeDocker = `#!/usr/bin/env bash
echo "$*" >>"$FAKE_DOCKER_LOG"
case "$*" in
"compose version --short") echo "$FAKE_COMPOSE_VERSION" ;;
"info --format {{.ServerVersion}}") echo 27.3.1 ;;
*" run --rm --no-deps -T api check")
  if [[ -n $FAKE_CHECK_FAILS ]]; then echo "logproc: settings: JWT_SECRET must be at least 32 bytes" >&2; exit 1; fi
  echo "settings: ok" ;;
*" port api 8080") echo "0.0.0.0:$FAKE_PORT" ;;
*" exec -T api /logproc healthcheck --print") echo "{\"status\":\"ready\",\"instance\":\"$FAKE_INSTANCE\"}" ;;
esac
`

// scriptTree copies deploy/*.sh into a scratch repository with a fake
// docker first on PATH, so the scripts write .env there, not here.
func scriptTree(t *testing.T) (root string, env []string) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	root = t.TempDir()
	deploy, bin := filepath.Join(root, "deploy"), filepath.Join(root, "bin")
	for _, d := range []string{deploy, bin} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	scripts, _ := filepath.Glob("../../deploy/*.sh")
	for _, s := range scripts {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(deploy, filepath.Base(s)), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(fakeDocker), 0o755); err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "FAKE_DOCKER_LOG="+filepath.Join(root, "docker.log"),
		"FAKE_COMPOSE_VERSION=2.29.1", "WAIT_SECONDS=5")
	return root, env
}

func runScript(t *testing.T, root string, env []string, script string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(root, "deploy", script)}, args...)...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func dockerLog(t *testing.T, root string) string {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(root, "docker.log"))
	return string(data)
}

// readyServer stands for whatever answers on the published port.
func readyServer(t *testing.T, instance string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"status":"ready","checks":{"postgres":"ok"},"instance":%q}`, instance)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u.Port()
}

func TestStartScript(t *testing.T) {
	tests := []struct {
		name      string
		env       []string
		portOwner string // the instance answering on the published port
		wantErr   string
		wantCalls []string // in order
		noCalls   []string
	}{
		{"starts and checks its own container", nil, "abc", "",
			[]string{"compose -f deploy/compose.yaml build", "run --rm --no-deps -T api check", "up -d --remove-orphans --wait", "port api 8080", "exec -T api"}, nil},
		{"another process on the port", nil, "someone-else", "another process than this stack's api container",
			[]string{"up -d"}, nil},
		{"bad settings stop before anything starts", []string{"FAKE_CHECK_FAILS=1"}, "abc", "fix the settings above",
			[]string{"run --rm --no-deps -T api check"}, []string{"up -d"}},
		{"old Compose", []string{"FAKE_COMPOSE_VERSION=v2.17.3"}, "abc", "2.20 or later is needed", nil, []string{"build"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, env := scriptTree(t)
			env = append(env, "FAKE_INSTANCE=abc", "FAKE_PORT="+readyServer(t, tt.portOwner))
			out, err := runScript(t, root, append(env, tt.env...), "start_backendService.sh")
			if tt.wantErr == "" && err != nil {
				t.Fatalf("start: %v\n%s", err, out)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(out, tt.wantErr)) {
				t.Fatalf("start: %v, want a failure saying %q:\n%s", err, tt.wantErr, out)
			}
			calls := dockerLog(t, root)
			at := 0
			for _, c := range tt.wantCalls {
				i := strings.Index(calls[at:], c)
				if i < 0 {
					t.Fatalf("docker calls lack %q after offset %d:\n%s", c, at, calls)
				}
				at += i
			}
			for _, c := range tt.noCalls {
				if strings.Contains(calls, c) {
					t.Errorf("docker was called with %q:\n%s", c, calls)
				}
			}
			if tt.wantErr == "" && !strings.Contains(out, "Log Processor is up: http://127.0.0.1:") {
				t.Errorf("output does not give the URL:\n%s", out)
			}
		})
	}
}

func TestStopScript(t *testing.T) {
	root, env := scriptTree(t)
	if out, err := runScript(t, root, env, "stop_backendService.sh"); err != nil {
		t.Fatalf("stop without .env: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(root, ".env"), []byte("JWT_SECRET=x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runScript(t, root, env, "stop_backendService.sh", "--purge"); err != nil {
		t.Fatalf("stop --purge: %v\n%s", err, out)
	}
	if out, err := runScript(t, root, env, "stop_backendService.sh", "--force"); err == nil || !strings.Contains(out, "usage") {
		t.Errorf("stop --force: %v %q, want the usage", err, out)
	}
	calls := dockerLog(t, root)
	for _, want := range []string{"compose -p logproc down --remove-orphans\n", "compose -f deploy/compose.yaml down --remove-orphans --volumes\n"} {
		if !strings.Contains(calls, want) {
			t.Errorf("docker calls lack %q:\n%s", want, calls)
		}
	}
}

// TestEnvScript holds deploy/env.sh (make env, the start script) to the
// .env traps: an empty JWT_SECRET= is no secret and is filled in place.
func TestEnvScript(t *testing.T) {
	secretLine := regexp.MustCompile(`(?m)^JWT_SECRET=[0-9a-f]{64}$`)
	tests := []struct {
		name, before string
		wrote        bool
	}{
		{"no file", "", true},
		{"empty secret", "LOG_LEVEL=debug\nJWT_SECRET=\nQUEUE=q\n", true},
		{"empty quoted secret", "export JWT_SECRET=\"\"\n", true},
		{"commented secret", "# JWT_SECRET=abc\n", true},
		{"secret set", "JWT_SECRET=" + strings.Repeat("s", 40) + "\n", false},
		{"JWKS only", "JWT_JWKS_URL=https://p.supabase.co/auth/v1/.well-known/jwks.json\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, env := scriptTree(t)
			file := filepath.Join(root, ".env")
			if tt.before != "" {
				if err := os.WriteFile(file, []byte(tt.before), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if out, err := runScript(t, root, env, "env.sh", file); err != nil {
				t.Fatalf("env.sh: %v\n%s", err, out)
			}
			after, _ := os.ReadFile(file)
			if !tt.wrote {
				if string(after) != tt.before {
					t.Errorf(".env changed from %q to %q", tt.before, after)
				}
				return
			}
			if n := len(secretLine.FindAll(after, -1)); n != 1 || strings.Count(string(after), "JWT_SECRET=") != 1+strings.Count(tt.before, "# JWT_SECRET=") {
				t.Errorf(".env after: %q; want one live JWT_SECRET line of 64 hex digits, in place of an empty one", after)
			}
		})
	}
}
