package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/domain"
	lphttp "github.com/logproc/logproc/http"
)

// signInForm opens the sign-in page and returns its nonce cookie.
func (f *fixture) signInForm() *http.Cookie {
	f.t.Helper()
	resp, _ := f.get("/signin", "")
	for _, c := range resp.Cookies() {
		if c.Name == signinCookie {
			return c
		}
	}
	f.t.Fatal("the sign-in page set no nonce cookie")
	return nil
}

func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

func TestSignInKeepsTheTokenInAStrictHttpOnlyCookie(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	for _, tls := range []bool{false, true} {
		nonce := f.signInForm()
		form := url.Values{"token": {"Bearer " + tok}, "csrf": {nonce.Value}, "next": {"/overview"}}
		req, _ := http.NewRequest("POST", f.server.URL+"/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tls {
			req.Header.Set("X-Forwarded-Proto", "https")
		}
		req.AddCookie(nonce)
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		c := sessionCookieOf(resp)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/overview" || c == nil {
			t.Fatalf("sign-in = %d to %q, cookie %v", resp.StatusCode, resp.Header.Get("Location"), c)
		}
		if c.Value != tok || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure != tls {
			t.Errorf("cookie over TLS=%v: %+v", tls, c)
		}
		if d := time.Until(c.Expires); d < 59*time.Minute || d > time.Hour+time.Second {
			t.Errorf("cookie expires in %v, want with the token in an hour", d)
		}
	}
}

func TestSignInRefusesWhatTheAPIRefuses(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, token string
		nonce       bool
		status      int
		says        string
	}{
		{"no nonce", f.token("alice", "", time.Hour), false, http.StatusForbidden, "form has expired"},
		{"expired", f.token("alice", "", -time.Hour), true, http.StatusUnauthorized, "token has expired"},
		{"forged", f.token("alice", "", time.Hour) + "x", true, http.StatusUnauthorized, "was refused"},
		{"empty", "", true, http.StatusBadRequest, "Paste a token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nonce := f.signInForm()
			form := url.Values{"token": {c.token}, "csrf": {nonce.Value}}
			var cookies []*http.Cookie
			if c.nonce {
				cookies = append(cookies, nonce)
			}
			req, _ := http.NewRequest("POST", f.server.URL+"/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			resp, err := f.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.Contains(string(body), c.says) || sessionCookieOf(resp) != nil {
				t.Errorf("= %d, session cookie %v, page says %q; want %d saying %q", resp.StatusCode,
					sessionCookieOf(resp), between(string(body), `role="alert">`, "<"), c.status, c.says)
			}
		})
	}
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	out, _, _ := strings.Cut(rest, to)
	return out
}

func TestPagesSendStrangersToSignIn(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.get("/jobs?cursor=x", "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Fjobs%3Fcursor%3Dx" {
		t.Errorf("no cookie: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = f.get("/jobs", f.token("alice", "", -time.Hour))
	c := sessionCookieOf(resp)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "reason=expired") ||
		c == nil || c.MaxAge >= 0 {
		t.Errorf("expired cookie: %d to %q, cookie %+v", resp.StatusCode, resp.Header.Get("Location"), c)
	}
	if resp.Header.Get("Content-Security-Policy") != contentSecurityPolicy {
		t.Errorf("CSP = %q", resp.Header.Get("Content-Security-Policy"))
	}
}

func TestSignOutNeedsTheFormsToken(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	if resp := f.postForm("/signout", tok, url.Values{}); resp.StatusCode != http.StatusForbidden || sessionCookieOf(resp) != nil {
		t.Errorf("sign-out without the CSRF token = %d, cookie %v", resp.StatusCode, sessionCookieOf(resp))
	}
	if resp := f.postForm("/signout", tok, url.Values{"csrf": {csrfToken(f.token("mallory", "", time.Hour))}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with another session's CSRF token = %d", resp.StatusCode)
	}
	resp := f.postForm("/signout", tok, url.Values{"csrf": {csrfToken(tok)}})
	if c := sessionCookieOf(resp); resp.StatusCode != http.StatusSeeOther || c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("sign-out = %d, cookie %+v", resp.StatusCode, c)
	}
}

func TestPagesReadTheAPIThroughTheirOwnWindow(t *testing.T) {
	f := newFixture(t)
	alice := f.token("alice", "", time.Hour)
	id := f.uploadAndRun(alice, "app.log", hostileLog())
	if resp, _ := f.get("/api/jobs", alice); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/jobs with the cookie alone = %d, want 401: the API takes the header alone", resp.StatusCode)
	}
	resp, body := f.get("/ui/api/stats/"+id.String(), alice)
	_, direct := f.do("GET", "/api/stats/"+id.String(), "", nil, map[string]string{"Authorization": "Bearer " + alice})
	if resp.StatusCode != http.StatusOK || body != direct || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET /ui/api/stats/{id} = %d %s\nwant the API's\n%s", resp.StatusCode, body, direct)
	}
	for _, c := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/ui/api/stats/" + id.String(), f.token("bob", "", time.Hour), http.StatusNotFound},
		{"GET", "/ui/api/jobs", f.token("alice", "", -time.Hour), http.StatusUnauthorized},
		{"GET", "/ui/api/jobs", "", http.StatusUnauthorized},
		{"POST", "/ui/api/upload-logs?filename=a.log", alice, http.StatusMethodNotAllowed},
	} {
		resp, body := f.do(c.method, c.path, c.token, strings.NewReader("x\n"), map[string]string{CSRFHeader: csrfToken(c.token)})
		if resp.StatusCode != c.status || !strings.Contains(body, `"error"`) {
			t.Errorf("%s %s = %d %s, want %d with a JSON error", c.method, c.path, resp.StatusCode, body, c.status)
		}
	}
}

func TestPagesWindowStaysOnTheAPI(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.get("/ui/api/%2e%2e/overview", f.token("alice", "", time.Hour))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /ui/api/../overview = %d, want 404", resp.StatusCode)
	}
}

func TestLocalPathKeepsOnlyThisSite(t *testing.T) {
	for in, want := range map[string]string{"/jobs/1": "/jobs/1", "//evil.example/": "", "https://evil.example": "",
		`/\evil.example`: "", "jobs": ""} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// downAuth cannot check any token, as when the key set cannot be fetched.
type downAuth struct{}

func (downAuth) Authenticate(context.Context, string) (lphttp.Claims, time.Time, error) {
	return lphttp.Claims{}, time.Time{}, domain.Errorf(domain.EUNAVAILABLE, "the JWKS cannot be fetched")
}

func TestASessionOutlivesAnUncheckableMoment(t *testing.T) {
	f := newFixture(t)
	f.ui.cfg.Auth = downAuth{}
	resp, body := f.get("/jobs", f.token("alice", "", time.Hour))
	if resp.StatusCode != http.StatusServiceUnavailable || sessionCookieOf(resp) != nil || !strings.Contains(body, "not answering") {
		t.Errorf("with tokens uncheckable: %d, cookie %v", resp.StatusCode, sessionCookieOf(resp))
	}
}
