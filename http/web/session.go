package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/logproc/logproc/domain"
	lphttp "github.com/logproc/logproc/http"
)

// The session is the token itself, kept in an HttpOnly cookie: the server
// keeps no session state, every request verifies the token as the API does,
// and the cookie expires with the token.
const (
	// sessionCookie is the API's name for it: the queue UI reads it too.
	sessionCookie = lphttp.SessionCookie
	// signinCookie holds a random value that the sign-in form echoes, so
	// that another site cannot sign a browser in with its own token.
	signinCookie = "logproc_signin"
	// CSRFHeader carries the CSRF token of a page script's request.
	CSRFHeader = "X-CSRF-Token"
	csrfField  = "csrf"
)

// caller is the signed-in user of a page request.
type caller struct {
	lphttp.Claims
	Token   string
	Expires time.Time
}

// CSRF is the token the caller's forms and scripts must send back.
func (c caller) CSRF() string { return csrfToken(c.Token) }

type callerKey struct{}

func callerFrom(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// ownerScope is whose jobs the caller reads: their own, or everyone's for
// an admin.
func (c caller) ownerScope() string {
	if c.IsAdmin() {
		return domain.AllOwners
	}
	return c.Subject
}

// csrfToken derives a CSRF token from a session token: a MAC keyed by the
// session, which only a page served to that session can know (the cookie is
// HttpOnly). It needs no server-side key, so every serve process agrees.
func csrfToken(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("logproc csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func validCSRF(session, got string) bool {
	return session != "" && got != "" && hmac.Equal([]byte(csrfToken(session)), []byte(got))
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead
}

// requireSignIn lets a request through with its caller, or sends the
// browser to the sign-in page.
func (u *UI) requireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			u.toSignIn(w, r, "")
			return
		}
		claims, exp, err := u.cfg.Auth.Authenticate(r.Context(), ck.Value)
		if domain.ErrorCode(err) == domain.EUNAVAILABLE { // the token may well be good: keep it
			u.failErr(w, r, err)
			return
		}
		if err != nil {
			clearCookie(w, r, sessionCookie)
			u.toSignIn(w, r, "expired")
			return
		}
		c := caller{Claims: claims, Token: ck.Value, Expires: exp}
		if !safeMethod(r.Method) && !validCSRF(c.Token, csrfOf(r)) {
			u.fail(w, r, http.StatusForbidden, "This form has expired. Go back, reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

// csrfOf reads a request's CSRF token: the header a script sends, else the
// query (a multipart form cannot be read ahead of its file), else the form.
func csrfOf(r *http.Request) string {
	if v := r.Header.Get(CSRFHeader); v != "" {
		return v
	}
	if v := r.URL.Query().Get(csrfField); v != "" {
		return v
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return r.PostFormValue(csrfField)
	}
	return ""
}

func (u *UI) toSignIn(w http.ResponseWriter, r *http.Request, reason string) {
	if strings.HasPrefix(r.URL.Path, apiReads) {
		writeJSON(w, http.StatusUnauthorized, map[string]map[string]string{
			"error": {"code": domain.EUNAUTHORIZED, "message": "sign in again: the session has ended"}})
		return
	}
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if reason != "" {
		q.Set("reason", reason)
	}
	target := "/signin"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// signInPage is the sign-in form.
type signInPage struct {
	page
	Next    string
	Message string
}

// signInMessages are the reasons a browser is sent to sign in, in words.
var signInMessages = map[string]string{
	"expired":   "Your session has ended (the token expired or is no longer accepted). Sign in again.",
	"signedout": "You are signed out.",
}

func (u *UI) handleSignInPage(w http.ResponseWriter, r *http.Request) {
	u.renderSignIn(w, r, http.StatusOK, localPath(r.URL.Query().Get("next")),
		signInMessages[r.URL.Query().Get("reason")])
}

func (u *UI) renderSignIn(w http.ResponseWriter, r *http.Request, status int, next, msg string) {
	nonce := randomToken()
	setCookie(w, r, signinCookie, nonce, time.Now().Add(time.Hour))
	p := signInPage{page: page{Title: "Sign in", CSRF: nonce}, Next: next, Message: msg}
	u.render(w, r, status, "signin", &p)
}

// maxTokenBytes bounds a pasted token; a cookie holds about 4 KB.
const maxTokenBytes = 3800

func (u *UI) handleSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	next := localPath(r.PostFormValue("next"))
	ck, err := r.Cookie(signinCookie)
	if err != nil || ck.Value == "" || !hmac.Equal([]byte(ck.Value), []byte(r.PostFormValue(csrfField))) {
		u.renderSignIn(w, r, http.StatusForbidden, next, "This form has expired. Paste your token again.")
		return
	}
	token := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("token")), "Bearer "))
	if token == "" || len(token) > maxTokenBytes {
		u.renderSignIn(w, r, http.StatusBadRequest, next, "Paste a token: the JWT you send to the API as \"Authorization: Bearer ...\".")
		return
	}
	_, exp, err := u.cfg.Auth.Authenticate(r.Context(), token)
	if domain.ErrorCode(err) == domain.EUNAVAILABLE {
		u.renderSignIn(w, r, http.StatusServiceUnavailable, next, "Tokens cannot be checked right now ("+
			domain.ErrorMessage(err)+"). Try again in a minute.")
		return
	}
	if err != nil {
		u.renderSignIn(w, r, http.StatusUnauthorized, next, "That token was refused: "+domain.ErrorMessage(err)+".")
		return
	}
	clearCookie(w, r, signinCookie)
	setCookie(w, r, sessionCookie, token, exp)
	if next == "" {
		next = "/jobs"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) handleSignOut(w http.ResponseWriter, r *http.Request) {
	clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/signin?reason=signedout", http.StatusSeeOther)
}

// setCookie sets an HttpOnly, SameSite=Strict cookie for the whole site,
// Secure when the page came over TLS, expiring at exp.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, exp time.Time) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", Expires: exp,
		MaxAge: max(1, int(time.Until(exp).Seconds())), HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
}

// overTLS reports whether the browser reached us over TLS, directly or
// through a proxy that says so. Believing the header can only add Secure,
// which costs a plain-HTTP client its cookie and nothing else.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
}

// localPath keeps a return path only when it stays on this site.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return ""
	}
	return p
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
