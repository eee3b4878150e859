// Package analysis is the log analysis engine: it reads any log file from an
// io.Reader, learns its format without configuration (JSON lines, logfmt or
// plain text with a header it discovers), folds multi-line entries such as
// stack traces, mines message templates online in the manner of Drain, and
// reports levels, time range, error groups and peer features chunk by chunk.
//
// The package owns no I/O beyond the readers it is given and imports nothing
// else of the project, so the worker, the CLI and the benchmarks share it.
//
// Two entry points:
//
//   - Analyze streams a file once and calls back after every chunk; the worker
//     turns those chunks into events.
//   - Parse reads a file twice and yields one Row per entry with its final
//     template, in the shape of the Loghub benchmark's structured CSV.
//
// How a line travels, and where each step lives:
//
//   - input.go, linereader.go: gzip by magic bytes, bomb and binary checks,
//     lines cut at Options.MaxLineBytes.
//   - reading.go, detect.go: the first lines are sampled to pick a format:
//     structfmt.go (JSON lines, logfmt; keys in keyroles.go, jsonscan.go) or
//     a text layout (layout.go, layoutdetect.go, fields.go, fieldkind.go).
//   - timelayout.go, tsdetect.go, tsparse.go, tsreader.go: timestamp layouts,
//     learned once per file and parsed per line without trying others.
//   - level.go: level words in any vocabulary, read from the learned position.
//   - pass.go, fold.go, entry.go, stack.go: records fold into entries;
//     continuation lines and stack traces join the entry that began them.
//   - mask.go, maskshape.go, maskparts.go, vocab.go: messages become template
//     tokens with their variables masked.
//   - miner.go, siblings.go: the Drain-like template tree.
//   - analyzer.go, chunkacc.go, chunk.go, groups.go, summary.go, timeline.go,
//     counters.go, ipcount.go, distinct.go, keywords.go: what Analyze counts.
//   - parse.go: Parse and its rows.
//
// Accuracy on Loghub and speed are measured by tests and benchmarks
// described in README.md.
package analysis
