package analysis

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// openStackLog returns n lines in the shape of OpenStack Nova's logs: a
// file-name prefix, a timestamp, a pid, the level, a dotted logger and a
// request context in brackets, then API access lines ("GET /v2/... HTTP/1.1"
// status: 200 len: 1893 time: 0.2477829), instance lifecycle lines with
// UUIDs, resource audits and image cache messages; about 300 bytes a line.
// It is deterministic for a seed. Every line is written for the benchmark;
// none is copied from a log.
func openStackLog(n int, seed uint64) []byte {
	g := &openStackGen{rng: rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d)),
		now: time.Date(2017, 5, 16, 0, 0, 0, 0, time.UTC)}
	g.tenants = []string{g.hex(32), g.hex(32), g.hex(32)}
	g.users = []string{g.hex(32), g.hex(32), g.hex(32)}
	var b bytes.Buffer
	b.Grow(n * 310)
	var line []byte
	for range n {
		line = g.line(line[:0])
		b.Write(line)
	}
	return b.Bytes()
}

type openStackGen struct {
	rng            *rand.Rand
	now            time.Time
	tenants, users []string
	instance       string
}

func (g *openStackGen) hex(n int) string {
	const digits = "0123456789abcdef"
	out := make([]byte, n)
	for i := range out {
		out[i] = digits[g.rng.IntN(16)]
	}
	return string(out)
}

func (g *openStackGen) uuid() string {
	return g.hex(8) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(4) + "-" + g.hex(12)
}

// line appends one line: about 55% API access lines, the rest from the
// compute and scheduler services, 2% of them warnings.
func (g *openStackGen) line(b []byte) []byte {
	g.now = g.now.Add(time.Duration(g.rng.IntN(300)) * time.Millisecond)
	if g.instance == "" || g.rng.IntN(40) == 0 {
		g.instance = g.uuid()
	}
	switch r := g.rng.IntN(100); {
	case r < 55:
		b = g.header(b, "nova-api.log.1.2017-05-16_13:53:08", 25746, "INFO", "nova.osapi_compute.wsgi.server", true)
		b = g.access(b)
	case r < 60:
		b = g.header(b, "nova-api.log.1.2017-05-16_13:53:08", 25743, "INFO", "nova.api.openstack.compute.server_external_events", true)
		b = fmt.Appendf(b, "Creating event network-vif-plugged:%s for instance %s", g.uuid(), g.instance)
	case r < 62:
		b = g.header(b, "nova-compute.log.1.2017-05-16_13:55:31", 2931, "WARNING", "nova.virt.libvirt.imagecache", false)
		b = fmt.Appendf(b, "Unknown base file: /var/lib/nova/instances/_base/%s", g.hex(40))
	case r < 64:
		b = g.header(b, "nova-scheduler.log.1.2017-05-16_13:53:08", 25998, "INFO", "nova.scheduler.host_manager", false)
		b = fmt.Appendf(b, "Successfully synced instances from host 'cp-%d.slowvm1.tcloud-pg0.utah.cloudlab.us'.", 1+g.rng.IntN(4))
	default:
		b = g.compute(b)
	}
	return append(b, '\n')
}

// header appends the prefix up to the message; user says whether the
// request context names a user and a tenant or only dashes.
func (g *openStackGen) header(b []byte, file string, pid int, level, logger string, user bool) []byte {
	b = append(append(b, file...), ' ')
	b = g.now.AppendFormat(b, "2006-01-02 15:04:05.000")
	b = fmt.Appendf(b, " %d %s %s [req-%s ", pid, level, logger, g.uuid())
	if user {
		return fmt.Appendf(b, "%s %s - - -] ", g.users[g.rng.IntN(len(g.users))], g.tenants[g.rng.IntN(len(g.tenants))])
	}
	return append(b, "- - - - -] "...)
}

