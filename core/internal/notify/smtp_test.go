package notify

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/internal/alerts"
)

// smtpServer is a minimal SMTP server for tests (RFC 5321 subset):
// EHLO, STARTTLS (RFC 3207), AUTH PLAIN (RFC 4616), MAIL, RCPT, DATA, QUIT.
type smtpServer struct {
	ln       net.Listener
	tls      *tls.Config
	user     string
	pass     string
	mu       sync.Mutex
	messages []smtpMessage
}

type smtpMessage struct {
	from, auth string
	to         []string
	tls        bool
	data       string
}

func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func newSMTPServer(t *testing.T, cert tls.Certificate, user, pass string) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, tls: &tls.Config{Certificates: []tls.Certificate{cert}}, user: user, pass: pass}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	var m smtpMessage
	say("220 127.0.0.1 ESMTP test")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO", "HELO":
			if m.tls {
				say("250-127.0.0.1\r\n250 AUTH PLAIN")
			} else {
				say("250-127.0.0.1\r\n250 STARTTLS")
			}
		case "STARTTLS":
			say("220 ready")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, m.tls = tc, true
			r, w = bufio.NewReader(c), bufio.NewWriter(c)
		case "AUTH":
			f := strings.Fields(line)
			raw, _ := base64.StdEncoding.DecodeString(f[len(f)-1])
			parts := strings.Split(string(raw), "\x00")
			if !m.tls || len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				say("535 authentication failed")
				continue
			}
			m.auth = parts[1]
			say("235 ok")
		case "MAIL":
			if s.user != "" && m.auth == "" {
				say("530 authentication required")
				continue
			}
			m.from = line
			say("250 ok")
		case "RCPT":
			m.to = append(m.to, line)
			say("250 ok")
		case "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.data = b.String()
			s.mu.Lock()
			s.messages = append(s.messages, m)
			s.mu.Unlock()
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func TestEmailOverSTARTTLSWithAuth(t *testing.T) {
	cert, caPEM := selfSigned(t)
	srv := newSMTPServer(t, cert, "pulse", "pw")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(srv.ln.Addr().String())
	s := newService(t, parseNotifiers(t, `notifier "email" "ops" {
  host     = "`+host+`"
  port     = `+port+`
  tls      = "starttls"
  ca_file  = "`+ca+`"
  username = "pulse"
  password = "pw"
  from     = "pulse@example.org"
  to       = ["ops@example.org", "oncall@example.org"]
}`))
	ctx := context.Background()
	if _, err := s.Outbox.Enqueue(ctx, s.Items([]alerts.Event{firingEvent()})); err != nil {
		t.Fatal(err)
	}
	deliverAll(t, s)
	ds, _ := s.Outbox.Deliveries(ctx, DeliveryFilter{})
	if len(ds) != 1 || ds[0].State != StateDone {
		t.Fatalf("delivery %+v", ds)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.messages) != 1 {
		t.Fatalf("server got %d messages", len(srv.messages))
	}
	m := srv.messages[0]
	if !m.tls || m.auth != "pulse" || len(m.to) != 2 {
		t.Fatalf("session tls=%v auth=%q rcpts=%v", m.tls, m.auth, m.to)
	}
	msg, err := mail.ReadMessage(strings.NewReader(m.data))
	if err != nil {
		t.Fatal(err)
	}
	if subj := msg.Header.Get("Subject"); !strings.Contains(subj, "CRITICAL") || msg.Header.Get(HeaderEventID) != firingEvent().ID {
		t.Fatalf("headers %v", msg.Header)
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("content type %s", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b := new(strings.Builder)
		buf := make([]byte, 4096)
		for {
			n, err := p.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
		if !strings.Contains(b.String(), "web01") {
			t.Errorf("%s part lacks the resource name: %q", ct, b.String())
		}
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Fatalf("parts %v", types)
	}
}

func TestEmailWrongPasswordIsADeadLetter(t *testing.T) {
	cert, caPEM := selfSigned(t)
	srv := newSMTPServer(t, cert, "pulse", "pw")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	_ = os.WriteFile(ca, caPEM, 0o600)
	host, port, _ := net.SplitHostPort(srv.ln.Addr().String())
	s := newService(t, parseNotifiers(t, `notifier "email" "ops" {
  host = "`+host+`"
  port = `+port+`
  ca_file = "`+ca+`"
  username = "pulse"
  password = "wrong"
  from = "pulse@example.org"
  to = ["ops@example.org"]
}`))
	ctx := context.Background()
	_, _ = s.Outbox.Enqueue(ctx, s.Items([]alerts.Event{firingEvent()}))
	deliverAll(t, s)
	ds, _ := s.Outbox.Deliveries(ctx, DeliveryFilter{State: StateDead})
	if len(ds) != 1 || !strings.Contains(ds[0].LastError, "auth") {
		t.Fatalf("dead letters %+v", ds)
	}
}
