package agentgw

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"

	"bytes"
	"context"
	"encoding/json"
	"golang.org/x/crypto/ssh"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
)

// TestRefusals: every refusal of the wire contract is a 4xx with a JSON
// {"error": ...} saying what was wrong, and stores nothing: the gateway's
// tables and the unified store are byte-for-byte what they were.
func TestRefusals(t *testing.T) {
	type req struct {
		path string
		body []byte
		sig  string
	}
	cases := []struct {
		name   string
		prep   func(e *env, k agentKey) req
		status int
		want   string
	}{
		{"replayed report", func(e *env, k agentKey) req {
			b := reportBody(k, 5, e.clock.now(), agentwire.KindFull) // seq 5 was accepted in setup
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)}
		}, 409, "seq 5 is not above the last accepted seq 5"},
		{"lower seq", func(e *env, k agentKey) req {
			b := reportBody(k, 4, e.clock.now(), agentwire.KindMetrics)
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)}
		}, 409, "seq 4 is not above the last accepted seq 5"},
		{"forged body", func(e *env, k agentKey) req {
			b := reportBody(k, 6, e.clock.now(), agentwire.KindFull)
			sig := sign(t, k, agentwire.NamespaceReport, b)
			return req{agentwire.PathReport, bytes.Replace(b, []byte(`"seq":6`), []byte(`"seq":7`), 1), sig}
		}, 401, "signature does not verify"},
		{"wrong key", func(e *env, k agentKey) req {
			b := reportBody(k, 6, e.clock.now(), agentwire.KindFull)
			other := newKey(t)
			// Signed by another (unenrolled) key, claiming the agent's fingerprint.
			return req{agentwire.PathReport, b, sign(t, other, agentwire.NamespaceReport, b)}
		}, 403, "is not enrolled"},
		{"wrong namespace", func(e *env, k agentKey) req {
			b := reportBody(k, 6, e.clock.now(), agentwire.KindFull)
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceEnroll, b)}
		}, 401, `signature namespace is "pulse-agent-enroll@v1", want "pulse-agent-report@v1"`},
		{"missing signature", func(e *env, k agentKey) req {
			return req{agentwire.PathReport, reportBody(k, 6, e.clock.now(), agentwire.KindFull), ""}
		}, 401, "missing Pulse-Signature header"},
		{"clock skew ahead", func(e *env, k agentKey) req {
			b := reportBody(k, 6, e.clock.now().Add(6*time.Minute), agentwire.KindFull)
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)}
		}, 400, "is 6m0s from the core's clock"},
		{"clock skew behind", func(e *env, k agentKey) req {
			b := reportBody(k, 6, e.clock.now().Add(-6*time.Minute), agentwire.KindFull)
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)}
		}, 400, "is -6m0s from the core's clock"},
		{"oversized body", func(e *env, k agentKey) req {
			tel := telemetry("node1")
			tel.Capabilities.InstalledTools = []string{strings.Repeat("x", agentwire.MaxBodyBytes)}
			b, _ := json.Marshal(agentwire.Report{Fingerprint: k.fp, Seq: 6, SentAt: e.clock.now().Format(time.RFC3339), Kind: "full", Telemetry: tel})
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)}
		}, 413, "exceeds the 1 MiB limit"},
		{"malformed JSON", func(e *env, k agentKey) req {
			b := []byte(`{"fingerprint":"` + k.fp + `","seq":6,"sent_at":`)
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)}
		}, 400, "malformed report JSON"},
		{"wrong field type", func(e *env, k agentKey) req {
			b := []byte(`{"fingerprint":"` + k.fp + `","seq":6,"sent_at":"` + e.clock.now().Format(time.RFC3339) + `","kind":"full","telemetry":{"resources":{"mem_total_mb":"lots"}}}`)
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)}
		}, 400, "malformed report JSON"},
		{"fingerprint of another agent in the body", func(e *env, k agentKey) req {
			b := reportBody(newKey(t), 6, e.clock.now(), agentwire.KindFull)
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)}
		}, 400, "is not the signing key's"},
		{"revoked agent", func(e *env, k agentKey) req {
			if err := RevokeAgent(context.Background(), e.db, k.fp, e.clock.now()); err != nil {
				t.Fatal(err)
			}
			b := reportBody(k, 6, e.clock.now(), agentwire.KindFull)
			return req{agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)}
		}, 403, "was revoked at"},
		{"expired token", func(e *env, k agentKey) req {
			tok := e.token(15*time.Minute, 1)
			e.clock.add(16 * time.Minute)
			n := newKey(t)
			b := enrollBody(tok, n)
			return req{agentwire.PathEnroll, b, sign(t, n, agentwire.NamespaceEnroll, b)}
		}, 401, "provisioning token expired at"},
		{"reused token", func(e *env, k agentKey) req {
			tok := e.token(15*time.Minute, 1)
			n := newKey(t)
			b := enrollBody(tok, n)
			if code, body := e.post(agentwire.PathEnroll, b, sign(t, n, agentwire.NamespaceEnroll, b)); code != 201 {
				t.Fatalf("first use = %d %s", code, body)
			}
			n2 := newKey(t)
			b2 := enrollBody(tok, n2)
			return req{agentwire.PathEnroll, b2, sign(t, n2, agentwire.NamespaceEnroll, b2)}
		}, 401, "provisioning token already used 1 of 1 times"},
		{"made-up token", func(e *env, k agentKey) req {
			n := newKey(t)
			b := enrollBody("pulse_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", n)
			return req{agentwire.PathEnroll, b, sign(t, n, agentwire.NamespaceEnroll, b)}
		}, 401, "invalid provisioning token"},
		{"real token id with a wrong secret", func(e *env, k agentKey) req {
			tok := e.token(15*time.Minute, 1)
			n := newKey(t)
			b := enrollBody(tok[:len(tok)-4]+"AAAA", n)
			return req{agentwire.PathEnroll, b, sign(t, n, agentwire.NamespaceEnroll, b)}
		}, 401, "invalid provisioning token"},
		{"revoked token", func(e *env, k agentKey) req {
			tok := e.token(15*time.Minute, 1)
			if err := RevokeToken(context.Background(), e.db, tok, e.clock.now()); err != nil {
				t.Fatal(err)
			}
			n := newKey(t)
			b := enrollBody(tok, n)
			return req{agentwire.PathEnroll, b, sign(t, n, agentwire.NamespaceEnroll, b)}
		}, 401, "provisioning token was revoked"},
		{"enroll without proof of possession", func(e *env, k agentKey) req {
			n := newKey(t)
			b := enrollBody(e.token(15*time.Minute, 1), n)
			return req{agentwire.PathEnroll, b, sign(t, newKey(t), agentwire.NamespaceEnroll, b)}
		}, 401, "signature was made by another key"},
		{"enroll signed in the report namespace", func(e *env, k agentKey) req {
			n := newKey(t)
			b := enrollBody(e.token(15*time.Minute, 1), n)
			return req{agentwire.PathEnroll, b, sign(t, n, agentwire.NamespaceReport, b)}
		}, 401, "namespace"},
		{"enroll without signature", func(e *env, k agentKey) req {
			return req{agentwire.PathEnroll, enrollBody(e.token(15*time.Minute, 1), newKey(t)), ""}
		}, 401, "missing Pulse-Signature header"},
		{"enroll an already enrolled key", func(e *env, k agentKey) req {
			b := enrollBody(e.token(15*time.Minute, 1), k)
			return req{agentwire.PathEnroll, b, sign(t, k, agentwire.NamespaceEnroll, b)}
		}, 409, "is already enrolled"},
		{"enroll a non-ed25519 key", func(e *env, k agentKey) req {
			b, _ := json.Marshal(agentwire.EnrollRequest{Token: e.token(time.Minute, 1), PublicKey: ecdsaLine(t), Hostname: "x"})
			return req{agentwire.PathEnroll, b, sign(t, k, agentwire.NamespaceEnroll, b)}
		}, 400, "pulse agents use ed25519 keys"},
		{"malformed enroll JSON", func(e *env, k agentKey) req {
			b := []byte(`{"token": 5}`)
			return req{agentwire.PathEnroll, b, sign(t, k, agentwire.NamespaceEnroll, b)}
		}, 400, "malformed enroll JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			k := newKey(t)
			e.enroll(k)
			b := reportBody(k, 5, e.clock.now(), agentwire.KindFull)
			if code, body := e.post(agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)); code != 200 {
				t.Fatalf("setup report = %d %s", code, body)
			}
			r := c.prep(e, k)
			before := e.dump()
			code, body := e.post(r.path, r.body, r.sig)
			if code != c.status {
				t.Fatalf("status = %d, want %d; body %s", code, c.status, body)
			}
			var eb agentwire.ErrorBody
			if err := json.Unmarshal([]byte(body), &eb); err != nil || !strings.Contains(eb.Error, c.want) {
				t.Fatalf("body = %s, want an {\"error\"} containing %q", body, c.want)
			}
			if after := e.dump(); after != before {
				t.Fatalf("the refusal stored something:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestReplayRefusedAfterRestart: the seq survives a restart of the core.
func TestReplayRefusedAfterRestart(t *testing.T) {
	e := newEnv(t, Options{})
	k := newKey(t)
	e.enroll(k)
	b := reportBody(k, 9, e.clock.now(), agentwire.KindFull)
	sig := sign(t, k, agentwire.NamespaceReport, b)
	if code, body := e.post(agentwire.PathReport, b, sig); code != 200 {
		t.Fatalf("report = %d %s", code, body)
	}
	// A new gateway on a fresh handle of the same database.
	db2, err := OpenDB(context.Background(), e.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	e.gw = New(db2, e.st, nil, Options{Now: e.clock.now})
	e.srv.Config.Handler = e.gw.Handler()
	if code, body := e.post(agentwire.PathReport, b, sig); code != http.StatusConflict || !strings.Contains(body, "seq 9 is not above") {
		t.Fatalf("replay after restart = %d %s", code, body)
	}
}

// TestEnrollRateLimitedPerAddress: the burst passes (even when refused for
// other reasons), the next attempt from the same address is 429.
func TestEnrollRateLimitedPerAddress(t *testing.T) {
	e := newEnv(t, Options{EnrollBurst: 3, EnrollEvery: time.Minute})
	for i := 0; i < 3; i++ {
		if code, _ := e.post(agentwire.PathEnroll, []byte(`{}`), ""); code != 401 {
			t.Fatalf("attempt %d = %d, want 401", i, code)
		}
	}
	before := e.dump()
	n := newKey(t)
	b := enrollBody(e.token(5*time.Minute, 1), n)
	code, body := e.post(agentwire.PathEnroll, b, sign(t, n, agentwire.NamespaceEnroll, b))
	if code != http.StatusTooManyRequests || !strings.Contains(body, "too many enrollment attempts") {
		t.Fatalf("4th attempt = %d %s", code, body)
	}
	// The token was created between the dumps; it must be unused.
	_ = before
	if toks, _ := ListTokens(context.Background(), e.db); len(toks) != 1 || toks[0].Uses != 0 {
		t.Fatalf("tokens = %+v", toks)
	}
	e.clock.add(time.Minute)
	if code, body := e.post(agentwire.PathEnroll, b, sign(t, n, agentwire.NamespaceEnroll, b)); code != 201 {
		t.Fatalf("after a minute = %d %s", code, body)
	}
}

func ecdsaLine(t *testing.T) string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

func TestWrongMethodAndPathAreJSON(t *testing.T) {
	e := newEnv(t, Options{})
	for _, c := range []struct {
		method, path string
		status       int
		want         string
	}{
		{http.MethodGet, agentwire.PathReport, 405, "takes POST"},
		{http.MethodPut, agentwire.PathEnroll, 405, "takes POST"},
		{http.MethodPost, "/api/v1/agents/other", 404, "no route"},
	} {
		req, _ := http.NewRequest(c.method, e.srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var eb agentwire.ErrorBody
		_ = json.NewDecoder(resp.Body).Decode(&eb)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(eb.Error, c.want) {
			t.Errorf("%s %s = %d %q", c.method, c.path, resp.StatusCode, eb.Error)
		}
	}
}
