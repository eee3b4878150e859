package http

import (
	"bufio"
	"bytes"
	"io"

	"github.com/logproc/logproc/domain"
)

// sniffBytes is how much of a file is looked at before it is accepted.
const sniffBytes = 8 << 10

// uploadReader reads an uploaded file for the blob store: it fails with
// domain.ErrTooLarge past max bytes and remembers the first error of the
// request body, so a failed store can be told apart from a failed client.
type uploadReader struct {
	r   io.Reader
	br  *bufio.Reader
	max int64
	n   int64
	err error
}

// Read implements io.Reader.
func (u *uploadReader) Read(p []byte) (int, error) {
	if u.br == nil {
		u.br = bufio.NewReaderSize(u.r, sniffBytes)
	}
	n, err := u.br.Read(p)
	u.n += int64(n)
	if u.n > u.max {
		err = domain.ErrTooLarge
	}
	if err != nil && err != io.EOF && u.err == nil {
		u.err = err
	}
	return n, err
}

// sniff refuses a file whose first bytes show it is not a text log: NUL
// bytes, or the magic number of a known binary format. Gzip is welcome.
func (u *uploadReader) sniff() error {
	u.br = bufio.NewReaderSize(u.r, sniffBytes)
	head, err := u.br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		u.err = err
		return bodyError(err, u.max)
	}
	if bytes.HasPrefix(head, []byte{0x1f, 0x8b}) {
		return nil
	}
	for _, m := range binaryMagic {
		if bytes.HasPrefix(head, m.prefix) {
			return domain.Errorf(domain.EUNSUPPORTED, "the file is %s, not a text log; upload plain text or gzip", m.name)
		}
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return domain.Errorf(domain.EUNSUPPORTED, "the file looks binary (it has NUL bytes in its first 8 KiB); upload plain text or gzip")
	}
	return nil
}

var binaryMagic = []struct {
	name   string
	prefix []byte
}{
	{"a ZIP archive", []byte("PK\x03\x04")},
	{"a PDF document", []byte("%PDF-")},
	{"a PNG image", []byte("\x89PNG")},
	{"a JPEG image", []byte{0xff, 0xd8, 0xff}},
	{"a GIF image", []byte("GIF8")},
	{"an ELF executable", []byte("\x7fELF")},
	{"a 7-Zip archive", []byte("7z\xbc\xaf\x27\x1c")},
	{"a zstd stream", []byte{0x28, 0xb5, 0x2f, 0xfd}},
	{"a bzip2 stream", []byte("BZh")},
	{"an xz stream", []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}},
}
