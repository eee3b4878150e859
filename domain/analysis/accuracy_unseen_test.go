package analysis

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Formats met outside the Loghub development set. Every line here was
// written for these tests in the shape of the real format; none is copied
// from a log.

// distinctTemplates counts the templates of parsed rows.
func distinctTemplates(rows []Row) map[string]int {
	m := make(map[string]int)
	for _, r := range rows {
		m[r.EventTemplate]++
	}
	return m
}

// A level whose field moves right when an optional field precedes it, with
// annotation lines (DETAIL, STATEMENT, HINT) that add to the entry before.
var optionalFieldLog = joinLines(
	"2024-03-05 14:02:11.101 UTC [811] LOG:  starting PostgreSQL 16.2 on x86_64-pc-linux-gnu",
	"2024-03-05 14:02:11.105 UTC [811] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
	"2024-03-05 14:02:11.140 UTC [811] LOG:  database system is ready to accept connections",
	"2024-03-05 14:03:02.518 UTC [902] shop@orders ERROR:  relation \"cart_items\" does not exist at character 15",
	"2024-03-05 14:03:02.518 UTC [902] shop@orders STATEMENT:  SELECT * FROM cart_items",
	"2024-03-05 14:03:05.004 UTC [903] shop@orders ERROR:  duplicate key value violates unique constraint \"users_email_key\"",
	"2024-03-05 14:03:05.004 UTC [903] shop@orders DETAIL:  Key (email)=(a@example.com) already exists.",
	"2024-03-05 14:03:05.004 UTC [903] shop@orders STATEMENT:  ",
	"\tINSERT INTO users (email, name)",
	"\tVALUES ($1, $2)",
	"2024-03-05 14:03:07.450 UTC [904] report@stats WARNING:  there is no transaction in progress",
	"2024-03-05 14:03:09.771 UTC [905] shop@orders ERROR:  duplicate key value violates unique constraint \"users_email_key\"",
	"2024-03-05 14:03:09.771 UTC [905] shop@orders DETAIL:  Key (email)=(b@example.com) already exists.",
	"2024-03-05 14:03:09.771 UTC [905] shop@orders HINT:  Use ON CONFLICT to update the row instead.",
	"2024-03-05 14:04:00.000 UTC [812] LOG:  checkpoint starting: time",
	"2024-03-05 14:04:03.120 UTC [812] LOG:  checkpoint complete: wrote 12 buffers (0.1%); write=1.105 s",
	"2024-03-05 14:05:44.912 UTC [906] admin@postgres FATAL:  password authentication failed for user \"admin\"",
	"2024-03-05 14:05:44.912 UTC [906] admin@postgres DETAIL:  Connection matched line 99 of the host rules",
	"2024-03-05 14:06:01.300 UTC [907] shop@orders NOTICE:  table \"tmp_x\" does not exist, skipping",
	"2024-03-05 14:06:30.000 UTC [812] LOG:  checkpoint starting: time",
	"2024-03-05 14:06:33.333 UTC [812] LOG:  checkpoint complete: wrote 7 buffers (0.0%); write=0.702 s",
	"2024-03-05 14:07:12.000 UTC [811] PANIC:  could not write to file \"pg_wal/xlogtemp.811\": No space left on device")

