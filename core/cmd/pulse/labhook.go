package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pulsehost/pulse/core/internal/notify"
)

// Lab webhook receiver: `pulse lab` serves it so the alerts walkthrough
// can be watched without any outside service. examples/lab.hcl points a
// webhook notifier at it.
const (
	LabHookAddr   = "127.0.0.1:18090"
	LabHookSecret = "lab-webhook-secret"
)

// labHook prints every notification it receives and serves the last 200
// at GET / (as JSON).
type labHook struct {
	mu   sync.Mutex
	got  []map[string]any
	out  io.Writer
	srv  *http.Server
	seen map[string]int
}

func startLabHook(addr string, out io.Writer) (*labHook, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("lab webhook receiver on %s: %w", addr, err)
	}
	h := &labHook{out: out, seen: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook", h.receive)
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(h.got)
	})
	h.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := h.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(out, "lab webhook receiver:", err)
		}
	}()
	return h, nil
}

func (h *labHook) receive(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	m := hmac.New(sha256.New, []byte(LabHookSecret))
	m.Write(body)
	sig := "signature ok"
	if r.Header.Get(notify.HeaderSignature) != "sha256="+hex.EncodeToString(m.Sum(nil)) {
		sig = "BAD SIGNATURE"
	}
	var doc map[string]any
	_ = json.Unmarshal(body, &doc)
	id := r.Header.Get(notify.HeaderEventID)
	h.mu.Lock()
	h.seen[id]++
	dup := ""
	if h.seen[id] > 1 {
		dup = fmt.Sprintf(" (duplicate #%d of this event id)", h.seen[id])
	}
	h.got = append(h.got, doc)
	if len(h.got) > 200 {
		h.got = h.got[1:]
	}
	h.mu.Unlock()
	msg := ""
	if a, ok := doc["alert"].(map[string]any); ok {
		msg, _ = a["message"].(string)
	}
	fmt.Fprintf(h.out, "lab webhook: %v | %s | %s%s\n", doc["title"], msg, sig, dup)
	w.WriteHeader(http.StatusNoContent)
}

func (h *labHook) Close() { _ = h.srv.Close() }
