package supabasetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

// copyBufferSize is how much of a body the server reads at a time.
const copyBufferSize = 32 << 10

func (s *Server) handleGetBucket(w http.ResponseWriter, r request) {
	if !s.bucketVisible(w, r) {
		return
	}
	s.mu.Lock()
	var limit any // JSON null when there is none
	if s.sizeLimit > 0 {
		limit = s.sizeLimit
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"id": s.bucket, "name": s.bucket, "owner": "", "public": false,
		"file_size_limit": limit, "allowed_mime_types": nil,
		"created_at": "2026-11-01T00:00:00.000Z", "updated_at": "2026-11-01T00:00:00.000Z",
	})
}

func (s *Server) handleUpload(w http.ResponseWriter, r request) {
	s.noteUpload(r.Request)
	if !s.bucketVisible(w, r) {
		return
	}
	key := r.PathValue("path")
	if !r.privileged() {
		s.drain(r.Request)
		s.fail(w, http.StatusForbidden, "AccessDenied", "new row violates row-level security policy")
		return
	}
	upsert := r.Method == http.MethodPut || r.Header.Get("x-upsert") == "true"
	if status, code, message := s.refuseUpload(key, upsert, r.ContentLength); status != 0 {
		s.drain(r.Request)
		s.fail(w, status, code, message)
		return
	}
	s.mu.Lock()
	s.admitted++
	s.mu.Unlock()
	obj, err := s.receive(r.Request)
	if err != nil {
		// The body broke off (or the disk failed): like the real server,
		// keep nothing. A client that aborted never reads this answer.
		s.fail(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	// The real server checks x-upsert before the upload and upserts at
	// the end: the last of two racing uploads wins.
	s.mu.Lock()
	if old, ok := s.objects[key]; ok {
		_ = os.Remove(old.file) // readers holding it open still read it whole
	}
	s.objects[key] = obj
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"Key": s.bucket + "/" + key, "Id": obj.id})
}

func (s *Server) noteUpload(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploads = append(s.uploads, Upload{ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding})
}

// refuseUpload returns the failure to send before an upload's body is
// stored, if any: an existing key without upsert, or a declared length over
// the bucket's limit.
func (s *Server) refuseUpload(key string, upsert bool, contentLength int64) (status int, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key == "" {
		return http.StatusBadRequest, "InvalidKey", "Invalid key: empty"
	}
	if _, exists := s.objects[key]; exists && !upsert {
		return http.StatusConflict, "KeyAlreadyExists", "The resource already exists"
	}
	if s.sizeLimit > 0 && contentLength > s.sizeLimit {
		return http.StatusRequestEntityTooLarge, "EntityTooLarge", "The object exceeded the maximum allowed size"
	}
	return 0, "", ""
}

// receive streams the body into a new file, hashing it on the way.
func (s *Server) receive(r *http.Request) (stored, error) {
	f, err := os.CreateTemp(s.dir, "object-*")
	if err != nil {
		return stored{}, fmt.Errorf("create object file: %w", err)
	}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(f, h), r.Body, make([]byte, copyBufferSize))
	s.noteBody(n)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return stored{}, fmt.Errorf("receive body: %w", err)
	}
	obj := Object{ContentType: r.Header.Get("Content-Type"), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	return stored{Object: obj, file: f.Name(), id: randomText(), modified: time.Now().UTC()}, nil
}

