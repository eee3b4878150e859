package analysis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// logGenerator writes realistic application logs for benchmarks: a
// log4j-style header (timestamp, padded level, thread, logger), about
// thirty message kinds with numbers, durations, IPs, paths, hex ids, users
// and UUIDs, warnings and errors at realistic rates, and Java stack traces
// and Python tracebacks folded under some errors. It is deterministic for a
// seed.
type logGenerator struct {
	rng   *rand.Rand
	now   time.Time
	line  int
	buf   []byte
	users []string
}

func newLogGenerator(seed uint64) *logGenerator {
	return &logGenerator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		now:   time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		users: []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}}
}

// writeLines writes at least n physical lines to w.
func (g *logGenerator) writeLines(w io.Writer, n int) error {
	for g.line < n {
		g.buf = g.entry(g.buf[:0])
		if _, err := w.Write(g.buf); err != nil {
			return err
		}
	}
	return nil
}

// entry appends one entry, possibly several lines.
func (g *logGenerator) entry(b []byte) []byte {
	g.now = g.now.Add(time.Duration(g.rng.IntN(40)) * time.Millisecond)
	r := g.rng.IntN(1000)
	switch {
	case r < 6:
		return g.withJavaTrace(b)
	case r < 8:
		return g.withPythonTrace(b)
	case r < 40:
		return g.header(b, "ERROR", g.errorMessage)
	case r < 110:
		return g.header(b, "WARN ", g.warnMessage)
	case r < 260:
		return g.header(b, "DEBUG", g.debugMessage)
	}
	return g.header(b, "INFO ", g.infoMessage)
}

// header appends a header and a message and ends the line.
func (g *logGenerator) header(b []byte, level string, msg func([]byte) []byte) []byte {
	g.line++
	b = g.now.AppendFormat(b, "2006-01-02 15:04:05.000")
	b = append(b, ' ')
	b = append(b, level...)
	b = fmt.Appendf(b, " [%s-%d] %s: ", g.pick("http-nio-8080-exec", "pool-2-thread", "scheduler", "kafka-consumer"), g.rng.IntN(16),
		g.pick("com.acme.api.OrderController", "com.acme.db.Pool", "com.acme.jobs.Cleanup", "com.acme.cache.RedisCache",
			"com.acme.auth.LoginService", "org.apache.kafka.clients.consumer.KafkaConsumer", "com.acme.http.AccessLog"))
	b = msg(b)
	return append(b, '\n')
}

func (g *logGenerator) pick(options ...string) string { return options[g.rng.IntN(len(options))] }

// ip returns a client address: a pool of 20,000 addresses used with a
// skew, a few busy clients and a long tail, as in real traffic.
func (g *logGenerator) ip() string {
	u := g.rng.Float64()
	i := int(20000 * u * u * u)
	return fmt.Sprintf("10.%d.%d.%d", i>>16&3, i>>8&255, 1+i&255)
}

func (g *logGenerator) hex(n int) string {
	const digits = "0123456789abcdef"
	out := make([]byte, n)
	for i := range out {
		out[i] = digits[g.rng.IntN(16)]
	}
	return string(out)
}

func (g *logGenerator) infoMessage(b []byte) []byte {
	switch g.rng.IntN(10) {
	case 0, 1, 2:
		return fmt.Appendf(b, "%s - %s /api/v1/orders/%d %d %d %dms", g.ip(), g.pick("GET", "POST", "PUT"), g.rng.IntN(100000),
			[]int{200, 200, 200, 201, 204, 404}[g.rng.IntN(6)], g.rng.IntN(20000), g.rng.IntN(900))
	case 3:
		return fmt.Appendf(b, "User %s logged in from %s", g.users[g.rng.IntN(len(g.users))], g.ip())
	case 4:
		return fmt.Appendf(b, "Processed batch %d with %d records in %d ms", g.rng.IntN(1e6), g.rng.IntN(5000), g.rng.IntN(3000))
	case 5:
		return fmt.Appendf(b, "Cache hit for key session:%s (ttl=%ds)", g.hex(16), g.rng.IntN(3600))
	case 6:
		return fmt.Appendf(b, "Committed offset %d for partition orders-%d", g.rng.Int64N(1e9), g.rng.IntN(12))
	case 7:
		return fmt.Appendf(b, "Wrote %d bytes to /var/data/exports/%s.csv", g.rng.IntN(1e7), g.hex(8))
	case 8:
		return fmt.Appendf(b, "Scheduled job cleanup-%d to run at %s", g.rng.IntN(100), g.now.Add(time.Hour).Format(time.RFC3339))
	}
	return fmt.Appendf(b, "Request %s-%s-%s-%s-%s completed status=OK duration=%d.%03ds",
		g.hex(8), g.hex(4), g.hex(4), g.hex(4), g.hex(12), g.rng.IntN(5), g.rng.IntN(1000))
}

func (g *logGenerator) debugMessage(b []byte) []byte {
	switch g.rng.IntN(4) {
	case 0:
		return fmt.Appendf(b, "Acquired connection %d from pool main (active=%d, idle=%d)", g.rng.IntN(64), g.rng.IntN(32), g.rng.IntN(32))
	case 1:
		return fmt.Appendf(b, "Released connection %d back to pool main", g.rng.IntN(64))
	case 2:
		return fmt.Appendf(b, "SELECT id, status FROM orders WHERE customer_id = %d took %d us", g.rng.IntN(1e6), g.rng.IntN(90000))
	}
	return fmt.Appendf(b, "Heartbeat from node-%d at %s latency %.2f ms", g.rng.IntN(32), g.ip(), g.rng.Float64()*20)
}

