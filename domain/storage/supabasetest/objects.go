package supabasetest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
)

// copyBufferSize is how much of a body the server reads at a time.
const copyBufferSize = 32 << 10

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	if !s.bucketExists(w, r) {
		return
	}
	key := r.PathValue("path")
	if key == "" {
		s.drain(r)
		s.fail(w, http.StatusBadRequest, "InvalidKey", "Invalid key: empty")
		return
	}
	obj, err := s.receive(r)
	if err != nil {
		// The body broke off (or the disk failed): like Supabase, keep
		// nothing. A client that aborted never reads this answer.
		s.fail(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	if status, name, message := s.admit(key, obj, r); status != 0 {
		_ = os.Remove(obj.file) // t.TempDir() goes at the end anyway
		s.fail(w, status, name, message)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"Key": s.bucket + "/" + key, "Id": rand.Text()})
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
	obj := Object{
		ContentType: r.Header.Get("Content-Type"),
		Size:        n,
		SHA256:      hex.EncodeToString(h.Sum(nil)),
	}
	return stored{Object: obj, file: f.Name()}, nil
}

// admit stores obj under key unless the size limit or an existing object
// forbids it, in which case it returns the failure to send.
func (s *Server) admit(key string, obj stored, r *http.Request) (status int, name, message string) {
	upsert := r.Method == http.MethodPut || r.Header.Get("x-upsert") == "true"
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sizeLimit > 0 && obj.Size > s.sizeLimit {
		return http.StatusRequestEntityTooLarge, "Payload too large", "The object exceeded the maximum allowed size"
	}
	old, exists := s.objects[key]
	if exists && !upsert {
		return http.StatusConflict, "Duplicate", "The resource already exists"
	}
	if exists {
		_ = os.Remove(old.file) // readers holding it open still read it whole
	}
	s.objects[key] = obj
	return 0, "", ""
}

func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	if !s.bucketExists(w, r) {
		return
	}
	obj, ok := s.lookup(r.PathValue("path"))
	if !ok {
		s.fail(w, http.StatusNotFound, "not_found", "Object not found")
		return
	}
	f, err := os.Open(obj.file)
	if err != nil { // removed since the lookup
		s.fail(w, http.StatusNotFound, "not_found", "Object not found")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", obj.ContentType)
	w.Header().Set("Content-Length", fmt.Sprint(obj.Size))
	_, _ = io.Copy(w, f) // the client may stop reading; nothing to do
}

func (s *Server) handleRemove(w http.ResponseWriter, r *http.Request) {
	if !s.bucketExists(w, r) {
		return
	}
	var req struct {
		Prefixes []string `json:"prefixes"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Prefixes) == 0 {
		s.fail(w, http.StatusBadRequest, "invalid_request", "body must have a non-empty prefixes array")
		return
	}
	writeJSON(w, http.StatusOK, s.remove(req.Prefixes))
}

// removedObject is one entry of the answer to a remove: Supabase lists the
// objects it deleted and leaves out names it did not find.
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

func (s *Server) bucketExists(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("bucket") == s.bucket {
		return true
	}
	s.drain(r)
	s.fail(w, http.StatusNotFound, "Bucket not found", "Bucket not found")
	return false
}
