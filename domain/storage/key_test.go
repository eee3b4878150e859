package storage_test

import (
	"strings"
	"testing"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
)

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key  string
		want string // error code, "" for valid
	}{
		{"jobs/2026/11/27/0b6f6f6e-3c39-4bde-9e55-1fc2c0e7d0d5", ""},
		{"a", ""},
		{"A-Z_0.9/x.log", ""},
		{strings.Repeat("a", 255), ""},
		{strings.Repeat("a/", 511) + "ab", ""}, // 1024 bytes
		{"", domain.EINVALID},
		{strings.Repeat("a/", 511) + "abc", domain.EINVALID}, // 1025 bytes
		{strings.Repeat("a", 256), domain.EINVALID},
		{"/a", domain.EINVALID},
		{"a/", domain.EINVALID},
		{"a//b", domain.EINVALID},
		{"a/../b", domain.EINVALID},
		{"a/./b", domain.EINVALID},
		{".tmp/x", domain.EINVALID},
		{"a/b c", domain.EINVALID},
		{"a/b+c", domain.EINVALID},
		{"a/é", domain.EINVALID},
	}
	for _, tt := range tests {
		if got := domain.ErrorCode(storage.ValidateKey(tt.key)); got != tt.want {
			t.Errorf("ValidateKey(%.30q) code = %q, want %q", tt.key, got, tt.want)
		}
	}
}
