package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// A user who types another user's job id into the address gets the page
// of a job that does not exist, as the API answers 404.
func TestPagesHideOtherUsersJobs(t *testing.T) {
	a := startTestApp(t, nil)
	alice, bob := a.token("alice", ""), a.token("bob", "")
	id := a.upload(alice, "app.log", fixtureLog())
	a.waitFinished(id, alice)
	var body map[string]any
	if status := a.getJSON("/api/stats/"+id, bob, &body); status != http.StatusNotFound {
		t.Fatalf("bob GET /api/stats/%s = %d %v, want 404", id, status, body)
	}
	// The pages are the web interface's HTML, which the API's document does
	// not describe (apitest would take them for unlisted routes, which must
	// answer a JSON 404), so they are fetched with a plain client; the
	// API's answer above went through the contract.
	for _, path := range []string{"/jobs/" + id, "/jobs/" + id + "/history", "/jobs/" + id + "/rows?format=csv"} {
		req, _ := http.NewRequest("GET", a.url+path, nil)
		req.AddCookie(&http.Cookie{Name: "logproc_session", Value: bob})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "no such job") {
			t.Errorf("bob GET %s = %d, want 404 not found", path, resp.StatusCode)
		}
		if strings.Contains(string(body), "app.log") {
			t.Errorf("bob GET %s shows alice's file name", path)
		}
	}
}
