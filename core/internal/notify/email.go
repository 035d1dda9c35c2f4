package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"html"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"os"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/internal/config"
)

// Email sends over SMTP: STARTTLS (default, port 587), implicit TLS
// ("tls", port 465) or plain ("none", port 25, no auth over it), with
// PLAIN auth when a username is set, as multipart/alternative plain text
// and HTML.
type Email struct {
	name, host, port, mode string
	user, pass, from       string
	to                     []string
	roots                  *x509.CertPool
	timeout                time.Duration
	rate                   int
}

// NewEmail builds an email sender from its block.
func NewEmail(n config.Notifier) (*Email, error) {
	e := &Email{name: n.Name, host: n.Attrs["host"], port: n.Attrs["port"], mode: n.Attrs["tls"],
		user: n.Attrs["username"], pass: n.Attrs["password"], from: n.Attrs["from"], to: n.Lists["to"],
		timeout: timeoutOf(n), rate: rateOf(n)}
	if e.mode == "" {
		e.mode = "starttls"
	}
	if e.port == "" {
		e.port = map[string]string{"starttls": "587", "tls": "465", "none": "25"}[e.mode]
	}
	if len(e.to) == 0 {
		return nil, fmt.Errorf("notifier %q: to names no recipient", n.Name)
	}
	if e.user != "" && e.mode == "none" {
		return nil, fmt.Errorf("notifier %q: username/password over plain SMTP would send the password in clear; use tls = \"starttls\" or \"tls\"", n.Name)
	}
	if f := n.Attrs["ca_file"]; f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("notifier %q: ca_file: %w", n.Name, err)
		}
		e.roots = x509.NewCertPool()
		if !e.roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("notifier %q: ca_file %s holds no PEM certificate", n.Name, f)
		}
	}
	return e, nil
}

// Timeout bounds one delivery.
func (e *Email) Timeout() time.Duration { return e.timeout }

// RatePerMinute is the channel's rate limit.
func (e *Email) RatePerMinute() int { return e.rate }

// Send delivers one message.
func (e *Email) Send(ctx context.Context, it *Item) error {
	addr := net.JoinHostPort(e.host, e.port)
	d := net.Dialer{Timeout: e.timeout}
	tcfg := &tls.Config{ServerName: e.host, RootCAs: e.roots, MinVersion: tls.VersionTLS12}
	var conn net.Conn
	var err error
	if e.mode == "tls" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tcfg}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, e.host)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello("pulse"); err != nil {
		return fmt.Errorf("smtp %s: hello: %w", addr, err)
	}
	if e.mode == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return &PermanentError{fmt.Errorf("smtp %s: the server does not offer STARTTLS (set tls = \"tls\" or \"none\")", addr)}
		}
		if err := c.StartTLS(tcfg); err != nil {
			return fmt.Errorf("smtp %s: starttls: %w", addr, err)
		}
	}
	if e.user != "" {
		if err := c.Auth(smtp.PlainAuth("", e.user, e.pass, e.host)); err != nil {
			return &PermanentError{fmt.Errorf("smtp %s: auth: %w", addr, err)}
		}
	}
	if err := c.Mail(e.from); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", addr, err)
	}
	for _, r := range e.to {
		if err := c.Rcpt(r); err != nil {
			return &PermanentError{fmt.Errorf("smtp %s: RCPT TO %s: %w", addr, r, err)}
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if _, err := w.Write(e.message(it)); err != nil {
		return fmt.Errorf("smtp %s: write: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: end of data: %w", addr, err)
	}
	return c.Quit()
}

// message renders the MIME message: plain text and HTML alternatives.
func (e *Email) message(it *Item) []byte {
	var rb [12]byte
	_, _ = rand.Read(rb[:])
	boundary := "pulse-" + hex.EncodeToString(rb[:])
	title, text := Title(it), Text(it)
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", e.from)
	h("To", strings.Join(e.to, ", "))
	h("Subject", mimeWord(title))
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+hex.EncodeToString(rb[:])+"@pulse>")
	h(HeaderEventID, it.EventID)
	h("MIME-Version", "1.0")
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	part := func(ctype, body string) {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, ctype)
		q := quotedprintable.NewWriter(&b)
		_, _ = q.Write([]byte(body))
		_ = q.Close()
		b.WriteString("\r\n")
	}
	part("text/plain", text)
	a := it.Event.Alert
	var hb strings.Builder
	fmt.Fprintf(&hb, `<!doctype html><html><body style="font-family:sans-serif">`)
	fmt.Fprintf(&hb, `<h2 style="color:#%06X">%s</h2>`, color(it), html.EscapeString(title))
	fmt.Fprintf(&hb, `<p>%s</p><table cellpadding="4">`, html.EscapeString(a.Message))
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&hb, `<tr><th align="left">%s</th><td>%s</td></tr>`, html.EscapeString(k), html.EscapeString(v))
		}
	}
	row("Severity", a.Severity)
	row("State", string(a.State))
	row("Resource", firstNonEmpty(a.ResourceName, a.Resource))
	row("Type", a.ResourceType)
	row("Platform", a.Platform)
	row("Connection", a.Connection)
	row("Since", a.Since.UTC().Format(time.RFC3339))
	if a.Ack != nil {
		row("Acknowledged", a.Ack.By+": "+a.Ack.Comment)
	}
	row("Alert", a.ID)
	hb.WriteString(`</table>`)
	if len(it.Grouped) > 0 {
		fmt.Fprintf(&hb, `<p>and %d more:</p><ul>`, len(it.Grouped))
		for _, ev := range it.Grouped {
			fmt.Fprintf(&hb, `<li>%s</li>`, html.EscapeString(ev.Alert.Message))
		}
		hb.WriteString(`</ul>`)
	}
	hb.WriteString(`</body></html>`)
	part("text/html", hb.String())
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// mimeWord encodes a header value when it is not plain ASCII.
func mimeWord(s string) string { return mime.QEncoding.Encode("utf-8", s) }
