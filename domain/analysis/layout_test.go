package analysis

import (
	"strings"
	"testing"
	"time"
)

// layoutCase is a few lines of one format and what the first line must
// read as.
type layoutCase struct {
	name   string
	lines  []string
	format string
	level  Level
	comp   string
	msg    string
	time   string // RFC 3339 in UTC, "" when the line has none
}

// Header layouts of common logs, written for these tests in the shape of
// the Loghub collection and of everyday servers.
var layoutCases = []layoutCase{
	{"hdfs", []string{
		"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
		"081109 203807 222 WARN dfs.DataNode$DataXceiver: Got exception while serving blk_1 to /10.0.0.1:",
	}, "text: timestamp(YYMMDD hhmmss) pid level component message", LevelInfo, "dfs.DataNode$PacketResponder",
		"PacketResponder 1 for block blk_38865049064139660 terminating", "2008-11-09T20:36:15Z"},
	{"log4j with thread", []string{
		"2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001",
		"2015-10-18 18:01:48,963 WARN [RMCommunicator Allocator] org.apache.hadoop.ipc.Client: Address change detected",
	}, "text: timestamp(YYYY-MM-DD hh:mm:ss.fZ) level field component message", LevelInfo,
		"org.apache.hadoop.mapreduce.v2.app.MRAppMaster", "Created MRAppMaster for application appattempt_1445144423722_0020_000001",
		"2015-10-18T18:01:47.978Z"},
	{"zookeeper", []string{
		"2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
		"2015-07-29 19:04:12,394 - WARN  [SendWorker:188978561024:QuorumCnxManager$SendWorker@679] - Interrupted while waiting",
	}, "text: timestamp(YYYY-MM-DD hh:mm:ss.fZ) field level field field message", LevelInfo, "", "Notification time out: 3200",
		"2015-07-29T17:41:44.747Z"},
	{"android", []string{
		"03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992}}",
		"03-17 16:13:38.819  1702  8671 E PowerManagerService: acquire lock=233570404, flags=0x1",
	}, "text: timestamp(MM-DD hh:mm:ss.f) pid field level component message", LevelDebug, "WindowManager",
		"printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992}}", "2024-03-17T16:13:38.811Z"},
	{"syslog", []string{
		"Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed",
		"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
	}, "text: timestamp(Mon DD hh:mm:ss.f) field component message", LevelNone, "sshd",
		"reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed", "2024-12-10T06:55:46Z"},
	{"thunderbird", []string{
		"- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: session closed for user root",
		"- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond[2916]: (root) CMD (run-parts /etc/cron.hourly)",
	}, "text: field timestamp(EPOCH) field field field pid field field component message", LevelNone, "crond(pam_unix)",
		"session closed for user root", "2005-11-09T20:01:01Z"},
	{"apache", []string{
		"[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
		"[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
	}, "text: timestamp(Wdy Mon DD hh:mm:ss.f YYYY) level message", LevelInfo, "",
		"workerEnv.init() ok /etc/httpd/conf/workers2.properties", "2005-12-04T04:47:44Z"},
	{"iso with zone", []string{
		"2024-02-29T23:59:59.5+02:00 ERROR payment-service: card declined for order 17",
		"2024-02-29T23:59:59.9+02:00 INFO payment-service: retry scheduled",
	}, "text: timestamp(YYYY-MM-DDThh:mm:ss.fZ) level component message", LevelError, "payment-service",
		"card declined for order 17", "2024-02-29T21:59:59.5Z"},
	{"python logging", []string{
		"2024-01-05 08:00:01,123 - app.db - WARNING - pool exhausted, waiting",
		"2024-01-05 08:00:02,456 - app.api - INFO - GET /health 200",
	}, "text: timestamp(YYYY-MM-DD hh:mm:ss.fZ) field component field level field message", LevelWarn, "app.db",
		"pool exhausted, waiting", "2024-01-05T08:00:01.123Z"},
	// Formats met outside the development set (lines written for these tests).
	{"level after an optional field", []string{
		"2024-03-05 14:02:11.101 UTC [811] LOG:  database system is ready to accept connections",
		"2024-03-05 14:03:02.518 UTC [902] shop@orders ERROR:  relation \"cart_items\" does not exist",
		"2024-03-05 14:03:02.518 UTC [902] shop@orders STATEMENT:  SELECT * FROM cart_items",
	}, "text: timestamp(YYYY-MM-DD hh:mm:ss.fZ) field [field] level message", LevelInfo, "",
		"database system is ready to accept connections", "2024-03-05T14:02:11.101Z"},
	{"unpadded hour after two spaces", []string{
		"2024-03-05  9:15:02 0 [Note] InnoDB: Using Linux native AIO",
		"2024-03-05  9:15:03 0 [Warning] 'user' entry 'root@db1' ignored in --skip-name-resolve mode.",
		"2024-03-05 10:40:17 12 [ERROR] Incorrect definition of table mysql.event",
	}, "text: timestamp(YYYY-MM-DD hh:mm:ss.fZ) pid level message", LevelInfo, "",
		"InnoDB: Using Linux native AIO", "2024-03-05T09:15:02Z"},
	{"marker column", []string{
		"1811:C 05 Mar 2024 09:15:02.101 # Server started, Redis version 7.2.4",
		"1811:M 05 Mar 2024 09:15:02.103 * Running mode=standalone, port=6379.",
		"1811:M 05 Mar 2024 09:20:03.104 - Accepted 127.0.0.1:50122",
		"1811:M 05 Mar 2024 09:20:04.104 . Client closed connection",
	}, "text: field timestamp(DD Mon YYYY hh:mm:ss.fZ) field message", LevelNone, "",
		"Server started, Redis version 7.2.4", "2024-03-05T09:15:02.101Z"},
	{"epoch closed by a colon", []string{
		"1709630102: Opening ipv4 listen socket on port 1883.",
		"1709630105: New connection from 127.0.0.1:50122 on port 1883.",
	}, "text: timestamp(EPOCH) message", LevelNone, "", "Opening ipv4 listen socket on port 1883.", "2024-03-05T09:15:02Z"},
	{"timestamp closed by a colon", []string{
		"update-alternatives 2024-03-05 09:15:02: run with --install /usr/bin/editor editor /usr/bin/vim.basic 30",
		"update-alternatives 2024-03-05 09:15:02: link group editor updated to point to /usr/bin/vim.basic",
	}, "text: field timestamp(YYYY-MM-DD hh:mm:ss.fZ) message", LevelNone, "",
		"run with --install /usr/bin/editor editor /usr/bin/vim.basic 30", "2024-03-05T09:15:02Z"},
	{"level glued by colons", []string{
		"WARNING:app.db:pool exhausted, waiting 5s",
		"INFO:root:starting worker 3",
		"ERROR:app.api:request 17 failed: timeout",
	}, "text: level component message", LevelWarn, "app.db", "pool exhausted, waiting 5s", ""},
	{"bare levels", []string{"INFO starting", "WARN disk at 91%", "ERROR cannot open /data"},
		"text: level message", LevelInfo, "", "starting", ""},
	{"no header", []string{"hello world", "second line here"}, "text: message", LevelNone, "", "hello world", ""},
}

