package web

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/analysis"
)

// A job's structured rows are not stored: they are parsed from the stored
// file when asked for, with the job's settings, and streamed. Storing them
// would double what each upload keeps, for a download few people make;
// parsing costs about two readings of the file (Parse mines the templates
// first, then emits), and the result is the same rows as `logproc parse`.
// The bounds: at most maxRows rows per download, and fileWorkers parses
// at once across downloads; a download that finds no free slot is told to
// retry.
const (
	defaultRows = 100_000
	maxRows     = 1_000_000
)

// errEnoughRows stops a parse once the download has its rows.
var errEnoughRows = errors.New("enough rows")

func (u *UI) handleRows(w http.ResponseWriter, r *http.Request) {
	id, err := jobIDParam(r)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	format, limit, err := rowsQuery(r)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	job, err := u.loadJob(r.Context(), id)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	if job.Status != domain.StatusCompleted {
		u.fail(w, r, http.StatusConflict, "The rows can be downloaded once the job has completed.")
		return
	}
	key, err := u.files.blobKey(r.Context(), job)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	if !u.files.tryAcquire() {
		w.Header().Set("Retry-After", "30")
		u.fail(w, r, http.StatusTooManyRequests, "Other files are being parsed right now. Try again in half a minute.")
		return
	}
	defer u.files.release()
	u.streamRows(w, r, job, key, format, limit)
}

// rowsQuery reads a download's format and row limit.
func rowsQuery(r *http.Request) (string, int64, error) {
	format := r.URL.Query().Get("format")
	limit, err := intQuery(r, "limit", defaultRows, 1, maxRows)
	if err == nil && format != "csv" && format != "jsonl" {
		err = domain.Errorf(domain.EINVALID, "format must be csv or jsonl")
	}
	return format, limit, err
}

// streamRows writes the rows. Headers go out with the first row, so a
// file that cannot be parsed still gets an error page; a failure after
// that cuts the connection, so a partial file is never taken for a whole.
func (u *UI) streamRows(w http.ResponseWriter, r *http.Request, job *domain.Job, key, format string, limit int64) {
	out := &lazyHeaders{w: w, r: r, name: job.ID.String() + "-rows." + format, format: format}
	bw := bufio.NewWriterSize(out, 64<<10)
	rows := NewRowWriter(format, bw)
	rows.EscapeFormulas = true // the download is opened in spreadsheets
	var n int64
	err := u.files.parse(r.Context(), job, key, func(row analysis.Row) error {
		if n == limit {
			return errEnoughRows
		}
		n++
		return rows.Write(row)
	})
	if err == nil || errors.Is(err, errEnoughRows) {
		err = rows.Flush()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		return
	}
	if out.started {
		u.cfg.Log.Warn("rows download cut", "job_id", job.ID, "rows", n, "err", err)
		panic(http.ErrAbortHandler)
	}
	u.cfg.Log.Warn("rows download failed", "job_id", job.ID, "err", err)
	u.fail(w, r, http.StatusInternalServerError, "The stored file could not be parsed again; the failure has been logged.")
}

// lazyHeaders sends the download's headers with its first bytes.
type lazyHeaders struct {
	w       http.ResponseWriter
	r       *http.Request
	name    string
	format  string
	started bool
}

func (l *lazyHeaders) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", map[string]string{"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}[l.format])
		h.Set("Content-Disposition", `attachment; filename="`+l.name+`"`)
		h.Set("Cache-Control", "no-store")
	}
	return l.w.Write(p)
}

// RowWriter writes parsed rows as CSV, in the columns of the Loghub
// structured CSV, or as JSON lines.
type RowWriter struct {
	// EscapeFormulas, when set, prefixes with a single quote every CSV cell
	// that a spreadsheet would run as a formula (see escapeFormula); JSON
	// lines are written as they are.
	EscapeFormulas bool
	csv            *csv.Writer
	json           *json.Encoder
	header         bool
}

// NewRowWriter returns a writer of format "csv" or "jsonl" to w.
func NewRowWriter(format string, w io.Writer) *RowWriter {
	if format == "csv" {
		return &RowWriter{csv: csv.NewWriter(w)}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &RowWriter{json: enc}
}

// csvHeader names the columns as the Loghub structured CSV does.
var csvHeader = []string{"LineId", "Timestamp", "Level", "Component", "Content", "EventId", "EventTemplate"}

// Write writes one row.
func (rw *RowWriter) Write(r analysis.Row) error {
	if rw.json != nil {
		return rw.json.Encode(r)
	}
	if err := rw.writeHeader(); err != nil {
		return err
	}
	cells := []string{strconv.FormatInt(r.LineID, 10), r.Timestamp, string(r.Level), r.Component,
		r.Content, r.EventID, r.EventTemplate}
	if rw.EscapeFormulas {
		for i, c := range cells {
			cells[i] = escapeFormula(c)
		}
	}
	return rw.csv.Write(cells)
}

// formulaStarts are the first characters that make a spreadsheet take a
// cell for a formula, as OWASP's "CSV Injection" lists them.
const formulaStarts = "=+-@\t\r"

// escapeFormula makes a cell a spreadsheet would run as a formula (a log
// line is anyone's text: `=HYPERLINK(...)` would be a link the reader
// clicks) into text by prefixing a single quote, as OWASP advises. A
// negative number or a message that starts with '-' gets the quote too:
// telling them from formulas would mean guessing each spreadsheet's rules.
func escapeFormula(cell string) string {
	if cell != "" && strings.IndexByte(formulaStarts, cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// Flush writes what is buffered; a CSV of no rows still gets its header.
func (rw *RowWriter) Flush() error {
	if rw.json != nil {
		return nil
	}
	if err := rw.writeHeader(); err != nil {
		return err
	}
	rw.csv.Flush()
	return rw.csv.Error()
}

func (rw *RowWriter) writeHeader() error {
	if rw.header {
		return nil
	}
	rw.header = true
	return rw.csv.Write(csvHeader)
}
