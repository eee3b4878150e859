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
// How a line travels, and where each step lives. Files are named by stage
// (input_, format_, layout_, time_, entry_, mask_, miner_, count_, chunk_),
// each test beside the file it tests:
//
//   - input.go, input_error.go, input_lines.go: gzip by magic bytes, bomb
//     and binary checks, lines cut at Options.MaxLineBytes.
//   - format_reading.go, format_detect.go, format_record.go: the first lines
//     are sampled to pick a format, which reads one record per line:
//     format_struct*.go (JSON lines, logfmt; their keys and JSON scanning) or
//     a text layout (layout.go, layout_detect.go, layout_fields.go,
//     layout_fieldkind.go, layout_prefix.go for a program name before a
//     dash).
//   - time_layout.go, time_detect.go, time_parse.go, time_reader.go:
//     timestamp layouts, learned once per file and parsed per line without
//     trying others.
//   - level.go: level words in any vocabulary, read from the learned position.
//   - pass.go, entry.go, entry_fold.go, entry_stack.go: records fold into
//     entries; continuation lines and stack traces join the entry that began
//     them.
//   - mask.go, mask_shapes.go, mask_parts.go, mask_kv.go, mask_dates.go,
//     mask_runs.go, mask_repeats.go, mask_groups.go, mask_vocab.go: messages
//     become template tokens with their variables masked (token shapes,
//     digits inside tokens, key=value, dates, runs of values and what joins
//     them into one, runs of repeated items of varying number, bracketed
//     groups of words as one token, the word lists).
//   - miner.go, miner_siblings.go, miner_render.go, miner_unify.go: the
//     Drain-like template tree, the merging of templates that differ in one
//     position, what a template shows (one "<*>" per value, constants that
//     never varied), and the joining of one event's templates once a file
//     is mined.
//   - analyze.go, chunk.go, chunk_build.go, summary.go, count_*.go (errors,
//     keywords, IPs, distinct values, levels, the timeline, time spans,
//     top-N): what Analyze counts.
//   - parse.go: Parse and its rows.
//   - chars.go, hash.go: byte helpers and hashes shared by the stages.
//
// Accuracy on Loghub and on the corpus of real server logs in
// testdata/corpus (made by its make.sh, labelled by hand), and speed, are
// measured by tests and benchmarks described in README.md.
package analysis