func TestLevelAfterOptionalField(t *testing.T) {
	_, sum := analyzeString(t, optionalFieldLog, Options{})
	if want := "text: timestamp(YYYY-MM-DD hh:mm:ss.fZ) field [field] level message"; sum.Format != want {
		t.Fatalf("format %q, want %q", sum.Format, want)
	}
	wantLevels := map[Level]int64{LevelInfo: 8, LevelWarn: 1, LevelError: 3, LevelFatal: 2}
	if sum.Lines != 22 || sum.Entries != 14 || fmt.Sprint(sum.Levels) != fmt.Sprint(wantLevels) || sum.ErrorLike != 0 {
		t.Fatalf("%d lines %d entries levels %v error-like %d; want 22 lines, 14 entries, levels %v",
			sum.Lines, sum.Entries, sum.Levels, sum.ErrorLike, wantLevels)
	}
	if sum.Keywords["error"] != 0 || sum.Keywords["failed"] != 1 {
		t.Errorf("keywords %v: the level field is header, not message", sum.Keywords)
	}
	if sum.Templates != 11 || len(sum.ErrorGroups) != 4 || sum.ErrorGroups[0].Count != 2 ||
		sum.ErrorGroups[0].Template != `duplicate key value violates unique constraint "<*>"` {
		t.Errorf("%d templates, error groups %+v", sum.Templates, sum.ErrorGroups)
	}
	if s := sum.ErrorGroups[0].Sample; !strings.Contains(s, "DETAIL:  Key (email)=(a@example.com) already exists.") {
		t.Errorf("error sample %q lacks its DETAIL line", s)
	}

	rows := parseString(t, optionalFieldLog)
	if len(rows) != 14 || len(distinctTemplates(rows)) != 11 {
		t.Fatalf("%d rows, %d templates; want 14 and 11", len(rows), len(distinctTemplates(rows)))
	}
	dup := rows[4]
	want := Row{LineID: 6, Timestamp: "2024-03-05T14:03:05.004Z", Level: LevelError,
		Content: "duplicate key value violates unique constraint \"users_email_key\"\n" +
			"DETAIL:  Key (email)=(a@example.com) already exists.\nSTATEMENT:\n\tINSERT INTO users (email, name)\n\tVALUES ($1, $2)",
		EventID: dup.EventID, EventTemplate: `duplicate key value violates unique constraint "<*>"`}
	if dup != want {
		t.Errorf("row %+v\nwant %+v", dup, want)
	}
	if r := rows[0]; r.Level != LevelInfo || r.Content != "starting PostgreSQL 16.2 on x86_64-pc-linux-gnu" ||
		r.EventTemplate != "starting PostgreSQL <*> on <*>" {
		t.Errorf("first row %+v", r)
	}
	if r := rows[13]; r.Level != LevelFatal || r.EventTemplate != `could not write to file "pg_wal/xlogtemp.<*>": No space left on device` {
		t.Errorf("last row %+v", r)
	}
}

// An annotation line with no entry open starts one, as INFO; a column of
// annotation words alone is not a level column.
func TestAnnotationWords(t *testing.T) {
	rows := parseString(t, joinLines(
		"2024-03-05 14:03:05.004 UTC [903] shop@orders DETAIL:  Key (id)=(7) already exists.",
		"2024-03-05 14:03:06.004 UTC [904] LOG:  checkpoint starting: time",
		"2024-03-05 14:03:07.004 UTC [905] shop@orders ERROR:  canceling statement due to user request",
		"2024-03-05 14:03:07.004 UTC [905] shop@orders CONTEXT:  while updating tuple (0,7) in relation \"t\""))
	if len(rows) != 3 || rows[0].Level != LevelInfo || rows[2].Level != LevelError ||
		rows[2].Content != "canceling statement due to user request\nCONTEXT:  while updating tuple (0,7) in relation \"t\"" {
		t.Fatalf("rows %+v", rows)
	}
	_, sum := analyzeString(t, joinLines(
		"2024-03-05 10:00:00 client 10.0.0.1#5353: query: example.com IN A",
		"2024-03-05 10:00:01 client 10.0.0.2#5353: query: example.org IN AAAA",
		"2024-03-05 10:00:02 client 10.0.0.3#5353: query: example.net IN A"), Options{})
	if sum.Entries != 3 || sum.Levels[LevelNone] != 3 {
		t.Errorf("query lines: %d entries, levels %v; want three unleveled entries", sum.Entries, sum.Levels)
	}
}