func (g *logGenerator) warnMessage(b []byte) []byte {
	switch g.rng.IntN(4) {
	case 0:
		return fmt.Appendf(b, "Job cleanup-%d took %d ms, above threshold 5000 ms", g.rng.IntN(100), 5000+g.rng.IntN(9000))
	case 1:
		return fmt.Appendf(b, "Retrying request to %s:%d (attempt %d of 5)", g.ip(), 8000+g.rng.IntN(100), 1+g.rng.IntN(5))
	case 2:
		return fmt.Appendf(b, "Pool main is %d%% full", 80+g.rng.IntN(20))
	}
	return fmt.Appendf(b, "Slow query on table orders: %d ms", 1000+g.rng.IntN(9000))
}

func (g *logGenerator) errorMessage(b []byte) []byte {
	switch g.rng.IntN(4) {
	case 0:
		return fmt.Appendf(b, "Connection to %s:5432 refused", g.ip())
	case 1:
		return fmt.Appendf(b, "Timeout after %d ms waiting for lock order-%d", g.rng.IntN(30000), g.rng.IntN(100000))
	case 2:
		return fmt.Appendf(b, "Login failed for user %s from %s: access denied", g.users[g.rng.IntN(len(g.users))], g.ip())
	}
	return fmt.Appendf(b, "Failed to deliver message %s to topic orders", g.hex(24))
}

var javaTraces = [][]string{
	{"java.lang.IllegalStateException: Order %d is locked",
		"com.acme.orders.OrderService.lock(OrderService.java:142)",
		"com.acme.orders.OrderService.process(OrderService.java:88)",
		"com.acme.api.OrderController.post(OrderController.java:51)"},
	{"java.sql.SQLTransientConnectionException: pool main - Connection is not available, request timed out after %dms",
		"com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
		"com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:197)",
		"com.acme.db.Pool.acquire(Pool.java:77)"},
	{"java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"name\" is null (id %d)",
		"com.acme.auth.LoginService.normalise(LoginService.java:33)",
		"com.acme.auth.LoginService.login(LoginService.java:21)",
		"com.acme.api.AuthController.post(AuthController.java:40)"},
}

func (g *logGenerator) withJavaTrace(b []byte) []byte {
	tr := javaTraces[g.rng.IntN(len(javaTraces))]
	b = g.header(b, "ERROR", func(b []byte) []byte { return append(b, "Unhandled exception while serving request"...) })
	b = fmt.Appendf(b, tr[0]+"\n", g.rng.IntN(100000))
	for _, f := range tr[1:] {
		b = append(append(append(b, "\tat "...), f...), '\n')
	}
	b = append(append(b, "\t... "...), strconv.Itoa(20+g.rng.IntN(30))+" more\n"...)
	g.line += len(tr) + 1
	return b
}

func (g *logGenerator) withPythonTrace(b []byte) []byte {
	b = g.header(b, "ERROR", func(b []byte) []byte { return append(b, "Worker crashed"...) })
	b = append(b, "Traceback (most recent call last):\n"...)
	b = append(b, "  File \"/app/worker.py\", line 88, in run\n    self.handle(job)\n"...)
	b = fmt.Appendf(b, "  File \"/app/jobs.py\", line %d, in handle\n    raise ValueError(job.id)\n", 100+g.rng.IntN(3))
	b = fmt.Appendf(b, "ValueError: bad job %d\n", g.rng.IntN(1000))
	g.line += 6
	return b
}

// generatedLog returns a generated log of at least n lines.
func generatedLog(n int, seed uint64) []byte {
	var buf bytes.Buffer
	buf.Grow(n * 140)
	if err := newLogGenerator(seed).writeLines(&buf, n); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// generatorReader streams a generated log of at least n lines without
// holding it, for memory measurements.
type generatorReader struct {
	g    *logGenerator
	n    int
	pend []byte
}

func newGeneratorReader(n int, seed uint64) *generatorReader {
	return &generatorReader{g: newLogGenerator(seed), n: n}
}

func (r *generatorReader) Read(p []byte) (int, error) {
	for len(r.pend) == 0 {
		if r.g.line >= r.n {
			return 0, io.EOF
		}
		r.pend = r.g.entry(r.pend[:0])
	}
	n := copy(p, r.pend)
	r.pend = r.pend[n:]
	return n, nil
}

// convertLog rewrites each header line of a generated log with convert,
// keeping continuation lines as they are.
func convertLog(text []byte, convert func(date, clock, level, comp, msg []byte) []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(text, []byte{'\n'}) {
		f := bytes.SplitN(bytes.TrimSuffix(line, []byte{'\n'}), []byte{' '}, 4)
		if len(f) < 4 || len(f[0]) != 10 || !isDigit(f[0][0]) {
			out.Write(line)
			continue
		}
		rest := bytes.TrimLeft(f[3], " ")
		_, rest, _ = bytes.Cut(rest, []byte("] "))
		comp, msg, _ := bytes.Cut(rest, []byte(": "))
		out.Write(convert(f[0], f[1], f[2], comp, msg))
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func jsonLine(date, clock, level, comp, msg []byte) []byte {
	m, _ := json.Marshal(string(msg))
	return fmt.Appendf(nil, `{"ts":"%sT%sZ","level":"%s","logger":"%s","msg":%s}`, date, clock, bytes.ToLower(level), comp, m)
}

func syslogLine(date, clock, level, comp, msg []byte) []byte {
	t, _ := time.Parse("2006-01-02 15:04:05.000", string(date)+" "+string(clock))
	return fmt.Appendf(nil, "%s web01 %s[%d]: %s", t.Format(time.Stamp), comp[bytes.LastIndexByte(comp, '.')+1:], 4000+len(msg)%97, msg)
}