func (g *openStackGen) access(b []byte) []byte {
	ip := "10.11.10.1"
	if g.rng.IntN(4) == 0 {
		ip = fmt.Sprintf("10.11.%d.%d", 20+g.rng.IntN(4), 1+g.rng.IntN(250))
	}
	tenant := g.tenants[g.rng.IntN(len(g.tenants))]
	var req string
	status, size := 200, 1893+g.rng.IntN(4)*583
	switch r := g.rng.IntN(20); {
	case r < 14:
		req = "GET /v2/" + tenant + "/servers/detail"
	case r < 16:
		req = "GET /v2/" + tenant + "/servers/" + g.instance
	case r < 17:
		req, status, size = "POST /v2/"+tenant+"/servers", 202, 733
	case r < 18:
		req, status, size = "DELETE /v2/"+tenant+"/servers/"+g.instance, 204, 203
	default:
		req = "GET /openstack/2013-10-17/meta_data.json"
	}
	return fmt.Appendf(b, "%s \"%s HTTP/1.1\" status: %d len: %d time: %d.%07d", ip, req, status, size, g.rng.IntN(2), g.rng.IntN(10_000_000))
}

// compute appends a compute service line about the current instance.
func (g *openStackGen) compute(b []byte) []byte {
	logger := "nova.compute.manager"
	r := g.rng.IntN(12)
	switch r {
	case 5, 6:
		logger = "nova.compute.claims"
	case 7:
		logger = "nova.virt.libvirt.driver"
	}
	b = g.header(b, "nova-compute.log.1.2017-05-16_13:55:31", 2931, "INFO", logger, r%3 != 0)
	b = fmt.Appendf(b, "[instance: %s] ", g.instance)
	switch r {
	case 0:
		return append(b, []string{"VM Started", "VM Paused", "VM Resumed", "VM Stopped"}[g.rng.IntN(4)]+" (Lifecycle Event)"...)
	case 1:
		return fmt.Appendf(b, "Took %d.%02d seconds to spawn the instance on the hypervisor.", 10+g.rng.IntN(20), g.rng.IntN(100))
	case 2:
		return fmt.Appendf(b, "Took %d.%02d seconds to build instance.", 10+g.rng.IntN(20), g.rng.IntN(100))
	case 3:
		return append(b, "Terminating instance"...)
	case 4:
		return fmt.Appendf(b, "Deleting instance files /var/lib/nova/instances/%s_del", g.instance)
	case 5:
		return fmt.Appendf(b, "Attempting claim: memory %d MB, disk %d GB, vcpus %d CPU", 512<<g.rng.IntN(4), 20*(1+g.rng.IntN(3)), 1+g.rng.IntN(4))
	case 6:
		return fmt.Appendf(b, "Total memory: %d MB, used: %d.00 MB", 64172, 512*(1+g.rng.IntN(100)))
	case 7:
		return append(b, "Instance spawned successfully."...)
	case 8:
		return append(b, "During sync_power_state the instance has a pending task (spawning). Skip."...)
	case 9:
		return fmt.Appendf(b, "Took %d.%02d seconds to deallocate network for instance.", g.rng.IntN(3), g.rng.IntN(100))
	case 10:
		return append(b, "Instance destroyed successfully."...)
	}
	return append(b, "Claim successful"...)
}

// BenchmarkAnalyzeOpenStack runs a generated OpenStack-like file: long
// lines, UUIDs and hex ids in every header.
func BenchmarkAnalyzeOpenStack(b *testing.B) {
	data := openStackLog(benchLines, 1)
	benchmarkAnalyze(b, data, bytes.Count(data, []byte{'\n'}))
}

// TestOpenStackGeneratorShape keeps the generated file a log the engine
// reads as Nova's: levels, lines of about 300 bytes, a few dozen templates
// and the access lines' client addresses counted.
func TestOpenStackGeneratorShape(t *testing.T) {
	data := openStackLog(5000, 1)
	sum, err := Analyze(context.Background(), bytes.NewReader(data), Options{}, func(*Chunk) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	perLine := len(data) / 5000
	if sum.Lines != 5000 || sum.Levels[LevelInfo]+sum.Levels[LevelWarn] != 5000 || sum.Levels[LevelWarn] == 0 {
		t.Errorf("%d lines, levels %v; want 5000 lines of INFO and WARN", sum.Lines, sum.Levels)
	}
	if perLine < 270 || perLine > 330 {
		t.Errorf("%d bytes a line; want about 300", perLine)
	}
	if sum.Templates < 15 || sum.Templates > 40 {
		t.Errorf("%d templates; want the generator's 20-odd message kinds", sum.Templates)
	}
	if len(sum.IPs) == 0 || sum.IPs[0].Name != "10.11.10.1" {
		t.Errorf("top addresses %v; want 10.11.10.1 first", sum.IPs)
	}
}
