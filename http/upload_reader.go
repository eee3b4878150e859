package http

import (
	"bufio"
	"errors"
	"io"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/analysis"
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

// sniff refuses a file whose first bytes show the analysis cannot read it:
// binary data, an archive, an image, UTF-16. Gzip is welcome.
func (u *uploadReader) sniff() error {
	u.br = bufio.NewReaderSize(u.r, sniffBytes)
	head, err := u.br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		u.err = err
		return bodyError(err, u.max)
	}
	var refused *analysis.InputError
	if errors.As(analysis.Sniff(head), &refused) {
		return domain.Errorf(domain.EUNSUPPORTED, "%s", refused.Reason)
	}
	return nil
}
