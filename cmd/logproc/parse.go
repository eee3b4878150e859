package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/logproc/logproc/domain/analysis"
	"github.com/logproc/logproc/http/web"
)

// runParse writes one row per log entry, in the columns of the Loghub
// benchmark's structured CSV, so results compare with published parsers.
func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "csv", "output format: csv or jsonl")
	out := fs.String("out", "", "write to this file instead of stdout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: logproc parse FILE|- [--format csv|jsonl] [--out F]")
		fs.PrintDefaults()
	}
	path, err := fileArg(fs, args)
	if err != nil {
		return err
	}
	if *format != "csv" && *format != "jsonl" {
		return fmt.Errorf("parse: --format must be csv or jsonl, not %q", *format)
	}
	open, cleanup, err := reopenable(path)
	if err != nil {
		return err
	}
	defer cleanup()
	return writeRows(*out, stdout, func(w io.Writer) error { return parseInto(ctx, open, *format, w) })
}

// reopenable returns a way to open the input more than once: Parse reads
// it twice, so stdin is first copied to a temporary file. The file is
// unlinked at once where the system allows it, so nothing is left behind
// even when the process is killed.
func reopenable(path string) (func() (io.ReadCloser, error), func(), error) {
	if path != "-" {
		return func() (io.ReadCloser, error) { return openLog(path) }, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "logproc-parse-*")
	if err != nil {
		return nil, nil, fmt.Errorf("spool stdin: %w", err)
	}
	os.Remove(tmp.Name()) // may fail on Windows; cleanup tries again
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, os.Stdin); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("spool stdin: %w", err)
	}
	open := func() (io.ReadCloser, error) {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("rewind spooled stdin: %w", err)
		}
		return io.NopCloser(tmp), nil
	}
	return open, cleanup, nil
}

// writeRows runs write against the output file, or stdout when out is "".
func writeRows(out string, stdout io.Writer, write func(io.Writer) error) error {
	if out == "" {
		bw := bufio.NewWriterSize(stdout, 1<<16)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// parseInto runs the parser and writes its rows in the chosen format, as
// the web pages' download does.
func parseInto(ctx context.Context, open func() (io.ReadCloser, error), format string, w io.Writer) error {
	rows := web.NewRowWriter(format, w)
	if err := analysis.Parse(ctx, open, analysis.DefaultOptions(), rows.Write); err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	return rows.Flush()
}