func TestDetectTextLayout(t *testing.T) {
	for _, tt := range layoutCases {
		t.Run(tt.name, func(t *testing.T) {
			var sample [][]byte
			for _, l := range tt.lines {
				sample = append(sample, []byte(l))
			}
			f := detectFormat(sample)
			if got := f.describe(); got != tt.format {
				t.Errorf("format %q, want %q", got, tt.format)
			}
			var rec record
			f.read(sample[0], &rec)
			got := layoutCase{level: rec.level.Level(), comp: string(rec.comp), msg: string(rec.msg)}
			if rec.hasTime {
				got.time = time.Unix(0, rec.time.unixNano(2024)).UTC().Format(time.RFC3339Nano)
			}
			if got.level != tt.level || got.comp != tt.comp || got.msg != tt.msg || got.time != tt.time {
				t.Errorf("read level %q comp %q msg %q time %q\nwant level %q comp %q msg %q time %q",
					got.level, got.comp, got.msg, got.time, tt.level, tt.comp, tt.msg, tt.time)
			}
		})
	}
}

func TestLevelFromPositionNotWords(t *testing.T) {
	text := joinLines(
		"- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
		"- 1117838573 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.53.276129 R02-M1-N0-C:J12-U11 RAS KERNEL FATAL data TLB error interrupt",
		"- 1117838576 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.56.276129 R02-M1-N0-C:J12-U11 RAS KERNEL INFO 1 ddr error(s) detected and corrected")
	_, sum := analyzeString(t, text, Options{})
	if sum.Levels[LevelInfo] != 2 || sum.Levels[LevelFatal] != 1 || sum.ErrorLike != 0 {
		t.Fatalf("levels %v error-like %d: want INFO 2, FATAL 1 and no guessing", sum.Levels, sum.ErrorLike)
	}
	if len(sum.ErrorGroups) != 1 || sum.ErrorGroups[0].Template != "data TLB error interrupt" {
		t.Fatalf("error groups %+v, want only the FATAL line", sum.ErrorGroups)
	}
}

func TestErrorLikeOnlyWithoutLevels(t *testing.T) {
	text := joinLines(
		"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=218.188.2.4",
		"Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown",
		"Jun 15 02:04:59 combo sshd(pam_unix)[20882]: session opened for user root")
	_, sum := analyzeString(t, text, Options{AssumeYear: 2005})
	if sum.ErrorLike != 1 || sum.Levels[LevelNone] != 3 {
		t.Fatalf("error-like %d levels %v", sum.ErrorLike, sum.Levels)
	}
	if !strings.Contains(sum.TimeAssumption, "year missing: assumed 2005") || sum.MinTime.Year() != 2005 {
		t.Errorf("time assumption %q min %v", sum.TimeAssumption, sum.MinTime)
	}
}