// Bracketed level words of another vocabulary ("Note"), after a timestamp
// with two spaces and an unpadded hour.
func TestUnpaddedHourAndNoteLevel(t *testing.T) {
	text := joinLines(
		"2024-03-05  9:15:02 0 [Note] Starting MariaDB 10.6.12 as process 1234",
		"2024-03-05  9:15:02 0 [Note] InnoDB: Using Linux native AIO",
		"2024-03-05  9:15:02 0 [Note] InnoDB: Buffer pool(s) load completed at 240305  9:15:02",
		"2024-03-05  9:15:03 0 [Warning] 'user' entry 'root@db1' ignored in --skip-name-resolve mode.",
		"2024-03-05  9:15:03 0 [Note] /usr/sbin/mysqld: ready for connections.",
		"Version: '10.6.12-MariaDB'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Source distribution",
		"2024-03-05 10:40:17 12 [ERROR] Incorrect definition of table mysql.event: expected column 'sql_mode' at position 14",
		"2024-03-05 10:41:05 13 [Warning] Aborted connection 13 to db: 'app' user: 'web' host: '10.0.0.7' (Got timeout reading communication packets)")
	_, sum := analyzeString(t, text, Options{})
	wantLevels := map[Level]int64{LevelInfo: 4, LevelWarn: 2, LevelError: 1}
	if sum.Entries != 7 || fmt.Sprint(sum.Levels) != fmt.Sprint(wantLevels) || len(sum.ErrorGroups) != 1 {
		t.Fatalf("%d entries, levels %v, %d error groups", sum.Entries, sum.Levels, len(sum.ErrorGroups))
	}
	if got := sum.MinTime.Format("15:04:05") + " " + sum.MaxTime.Format("15:04:05"); got != "09:15:02 10:41:05" {
		t.Errorf("time range %s", got)
	}
	rows := parseString(t, text)
	if r := rows[0]; r.Timestamp != "2024-03-05T09:15:02Z" || r.Level != LevelInfo || r.EventTemplate != "Starting MariaDB <*> as process <*>" {
		t.Errorf("first row %+v", r)
	}
	if r := rows[4]; r.LineID != 5 || !strings.HasSuffix(r.Content, "\nVersion: '10.6.12-MariaDB'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Source distribution") {
		t.Errorf("row 5 %+v: want the line without header folded in", r)
	}
}

// A column of single marker symbols after the timestamp is header: it
// leaves the message, but its symbols are not read as levels, whose
// meaning differs from program to program.
func TestMarkerColumn(t *testing.T) {
	text := joinLines(
		"1811:C 05 Mar 2024 09:15:02.101 # Server started, Redis version 7.2.4",
		"1811:M 05 Mar 2024 09:15:02.103 * Running mode=standalone, port=6379.",
		"1811:M 05 Mar 2024 09:15:02.104 # WARNING: The TCP backlog setting of 511 cannot be enforced.",
		"1811:M 05 Mar 2024 09:15:02.110 * DB loaded from disk: 0.002 seconds",
		"1811:M 05 Mar 2024 09:15:02.110 * Ready to accept connections tcp",
		"1811:M 05 Mar 2024 09:20:03.001 * 100 changes in 300 seconds. Saving...",
		"1811:M 05 Mar 2024 09:20:03.002 * Background saving started by pid 2020",
		"2020:C 05 Mar 2024 09:20:03.015 * DB saved on disk",
		"1811:M 05 Mar 2024 09:20:03.104 - Accepted 127.0.0.1:50122",
		"1811:M 05 Mar 2024 09:20:04.104 . Client closed connection")
	_, sum := analyzeString(t, text, Options{})
	if sum.Entries != 10 || sum.Levels[LevelNone] != 10 || sum.ErrorLike != 1 {
		t.Fatalf("%d entries, levels %v, error-like %d", sum.Entries, sum.Levels, sum.ErrorLike)
	}
	rows := parseString(t, text)
	if rows[0].Content != "Server started, Redis version 7.2.4" || rows[8].EventTemplate != "Accepted <*>" {
		t.Errorf("rows %+v / %+v", rows[0], rows[8])
	}
}

