package analysis

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTemplateShown checks what a template shows once its messages are
// mined: one "<*>" per value, constants that never varied, one variable for
// one value. Every case's messages must share one template.
func TestTemplateShown(t *testing.T) {
	tests := []struct {
		name string
		msgs []string
		want string
	}{
		{"run of fixed length", []string{"REPORT : 7007 5002 150089 240", "REPORT : 1 2 3 4"}, "REPORT : <*> <*> <*> <*>"},
		{"run of varying length", []string{"disks 1 2 3 ready", "disks 4 5 ready"}, "disks <*> ready"},
		{"values in brackets", []string{"(softheader=003b 0003 0001 0000) ok", "(softheader=0064 8aff 0002 0000) ok"}, "(softheader=<*> <*> <*> <*>) ok"},
		{"inner list of fixed length", []string{"steps = 1514038440000##6993##548365", "steps = 1##2##3"}, "steps = <*>##<*>##<*>"},
		{"inner list of varying length", []string{"ids 1,2,3 done", "ids 4,5 done"}, "ids <*> done"},
		{"date and time", []string{"up at 2026-11-28 05:14:00 UTC", "up at 2026-11-29 16:00:01 UTC"}, "up at <*>"},
		{"date and time with a stop", []string{"to 2017-05-16 06:00:00. 87 left.", "to 2017-05-17 07:00:00. 9 left."}, "to <*>. <*> left."},
		{"weekday date", []string{"changed status=M Fri Jul 01 08:16:53 PDT 2005", "changed status=M Sat Jul 02 09:16:53 PDT 2005", "changed status=M Sun Jul 03 10:16:53 PDT 2005"}, "changed status=M <*>"},
		{"request line", []string{`10.0.0.1 "GET /v2/a/servers HTTP/1.1" status: 200`, `10.0.0.2 "GET /v2/b HTTP/1.0" status: 404`}, `<*> "GET <*>" status: <*>`},
		{"size with its unit", []string{"stored (size 5.2 KB, free 5.2 MB)", "stored (size 16 B, free 1.1 GB)"}, "stored (size <*>, free <*>)"},
		{"percent", []string{"wrote 939 buffers (5.7%)", "wrote 12 buffers (0.1%)"}, "wrote <*> buffers (<*>%)"},
		{"path and line", []string{"matched (/etc/pg/pg_hba.conf:3)", "matched (/etc/pg/pg_hba.conf:12)"}, "matched (<*>:<*>)"},
		{"key=value constant", []string{"authorized: user=a application_name=psql", "authorized: user=b application_name=psql", "authorized: user=c application_name=psql"}, "authorized: user=<*> application_name=psql"},
		{"key=value too rare to call constant", []string{"authorized: user=a application_name=psql", "authorized: user=b application_name=psql"}, "authorized: user=<*> application_name=<*>"},
		{"key=value that varies", []string{"authorized: app=psql", "authorized: app=pgbench", "authorized: app=psql"}, "authorized: app=<*>"},
		{"quoted value", []string{`authenticated: identity="app" method=md5`, `authenticated: identity="app" method=md5`, `authenticated: identity="app" method=md5`}, `authenticated: identity="app" method=md5`},
		{"quoted word", []string{`Trapped "terminated" signal`, `Trapped "hangup" signal`}, `Trapped "<*>" signal`},
		{"quoted word after a prefix", []string{"connected as a1 (p2, u'alice').", "connected as a2 (p2, u'alice').", "connected as a3 (p2, u'alice')."}, "connected as <*> (p2, u'alice')."},
		{"quoted value with blanks", []string{`acquire lock=1, tag="Some Lock", uid=1`, `acquire lock=2, tag="Another Lock Name", uid=2`}, `acquire lock=<*>, tag="<*>", uid=<*>`},
		{"key:value word", []string{"fetch cached:false id=1", "fetch cached:true id=2"}, "fetch cached:<*> id=<*>"},
		{"name with a digit, constant", []string{"link eth0 up after 5 ms", "link eth0 up after 7 ms", "link eth0 up after 9 ms"}, "link eth0 up after <*> ms"},
		{"name with a digit that varies", []string{"link eth0 up after 5 ms", "link br1 up after 7 ms", "link eth0 up after 9 ms"}, "link <*> up after <*> ms"},
		{"reason in closing parentheses", []string{"Aborted connection 8 to db: 'x' (This connection closed normally without authentication)", "Aborted connection 9 to db: 'x' (KILLED)"}, "Aborted connection <*> to db: '<*>' (<*>)"},
		{"closing parentheses that never vary", []string{"Access denied for 'a' (using password: YES)", "Access denied for 'b' (using password: YES)", "Access denied for 'c' (using password: YES)"}, "Access denied for '<*>' (using password: YES)"},
		{"closing parentheses with fields", []string{"stored (size 5.2 KB, free 5.2 MB)", "stored (size 16 B, free 1.1 GB)"}, "stored (size <*>, free <*>)"},
		{"name with three digits, constant", []string{"InnoDB: Using AVX512 instructions", "InnoDB: Using AVX512 instructions", "InnoDB: Using AVX512 instructions"}, "InnoDB: Using AVX512 instructions"},
		{"constant name in a run", []string{"Failed password for root from 10.0.0.1 port 38926 ssh2", "Failed password for root from 10.0.0.2 port 4022 ssh2", "Failed password for root from 10.0.0.3 port 5123 ssh2"}, "Failed password for root from <*> port <*> ssh2"},
		{"values in brackets stay apart", []string{"IOSwitch<0>(0x0)::listener - port = 5", "IOSwitch<1>(0x2)::listener - port = 7"}, "IOSwitch<<*>>(<*>)::listener - port = <*>"},
		{"list in brackets", []string{"joined group [id-7,alpha,2] now", "joined group [id-12,gamma,14,x] now"}, "joined group [<*>] now"},
		{"structure with blanks", []string{"map {a=1, b=2} ok", "map {a=3, c=4, d=5} ok"}, "map {<*>} ok"},
		{"key=value inside a call", []string{"focus Window(title=a/b.C) lost", "focus Window(title=c/d.E) lost"}, "focus Window(title=<*>) lost"},
		{"pid in angle brackets", []string{"accepting AMQP connection <0.2348.0> (127.0.0.1:52044 -> 127.0.0.1:5672)", "accepting AMQP connection <0.91.0> (127.0.0.1:52046 -> 127.0.0.1:5672)"}, "accepting AMQP connection <*> (<*> -> <*>)"},
		{"quoted symbol", []string{"closing (vhost: '/', user: 'guest')", "closing (vhost: 'none', user: 'guest')", "closing (vhost: '/', user: 'guest')"}, "closing (vhost: '<*>', user: 'guest')"},
		{"word after name", []string{"has a client-provided name: corpus-guest", "has a client-provided name: shovel-a"}, "has a client-provided name: <*>"},
		{"name against a name with a value", []string{"closing 1 for corpus-guest, bye", "closing 2 for corpus-nobody2, bye", "closing 3 for corpus-guest, bye"}, "closing <*> for <*>, bye"},
		{"host name stays a variable", []string{"view: name=cp-1.example.com ram=1", "view: name=cp-1.example.com ram=2", "view: name=cp-1.example.com ram=3"}, "view: name=<*> ram=<*>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, m := mine(tt.msgs...)
			for _, id := range ids[1:] {
				if id != ids[0] {
					t.Fatalf("messages split into templates %v", ids)
				}
			}
			if diff := cmp.Diff(tt.want, m.clusters[ids[0]].template()); diff != "" {
				t.Errorf("template (-want +got):\n%s", diff)
			}
		})
	}
}
