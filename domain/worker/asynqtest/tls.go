package asynqtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// CA is a certificate authority a test makes and throws away.
type CA struct {
	// File is its certificate, PEM, as REDIS_TLS_CA_FILE names one.
	File string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

// NewCA makes a CA of the test's own, valid for a day.
func NewCA(t testing.TB) *CA {
	t.Helper()
	der, key := newCertificate(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "asynqtest CA " + t.Name()},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{File: filepath.Join(t.TempDir(), "ca.pem"), cert: cert, key: key, pool: x509.NewCertPool()}
	ca.pool.AddCert(cert)
	writePEM(t, ca.File, "CERTIFICATE", der)
	return ca
}

// TLSOption changes a topology of StartTLSCluster or StartTLSSentinel.
type TLSOption func(*tlsOptions)

// tlsOptions is what the TLSOptions of a topology ask.
type tlsOptions struct {
	// certName, when set, is the DNS name every certificate names in
	// place of its process's address.
	certName string
}

// CertificateName has every process's certificate name the DNS name name
// alone, and no IP address, as one certificate of a host name (or a
// wildcard) serves nodes that announce IP addresses: a client verifying
// each process against the address it dials is refused by every one, and
// must verify them all against name (tls.Config.ServerName), as the
// topology's own clients (Server.Client) do.
func CertificateName(name string) TLSOption {
	return func(o *tlsOptions) { o.certName = name }
}

// tlsOptionsOf returns what opts ask.
func tlsOptionsOf(opts []TLSOption) tlsOptions {
	var o tlsOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// issue writes a certificate for the IP address ip, or for the DNS name
// name alone when it is set, for servers and clients (cluster nodes are
// both to each other), signed by the CA, and its key, in dir.
func (ca *CA) issue(t testing.TB, dir, ip, name string) (certFile, keyFile string) {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: ip},
		IPAddresses: []net.IP{net.ParseIP(ip)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if name != "" {
		tmpl.Subject.CommonName, tmpl.IPAddresses, tmpl.DNSNames = name, nil, []string{name}
	}
	der, key := newCertificate(t, tmpl, ca)
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, ip+".pem"), filepath.Join(dir, ip+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return certFile, keyFile
}

// serverTLS returns the TLS of a process listening on ip: a certificate
// for ip, or for o's certName, and its clients trusting the CA alone, each
// verifying the address it dials (no ServerName) or the certName.
func (ca *CA) serverTLS(t testing.TB, ip string, o tlsOptions) *serverTLS {
	certFile, keyFile := ca.issue(t, t.TempDir(), ip, o.certName)
	return &serverTLS{certFile: certFile, keyFile: keyFile, caFile: ca.File,
		client: &tls.Config{RootCAs: ca.pool, MinVersion: tls.VersionTLS12, ServerName: o.certName}}
}

// newCertificate makes a key and a certificate of tmpl for it, valid for
// a day, signed by ca, or by the key itself when ca is nil.
func newCertificate(t testing.TB, tmpl *x509.Certificate, ca *CA) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("asynqtest: key: %v", err)
	}
	tmpl.SerialNumber = serial(t)
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatalf("asynqtest: certificate %s: %v", tmpl.Subject.CommonName, err)
	}
	return der, key
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func writePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startTLS starts a TLS-only process of sp. When redis-server cannot serve
// TLS (built without it), the process exits at start or never answers a
// TLS client: the test is skipped saying so, or fails with
// LOGPROC_REQUIRE_REDIS_SERVER=1, as for a missing redis-server. A port
// another process took is tried again, as start does. A certificate the
// process's own client cannot verify is the topology's mistake, not the
// binary's: the test fails.
func startTLS(t testing.TB, sp spec) *Server {
	t.Helper()
	s, err := start(t, sp)
	if err == nil {
		return s
	}
	var verr *tls.CertificateVerificationError
	if strings.Contains(err.Error(), "Address already in use") || errors.As(err, &verr) {
		t.Fatalf("asynqtest: start %s: %v", sp.name, err)
	}
	cannotRun(t, "redis-server did not start with --tls-port (is it built without TLS? Debian's and Homebrew's have it; "+
		"a source build needs BUILD_TLS=yes): "+err.Error())
	return nil
}

// loopbackAddrs returns n addresses of the loopback interface, 127.0.0.1,
// 127.0.0.2, ..., which Linux answers on (all of 127.0.0.0/8). Where the
// system has only 127.0.0.1 (macOS), the test is skipped, or fails with
// LOGPROC_REQUIRE_REDIS_SERVER=1: with every process on one address, each
// certificate would name them all, and a client that verified every
// process against the first one's address would pass the tests built on
// these topologies.
func loopbackAddrs(t testing.TB, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = net.IPv4(127, 0, 0, byte(i+1)).String()
		ln, err := net.Listen("tcp", net.JoinHostPort(addrs[i], "0"))
		if err != nil {
			cannotRun(t, fmt.Sprintf("asynqtest: %s cannot be bound (%v), and the TLS topologies need an address per process "+
				"(on macOS: sudo ifconfig lo0 alias %s up)", addrs[i], err, addrs[i]))
		}
		ln.Close()
	}
	return addrs
}
