package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"

	storage_go "github.com/supabase-community/storage-go"

	"github.com/logproc/logproc/domain"
)

// listPageSize is how many entries one list request asks for.
const listPageSize = 1000

// sizeOf reads an object's size from the metadata the list answers with.
func sizeOf(metadata any) int64 {
	m, _ := metadata.(map[string]any)
	size, _ := m["size"].(float64)
	return int64(size)
}

// List yields the objects whose keys start with prefix. The Storage API
// lists one folder level at a time, a page of entries a request: List
// starts at the prefix's folder, asks for names starting with the rest of
// the prefix, and goes down into each folder that can hold such keys, so
// it holds at most one page per folder level.
func (s *Supabase) List(ctx context.Context, prefix string) iter.Seq2[domain.BlobInfo, error] {
	return func(yield func(domain.BlobInfo, error) bool) {
		folder, search := "", prefix
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			folder, search = prefix[:i], prefix[i+1:]
		}
		if _, err := s.listFolder(ctx, folder, search, prefix, yield); err != nil {
			yield(domain.BlobInfo{}, fmt.Errorf("list blobs %q: %w", prefix, err))
		}
	}
}

// listFolder yields the objects under folder whose names start with search
// and whose keys start with prefix, going down into subfolders. It returns
// false when the consumer stopped.
func (s *Supabase) listFolder(ctx context.Context, folder, search, prefix string, yield func(domain.BlobInfo, error) bool) (bool, error) {
	for offset := 0; ; offset += s.pageSize {
		page, err := s.listPage(ctx, folder, search, offset)
		if err != nil {
			return false, err
		}
		for _, e := range page {
			key := e.Name
			if folder != "" {
				key = folder + "/" + e.Name
			}
			if e.Id == "" { // a folder: its id is null
				if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
					continue // the server's search ignores case; keys do not
				}
				if more, err := s.listFolder(ctx, key, "", prefix, yield); !more || err != nil {
					return more, err
				}
				continue
			}
			if !strings.HasPrefix(key, prefix) || ValidateKey(key) != nil {
				continue
			}
			modified, _ := time.Parse(time.RFC3339Nano, e.UpdatedAt)
			if !yield(domain.BlobInfo{Key: key, Size: sizeOf(e.Metadata), Modified: modified}, nil) {
				return false, nil
			}
		}
		if len(page) < s.pageSize {
			return true, nil
		}
	}
}

// listPage asks for one page of a folder's entries, by name, as
// storage-go's FileObject. The request is made with net/http, not with
// storage-go's ListFiles: that cannot send a search, and its failures could
// not be told apart (see supabase_client.go).
func (s *Supabase) listPage(ctx context.Context, folder, search string, offset int) ([]storage_go.FileObject, error) {
	body := map[string]any{
		"prefix": folder, "search": search, "limit": s.pageSize, "offset": offset,
		"sortBy": storage_go.SortBy{Column: "name", Order: "asc"},
	}
	req, err := s.newRequest(ctx, http.MethodPost, s.api+"/object/list/"+url.PathEscape(s.bucket), body)
	if err != nil {
		return nil, err
	}
	resp, err := s.do(req)
	if err != nil {
		return nil, err
	}
	defer drainClose(resp)
	var page []storage_go.FileObject
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&page); err != nil {
		return nil, domain.Wrap(err, domain.EUNAVAILABLE, "blob storage sent an unreadable listing")
	}
	return page, nil
}
