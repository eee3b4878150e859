// Package apitest checks HTTP responses against the API's OpenAPI document,
// for the tests of every package that talks to the API: a response that
// does not match its route's documented status, headers and body schema
// fails the request that received it. kin-openapi's ValidateResponse checks
// the headers: one the document marks required must be sent, and match its
// schema. It skips HEAD requests, whose answers have no body.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	lphttp "github.com/logproc/logproc/http"
)

// Validator checks responses against the document.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	once      sync.Once
	shared    *Validator
	sharedErr error
)

// New returns the validator of the API's document, loaded and checked once
// per test binary.
func New() (*Validator, error) {
	once.Do(func() { shared, sharedErr = load() })
	return shared, sharedErr
}

func load() (*Validator, error) {
	// Pages and the document itself are text: their schema is a string.
	for _, ct := range []string{"text/html", "application/yaml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	doc, err := openapi3.NewLoader().LoadFromData(lphttp.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	// The document's server is "/", for any host: routes match on the path.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// Check validates one response to req: its status, its headers (those the
// document marks required must be there) and its body. A path the document
// does not list must have been answered as its NotFound response, a method
// a listed path does not take as its MethodNotAllowed response; paths under
// /admin/queues/ are asynqmon's own and pass.
func (v *Validator) Check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.router.FindRoute(req)
	switch {
	case strings.HasPrefix(req.URL.Path, "/admin/queues/"):
		return nil
	case isRouteError(err, routers.ErrMethodNotAllowed):
		route, err = v.unlisted("MethodNotAllowed", http.StatusMethodNotAllowed)
	case err != nil:
		route, err = v.unlisted("NotFound", http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: isStream(header),
			MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fmt.Errorf("%s %s answered %d, which does not match the API's contract: %w",
			req.Method, req.URL.Path, status, err)
	}
	return nil
}

// unlisted is a route whose one response is the document's response name
// with status: what a path or method the document does not list answers.
func (v *Validator) unlisted(name string, status int) (*routers.Route, error) {
	ref := v.doc.Components.Responses[name]
	if ref == nil {
		return nil, fmt.Errorf("no response %q in the API's contract", name)
	}
	op := &openapi3.Operation{Responses: openapi3.NewResponses(openapi3.WithStatus(status, ref))}
	return &routers.Route{Spec: v.doc, Operation: op}, nil
}

// CheckSchema validates a JSON value against a schema of the document's
// components.
func (v *Validator) CheckSchema(name string, body []byte) error {
	ref := v.doc.Components.Schemas[name]
	if ref == nil {
		return fmt.Errorf("no schema %q in the API's contract", name)
	}
	value, err := decode(body)
	if err != nil {
		return fmt.Errorf("%s: %w: %q", name, err, body)
	}
	if err := ref.Value.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("does not match the API's %s schema: %w: %s", name, err, body)
	}
	return nil
}

func isRouteError(err, reason error) bool {
	var re *routers.RouteError
	return errors.As(err, &re) && re.Reason == reason.Error()
}

func isStream(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "text/event-stream"
}

// Transport is an http.RoundTripper that checks every response it carries.
type Transport struct {
	Base      http.RoundTripper
	Validator *Validator
}

// Client returns a client whose every response is checked.
func Client() (*http.Client, error) {
	v, err := New()
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: &Transport{Base: http.DefaultTransport, Validator: v}}, nil
}

// RoundTrip implements http.RoundTripper. A response that breaks the
// contract is an error of the request; a stream's status and headers are
// checked, its events are the test's to check (CheckSchema "Progress").
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Base.RoundTrip(req)
	if err != nil || isStream(resp.Header) {
		if err == nil {
			err = t.Validator.Check(req, resp.StatusCode, resp.Header, nil)
		}
		if err != nil && resp != nil {
			resp.Body.Close()
			return nil, err
		}
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := t.Validator.Check(req, resp.StatusCode, resp.Header, body); err != nil {
		return nil, err
	}
	return resp, nil
}

func decode(body []byte) (any, error) {
	var v any
	dec := jsonDecoder(body)
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON")
	}
	return v, nil
}

func jsonDecoder(body []byte) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return dec
}
