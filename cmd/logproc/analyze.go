package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/logproc/logproc/domain/analysis"
)

// runAnalyze summarises a log file offline: no database, Redis or config.
// KEYWORDS (comma-separated) replaces the counted keywords.
func runAnalyze(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the summary as JSON, with the names the API gives a job")
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: logproc analyze FILE|- [--json]"); fs.PrintDefaults() }
	path, err := fileArg(fs, args)
	if err != nil {
		return err
	}
	in, err := openLog(path)
	if err != nil {
		return err
	}
	defer in.Close()
	opts := analysis.DefaultOptions()
	if kw := splitList(os.Getenv("KEYWORDS")); len(kw) > 0 {
		opts.Keywords = kw
	}
	sum, err := analysis.Analyze(ctx, in, opts, func(*analysis.Chunk) error { return nil })
	if err != nil {
		return fmt.Errorf("analyze %s: %w", path, err)
	}
	if *asJSON {
		return printSummaryJSON(stdout, sum)
	}
	return printSummary(stdout, path, sum)
}

// fileArg parses flags placed before or after the one FILE argument.
func fileArg(fs *flag.FlagSet, args []string) (string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fs.Usage()
		return "", fmt.Errorf("%s: want exactly one FILE (or - for stdin), got %d", fs.Name(), len(files))
	}
	return files[0], nil
}

// openLog opens a file, or stdin for "-".
func openLog(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}

// topShown is how many error groups, keywords, components and IPs the
// summary lists.
const topShown = 10

// printSummary writes what a person reads at a glance.
func printSummary(w io.Writer, path string, s *analysis.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "File\t%s (%s)\n", path, byteSize(s.Bytes))
	fmt.Fprintf(tw, "Format\t%s\n", printable(s.Format))
	fmt.Fprintf(tw, "Lines\t%s lines, %s entries, %s templates%s\n", count(s.Lines), count(s.Entries), count(int64(s.Templates)), truncatedNote(s.Truncated))
	printTimeRange(tw, s)
	printLevels(tw, s)
	printNameCounts(tw, "Keywords", keywordList(s.Keywords))
	printNameCounts(tw, "Components", s.Components)
	printNameCounts(tw, fmt.Sprintf("IPs (%s distinct)", count(s.DistinctIPs)), s.IPs)
	if err := tw.Flush(); err != nil {
		return err
	}
	return printErrorGroups(w, s)
}

func truncatedNote(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %s lines truncated", count(n))
}

func printTimeRange(w io.Writer, s *analysis.Summary) {
	if s.MinTime.IsZero() {
		fmt.Fprintln(w, "Time\tno timestamps found")
		return
	}
	const layout = "2006-01-02 15:04:05 MST"
	fmt.Fprintf(w, "Time\t%s .. %s (%s)\n", s.MinTime.Format(layout), s.MaxTime.Format(layout), s.MaxTime.Sub(s.MinTime).Round(time.Second))
	if s.TimeAssumption != "" {
		fmt.Fprintf(w, "\tnote: %s\n", s.TimeAssumption)
	}
}

// levelOrder lists levels from most to least severe.
var levelOrder = []analysis.Level{analysis.LevelFatal, analysis.LevelError, analysis.LevelWarn,
	analysis.LevelInfo, analysis.LevelDebug, analysis.LevelTrace, analysis.LevelNone}

func printLevels(w io.Writer, s *analysis.Summary) {
	label := "Levels"
	for _, l := range levelOrder {
		n, ok := s.Levels[l]
		if !ok {
			continue
		}
		name := string(l)
		if l == analysis.LevelNone {
			name = "(none)"
		}
		fmt.Fprintf(w, "%s\t%-6s %12s  %5.1f%%\n", label, name, count(n), percent(n, s.Entries))
		label = ""
	}
	if s.ErrorLike > 0 {
		fmt.Fprintf(w, "\terror-like (no levels in this file): %s  %.1f%%\n", count(s.ErrorLike), percent(s.ErrorLike, s.Entries))
	}
}

func percent(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

func keywordList(m map[string]int64) []analysis.NameCount {
	out := make([]analysis.NameCount, 0, len(m))
	for k, n := range m {
		out = append(out, analysis.NameCount{Name: k, Count: n})
	}
	sortNameCounts(out)
	return out
}

// sortNameCounts orders by count, largest first, then by name.
func sortNameCounts(ncs []analysis.NameCount) {
	slices.SortFunc(ncs, func(a, b analysis.NameCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}

func printNameCounts(w io.Writer, label string, ncs []analysis.NameCount) {
	if len(ncs) == 0 {
		return
	}
	parts := make([]string, 0, topShown)
	for _, nc := range ncs[:min(len(ncs), topShown)] {
		parts = append(parts, fmt.Sprintf("%s %s", printable(nc.Name), count(nc.Count)))
	}
	fmt.Fprintf(w, "%s\t%s\n", label, strings.Join(parts, ", "))
}

// printErrorGroups lists the most frequent error groups.
func printErrorGroups(w io.Writer, s *analysis.Summary) error {
	if len(s.ErrorGroups) == 0 {
		_, err := fmt.Fprintln(w, "\nErrors: none")
		return err
	}
	var total int64
	for _, g := range s.ErrorGroups {
		total += g.Count
	}
	fmt.Fprintf(w, "\nErrors: %s entries in %s groups; top %d\n", count(total), count(int64(len(s.ErrorGroups))), min(topShown, len(s.ErrorGroups)))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "count\tlevel\tfirst line\t")
	for _, g := range s.ErrorGroups[:min(topShown, len(s.ErrorGroups))] {
		fmt.Fprintf(tw, "%s\t%s\t%s\t  %s\n", count(g.Count), levelLabel(g.Level), count(g.FirstLine), groupText(g))
	}
	return tw.Flush()
}

func levelLabel(l analysis.Level) string {
	if l == analysis.LevelNone {
		return "-"
	}
	return string(l)
}

// groupText is a group's template, led by its exception for stack traces.
func groupText(g analysis.ErrorGroup) string {
	text := g.Template
	if g.Exception != "" {
		text = g.Exception + ": " + text
	}
	const maxText = 120
	if len(text) > maxText {
		text = strings.ToValidUTF8(text[:maxText], "") + "..."
	}
	return printable(text)
}

// count renders n with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