// packageLog writes a package manager's log: per package an install, its
// unpacking and its configuration, each status in a line of its own.
// Package names are plain words in a fixed slot; some hold digits, which
// the masker takes for variables, most do not.
func packageLog() string {
	var b strings.Builder
	names := []string{"liberror-perl:all", "libgpg-error0:amd64", "adduser:all", "fonts-noto-core:all",
		"libtext-wrap-perl:all", "tzdata:all", "ca-certificates:all", "sensible-utils:all", "netbase:all",
		"readline-common:all", "publicsuffix:all", "libjs-jquery:all", "debconf-i18n:all", "gnupg-l10n:all",
		"manpages:all", "perl-modules-5.36:all", "libssl3:amd64", "curl:amd64", "git-man:all",
		"python3-six:all", "mime-support:all", "libsasl2-modules-db:amd64", "ucf:all", "media-types:all",
		"xdg-user-dirs:amd64", "krb5-locales:all", "python3-distro:all", "less:amd64", "zstd:amd64",
		"patch:amd64", "bzip2:amd64", "libexpat1:amd64", "pinentry-curses:amd64", "dirmngr:amd64"}
	line := func(sec int, format string, args ...any) {
		fmt.Fprintf(&b, "2024-03-05 09:%02d:%02d "+format+"\n", append([]any{sec / 60, sec % 60}, args...)...)
	}
	sec := 0
	line(sec, "startup archives unpack")
	for i, n := range names {
		v := fmt.Sprintf("%d.%d-%d", i%4+1, i, i%3+1)
		line(sec, "install %s <none> %s", n, v)
		line(sec, "status half-installed %s %s", n, v)
		line(sec, "status unpacked %s %s", n, v)
		sec++
	}
	line(sec, "startup packages configure")
	for i, n := range names {
		v := fmt.Sprintf("%d.%d-%d", i%4+1, i, i%3+1)
		line(sec, "configure %s %s <none>", n, v)
		line(sec, "status unpacked %s %s", n, v)
		line(sec, "status half-configured %s %s", n, v)
		line(sec, "status installed %s %s", n, v)
		sec++
	}
	return b.String()
}

func TestPlainWordVariablesInAFixedSlot(t *testing.T) {
	text := packageLog()
	_, sum := analyzeString(t, text, Options{})
	if sum.Lines != 240 || sum.Entries != 240 || sum.ErrorLike != 0 || sum.Keywords["error"] != 0 {
		t.Fatalf("%d lines %d entries, error-like %d, keywords %v: \"liberror-perl\" is not the word error",
			sum.Lines, sum.Entries, sum.ErrorLike, sum.Keywords)
	}
	rows := parseString(t, text)
	got := distinctTemplates(rows)
	// The word after "status" is a state, a variable; "<none>" is a value.
	want := map[string]int{
		"startup archives unpack":    1,
		"startup packages configure": 1,
		"install <*> <*> <*>":        34,
		"status <*> <*> <*>":         170,
		"configure <*> <*> <*>":      34,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("templates %v\nwant %v", got, want)
	}
	if sum.Templates != len(want) {
		t.Errorf("summary counts %d templates, want %d", sum.Templates, len(want))
	}
}

// The optional field is learned even when few sample lines lack it.
func TestOptionalFieldMostlyPresent(t *testing.T) {
	var lines []string
	for i := range 60 {
		lines = append(lines, fmt.Sprintf("2024-03-05 14:%02d:%02d.100 UTC [%d] app@shop ERROR:  duplicate key value violates unique constraint \"k\"", i/60, i%60, 900+i),
			fmt.Sprintf("2024-03-05 14:%02d:%02d.100 UTC [%d] app@shop STATEMENT:  INSERT INTO t VALUES (%d)", i/60, i%60, 900+i, i))
	}
	lines = append(lines, "2024-03-05 14:59:00.000 UTC [812] LOG:  checkpoint starting: time",
		"2024-03-05 14:59:03.120 UTC [812] LOG:  checkpoint complete: wrote 12 buffers (0.1%); write=1.105 s",
		"2024-03-05 14:59:09.000 UTC [812] LOG:  checkpoint starting: time")
	_, sum := analyzeString(t, joinLines(lines...), Options{})
	if sum.Entries != 63 || sum.Levels[LevelError] != 60 || sum.Levels[LevelInfo] != 3 || sum.Templates != 3 {
		t.Fatalf("format %q: %d entries, levels %v, %d templates", sum.Format, sum.Entries, sum.Levels, sum.Templates)
	}
}

// Small chunks close between entries, never inside a record and its
// annotations, and two runs give the same chunks.
func TestUnseenFormatsDeterministicInChunks(t *testing.T) {
	for _, text := range []string{optionalFieldLog, packageLog()} {
		c1, s1 := analyzeString(t, text, Options{ChunkLines: 4, AssumeYear: 2024})
		c2, s2 := analyzeString(t, text, Options{ChunkLines: 4, AssumeYear: 2024})
		if !reflect.DeepEqual(c1, c2) || !reflect.DeepEqual(s1, s2) {
			t.Fatal("two runs over the same bytes differ")
		}
		var entries int64
		for _, c := range c1 {
			entries += c.Entries
		}
		if entries != s1.Entries {
			t.Errorf("chunks hold %d entries, summary %d", entries, s1.Entries)
		}
	}
}