func (s *Server) handleDownload(w http.ResponseWriter, r request) {
	if !s.bucketVisible(w, r) {
		return
	}
	obj, ok := s.lookup(r.PathValue("path"))
	var f *os.File
	var err error
	if ok && r.privileged() {
		f, err = os.Open(obj.file) // fails when removed since the lookup
	}
	if !ok || !r.privileged() || err != nil {
		s.fail(w, http.StatusNotFound, "NoSuchKey", "Object not found")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", obj.ContentType)
	// The real server serves ranges (206) as any static file server does.
	http.ServeContent(w, r.Request, "", time.Time{}, f)
}

func (s *Server) handleRemove(w http.ResponseWriter, r request) {
	var req struct {
		Prefixes []string `json:"prefixes"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Prefixes) == 0 {
		s.fail(w, http.StatusBadRequest, "InvalidRequest", "body must have a non-empty prefixes array")
		return
	}
	// A missing bucket, or rows an anon key may not see, delete nothing:
	// the real server answers 200 and an empty list.
	removed := []removedObject{}
	if r.PathValue("bucket") == s.bucket && r.privileged() {
		removed = s.remove(req.Prefixes)
	}
	writeJSON(w, http.StatusOK, removed)
}

// removedObject is one entry of the answer to a remove: the objects it
// deleted; names it did not find are left out.
type removedObject struct {
	Name     string `json:"name"`
	BucketID string `json:"bucket_id"`
}

func (s *Server) remove(keys []string) []removedObject {
	s.mu.Lock()
	defer s.mu.Unlock()
	removed := []removedObject{}
	for _, key := range keys {
		obj, ok := s.objects[key]
		if !ok {
			continue
		}
		delete(s.objects, key)
		_ = os.Remove(obj.file) // an open download still reads it whole
		removed = append(removed, removedObject{Name: key, BucketID: s.bucket})
	}
	return removed
}

// listRequest is the body of POST /object/list/{bucket}.
type listRequest struct {
	Prefix string `json:"prefix"`
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Search string `json:"search"`
	SortBy struct {
		Column string `json:"column"`
		Order  string `json:"order"`
	} `json:"sortBy"`
}

// listEntry is a file or, with every field but the name null, a folder.
type listEntry struct {
	Name      string         `json:"name"`
	ID        *string        `json:"id"`
	UpdatedAt *string        `json:"updated_at"`
	CreatedAt *string        `json:"created_at"`
	Metadata  map[string]any `json:"metadata"`
}

// handleList lists one folder level, folders and files together by name,
// as the real server does: prefix names the folder, search keeps names
// starting with it (case-insensitively), limit and offset page.
func (s *Server) handleList(w http.ResponseWriter, r request) {
	var req listRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.fail(w, http.StatusBadRequest, "InvalidRequest", "body must be a JSON object")
		return
	}
	if req.Limit <= 0 {
		req.Limit = 100
	}
	entries := []listEntry{}
	if r.PathValue("bucket") == s.bucket && r.privileged() {
		entries = s.level(strings.Trim(req.Prefix, "/"), strings.ToLower(req.Search))
	}
	if req.SortBy.Order == "desc" {
		slices.Reverse(entries)
	}
	entries = entries[min(req.Offset, len(entries)):]
	writeJSON(w, http.StatusOK, entries[:min(req.Limit, len(entries))])
}

// level returns the folders and files directly under folder.
func (s *Server) level(folder, search string) []listEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	byName := map[string]listEntry{}
	for key, obj := range s.objects {
		rest := key
		if folder != "" {
			var ok bool
			if rest, ok = strings.CutPrefix(key, folder+"/"); !ok {
				continue
			}
		}
		name, _, isFolder := strings.Cut(rest, "/")
		if !strings.HasPrefix(strings.ToLower(name), search) {
			continue
		}
		if isFolder {
			byName[name] = listEntry{Name: name}
			continue
		}
		byName[name] = fileEntry(name, obj)
	}
	entries := make([]listEntry, 0, len(byName))
	for _, e := range byName {
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b listEntry) int { return strings.Compare(a.Name, b.Name) })
	return entries
}

func fileEntry(name string, obj stored) listEntry {
	at := obj.modified.Format("2006-01-02T15:04:05.000Z")
	id := obj.id
	return listEntry{Name: name, ID: &id, UpdatedAt: &at, CreatedAt: &at, Metadata: map[string]any{
		"eTag": `"` + obj.SHA256[:32] + `"`, "size": obj.Size, "mimetype": obj.ContentType,
		"cacheControl": "max-age=3600", "lastModified": at, "contentLength": obj.Size, "httpStatusCode": 200,
	}}
}

// bucketVisible answers NoSuchBucket for a bucket that does not exist or
// that row-level security hides from the caller.
func (s *Server) bucketVisible(w http.ResponseWriter, r request) bool {
	if r.PathValue("bucket") == s.bucket && (r.privileged() || r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/bucket/")) {
		return true
	}
	s.drain(r.Request)
	s.fail(w, http.StatusNotFound, "NoSuchBucket", "Bucket not found")
	return false
}
