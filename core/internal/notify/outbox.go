// Package notify delivers alert notifications: email over SMTP and
// webhooks (generic JSON with an HMAC signature, or formatted for Slack,
// Discord, Teams, Telegram, Mattermost, ntfy, Gotify, Pushover and
// PagerDuty Events v2). Every notification goes through a durable outbox
// in the core's SQLite file: enqueued in the same transaction as the alert
// transition it reports, delivered by a worker with timeouts, retries with
// capped, jittered backoff and per-channel rate limits, and kept as a
// dead letter with its last error when it cannot be delivered. Tests of a
// notifier take the same path.
package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/alerts"
	"github.com/pulsehost/pulse/core/internal/database"
)

// migrations are the notify component's tables.
var migrations = [][]string{{
	`CREATE TABLE notify_outbox (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		event_id     TEXT NOT NULL,
		channel      TEXT NOT NULL,
		alert_id     TEXT NOT NULL,
		kind         TEXT NOT NULL,
		body         TEXT NOT NULL,
		state        TEXT NOT NULL DEFAULT 'pending',
		attempts     INTEGER NOT NULL DEFAULT 0,
		next_ms      INTEGER NOT NULL,
		claimed_ms   INTEGER NOT NULL DEFAULT 0,
		last_error   TEXT NOT NULL DEFAULT '',
		created_ms   INTEGER NOT NULL,
		delivered_ms INTEGER NOT NULL DEFAULT 0,
		UNIQUE(event_id, channel)
	)`,
	`CREATE INDEX notify_outbox_due ON notify_outbox(state, next_ms)`,
	`CREATE INDEX notify_outbox_alert ON notify_outbox(alert_id)`,
	`CREATE TABLE notify_attempts (
		outbox_id   INTEGER NOT NULL,
		attempt     INTEGER NOT NULL,
		at_ms       INTEGER NOT NULL,
		ok          INTEGER NOT NULL,
		status      TEXT NOT NULL,
		duration_ms REAL NOT NULL,
		PRIMARY KEY(outbox_id, attempt)
	) WITHOUT ROWID`,
	`CREATE TABLE notify_sent (
		alert_id TEXT NOT NULL,
		channel  TEXT NOT NULL,
		last_ms  INTEGER NOT NULL,
		PRIMARY KEY(alert_id, channel)
	) WITHOUT ROWID`,
}}

// Delivery states of an outbox item.
const (
	StatePending = "pending"
	StateDone    = "delivered"
	StateDead    = "dead"
)

// Retry policy.
const (
	MaxAttempts = 8
	BackoffMin  = 2 * time.Second
	BackoffMax  = 5 * time.Minute
	// ClaimFor is how long a worker owns an item it is sending; after a
	// crash the item is due again once it passes.
	ClaimFor = 2 * time.Minute
)

// Item is one notification for one channel.
type Item struct {
	EventID string       `json:"event_id"`
	Channel string       `json:"channel"`
	Kind    string       `json:"kind"` // firing, resolved, flapping, repeat, escalation, test
	Event   alerts.Event `json:"event"`
	// Grouped are further transitions of the same kind, rule and severity
	// in the same cycle, sent in this one notification (a mass event).
	Grouped []alerts.Event `json:"grouped,omitempty"`
}

// PermanentError marks a failure retrying cannot fix (a 4xx answer, a
// refused recipient): the item goes to the dead letters at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Sender delivers one item to one channel.
type Sender interface {
	Send(ctx context.Context, it *Item) error
	Timeout() time.Duration
	RatePerMinute() int
}

// Outbox is the durable queue and its worker.
type Outbox struct {
	db      *sql.DB
	log     hclog.Logger
	senders map[string]Sender
	now     func() time.Time
	wake    chan struct{}

	mu      sync.Mutex
	buckets map[string]*bucket
}

// OpenOutbox migrates the notify tables on db.
func OpenOutbox(ctx context.Context, db *sql.DB, senders map[string]Sender, log hclog.Logger) (*Outbox, error) {
	if err := database.Migrate(ctx, db, "notify", migrations); err != nil {
		return nil, err
	}
	return &Outbox{db: db, log: log.Named("notify"), senders: senders, now: time.Now,
		wake: make(chan struct{}, 1), buckets: map[string]*bucket{}}, nil
}

// DB is the outbox's database handle (to enqueue inside a transaction).
func (o *Outbox) DB() *sql.DB { return o.db }

// EnqueueTx adds items inside tx; an item already queued (same event id and
// channel) is skipped. It returns the ids of the new rows.
func EnqueueTx(ctx context.Context, tx *sql.Tx, items []Item, now time.Time) ([]int64, error) {
	if len(items) == 0 {
		return nil, nil
	}
	// Prepared once per call: a first evaluation may enqueue thousands.
	ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO notify_outbox(event_id, channel, alert_id, kind, body, next_ms, created_ms)
			VALUES(?,?,?,?,?,?,?)`)
	if err != nil {
		return nil, fmt.Errorf("enqueue: %w", err)
	}
	defer ins.Close()
	var sent *sql.Stmt
	var ids []int64
	for i := range items {
		it := &items[i]
		body, err := json.Marshal(it)
		if err != nil {
			return nil, fmt.Errorf("enqueue: %w", err)
		}
		res, err := ins.ExecContext(ctx, it.EventID, it.Channel, it.Event.Alert.ID, it.Kind, string(body), now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return nil, fmt.Errorf("enqueue %s for %s: %w", it.EventID, it.Channel, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			id, _ := res.LastInsertId()
			ids = append(ids, id)
		}
		if it.Kind != "test" && it.Kind != "resolved" {
			if sent == nil {
				if sent, err = tx.PrepareContext(ctx, `INSERT INTO notify_sent(alert_id, channel, last_ms) VALUES(?,?,?)
				ON CONFLICT(alert_id, channel) DO UPDATE SET last_ms = excluded.last_ms`); err != nil {
					return nil, fmt.Errorf("enqueue: %w", err)
				}
				defer sent.Close()
			}
			if _, err := sent.ExecContext(ctx, it.Event.Alert.ID, it.Channel, now.UnixMilli()); err != nil {
				return nil, fmt.Errorf("enqueue: %w", err)
			}
		}
	}
	return ids, nil
}

// Enqueue adds items in their own transaction and wakes the worker.
func (o *Outbox) Enqueue(ctx context.Context, items []Item) ([]int64, error) {
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("enqueue: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	ids, err := EnqueueTx(ctx, tx, items, o.now())
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("enqueue: %w", err)
	}
	o.Wake()
	return ids, nil
}

// Wake makes the worker look for due items now.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run delivers due items until ctx ends.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			n, err := o.DeliverDue(ctx, 0)
			if err != nil {
				o.log.Error("outbox", "error", err)
			}
			if n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.wake:
		}
	}
}

type row struct {
	id       int64
	channel  string
	attempts int
	body     string
}

// DeliverDue sends the items due now (only item `only` when it is not 0)
// and returns how many it tried.
func (o *Outbox) DeliverDue(ctx context.Context, only int64) (int, error) {
	now := o.now()
	q := `SELECT id, channel, attempts, body FROM notify_outbox WHERE state = 'pending' AND next_ms <= ? AND claimed_ms <= ?`
	args := []any{now.UnixMilli(), now.UnixMilli()}
	if only != 0 {
		q += ` AND id = ?`
		args = append(args, only)
	}
	q += ` ORDER BY next_ms, id LIMIT 50`
	rows, err := o.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("outbox: %w", err)
	}
	var due []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.channel, &r.attempts, &r.body); err != nil {
			rows.Close()
			return 0, fmt.Errorf("outbox: %w", err)
		}
		due = append(due, r)
	}
	rows.Close()
	tried := 0
	for _, r := range due {
		if ctx.Err() != nil {
			break
		}
		if wait := o.take(r.channel, now); wait > 0 {
			// Over the channel's rate limit: later, not a failed attempt.
			if _, err := o.db.ExecContext(ctx, `UPDATE notify_outbox SET next_ms = ? WHERE id = ?`, now.Add(wait).UnixMilli(), r.id); err != nil {
				return tried, fmt.Errorf("outbox: %w", err)
			}
			continue
		}
		// Claim it, so another worker (a CLI test beside the daemon) or a
		// restart does not send it twice meanwhile.
		res, err := o.db.ExecContext(ctx, `UPDATE notify_outbox SET claimed_ms = ? WHERE id = ? AND state = 'pending' AND claimed_ms <= ?`,
			now.Add(ClaimFor).UnixMilli(), r.id, now.UnixMilli())
		if err != nil {
			return tried, fmt.Errorf("outbox: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue
		}
		tried++
		o.deliver(ctx, r)
	}
	return tried, nil
}

// deliver sends one claimed item and records the attempt.
func (o *Outbox) deliver(ctx context.Context, r row) {
	var it Item
	attempt := r.attempts + 1
	start := o.now()
	err := json.Unmarshal([]byte(r.body), &it)
	s := o.senders[r.channel]
	switch {
	case err != nil:
		err = &PermanentError{fmt.Errorf("stored item unreadable: %w", err)}
	case s == nil:
		err = &PermanentError{fmt.Errorf("notifier %q is not configured (any more)", r.channel)}
	default:
		cctx, cancel := context.WithTimeout(ctx, s.Timeout())
		err = s.Send(cctx, &it)
		cancel()
	}
	dur := float64(o.now().Sub(start).Microseconds()) / 1000
	status, ok := "ok", 1
	if err != nil {
		status, ok = err.Error(), 0
	}
	now := o.now()
	// Record with a fresh context: a shutdown mid-send must still record it.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = o.db.ExecContext(rctx, `INSERT OR REPLACE INTO notify_attempts(outbox_id, attempt, at_ms, ok, status, duration_ms) VALUES(?,?,?,?,?,?)`,
		r.id, attempt, now.UnixMilli(), ok, status, dur)
	var perm *PermanentError
	switch {
	case err == nil:
		_, err = o.db.ExecContext(rctx, `UPDATE notify_outbox SET state = 'delivered', attempts = ?, delivered_ms = ?, last_error = '' WHERE id = ?`, attempt, now.UnixMilli(), r.id)
		o.log.Debug("delivered", "channel", r.channel, "event", it.EventID, "attempt", attempt)
	case errors.As(err, &perm) || attempt >= MaxAttempts || it.Kind == "test":
		// A test is answered at once: no retries behind the operator's back.
		o.log.Error("notification dead-lettered", "channel", r.channel, "event", it.EventID, "attempts", attempt, "error", status)
		_, err = o.db.ExecContext(rctx, `UPDATE notify_outbox SET state = 'dead', attempts = ?, last_error = ?, claimed_ms = 0 WHERE id = ?`, attempt, status, r.id)
	default:
		next := now.Add(Backoff(attempt))
		o.log.Warn("notification failed, will retry", "channel", r.channel, "event", it.EventID, "attempt", attempt, "next", next, "error", status)
		_, err = o.db.ExecContext(rctx, `UPDATE notify_outbox SET attempts = ?, last_error = ?, next_ms = ?, claimed_ms = 0 WHERE id = ?`, attempt, status, next.UnixMilli(), r.id)
	}
	if err != nil {
		o.log.Error("outbox update", "error", err)
	}
}

// Backoff is the wait before retry n+1: exponential from BackoffMin,
// capped at BackoffMax, with ±20% jitter.
func Backoff(attempt int) time.Duration {
	d := BackoffMin << min(attempt-1, 20)
	if d > BackoffMax || d <= 0 {
		d = BackoffMax
	}
	j := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * j)
}

// bucket is a per-channel token bucket: rate per minute, burst rate.
type bucket struct {
	tokens float64
	last   time.Time
}

// take spends a token of channel's bucket; it returns 0 when one was
// available, else how long until one is.
func (o *Outbox) take(channel string, now time.Time) time.Duration {
	s := o.senders[channel]
	if s == nil || s.RatePerMinute() <= 0 {
		return 0
	}
	rate := float64(s.RatePerMinute())
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.buckets[channel]
	if b == nil {
		b = &bucket{tokens: rate, last: now}
		o.buckets[channel] = b
	}
	b.tokens = min(rate, b.tokens+now.Sub(b.last).Minutes()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Minute))
}

// Delivery is one outbox item with its attempts: the delivery trace.
type Delivery struct {
	ID          int64      `json:"id"`
	EventID     string     `json:"event_id"`
	Channel     string     `json:"channel"`
	AlertID     string     `json:"alert_id"`
	Kind        string     `json:"kind"`
	State       string     `json:"state"`
	Attempts    []Attempt  `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	Created     time.Time  `json:"created"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Delivered   *time.Time `json:"delivered,omitempty"`
}

// Attempt is one try to deliver.
type Attempt struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	OK         bool      `json:"ok"`
	Status     string    `json:"status"`
	DurationMS float64   `json:"duration_ms"`
}

// DeliveryFilter selects deliveries.
type DeliveryFilter struct {
	AlertID string
	State   string
	ID      int64
	Limit   int
}

// Deliveries returns outbox items with their attempts, newest first.
func (o *Outbox) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	q := `SELECT id, event_id, channel, alert_id, kind, state, last_error, created_ms, next_ms, delivered_ms FROM notify_outbox WHERE 1=1`
	var args []any
	if f.AlertID != "" {
		q += ` AND alert_id = ?`
		args = append(args, f.AlertID)
	}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, f.State)
	}
	if f.ID != 0 {
		q += ` AND id = ?`
		args = append(args, f.ID)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := o.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		var created, next, delivered int64
		if err := rows.Scan(&d.ID, &d.EventID, &d.Channel, &d.AlertID, &d.Kind, &d.State, &d.LastError, &created, &next, &delivered); err != nil {
			rows.Close()
			return nil, fmt.Errorf("deliveries: %w", err)
		}
		d.Created = time.UnixMilli(created).UTC()
		if d.State == StatePending {
			t := time.UnixMilli(next).UTC()
			d.NextAttempt = &t
		}
		if delivered > 0 {
			t := time.UnixMilli(delivered).UTC()
			d.Delivered = &t
		}
		d.Attempts = []Attempt{}
		out = append(out, d)
	}
	rows.Close()
	for i := range out {
		ar, err := o.db.QueryContext(ctx, `SELECT attempt, at_ms, ok, status, duration_ms FROM notify_attempts WHERE outbox_id = ? ORDER BY attempt`, out[i].ID)
		if err != nil {
			return nil, fmt.Errorf("deliveries: %w", err)
		}
		for ar.Next() {
			var a Attempt
			var at int64
			if err := ar.Scan(&a.N, &at, &a.OK, &a.Status, &a.DurationMS); err != nil {
				ar.Close()
				return nil, fmt.Errorf("deliveries: %w", err)
			}
			a.At = time.UnixMilli(at).UTC()
			out[i].Attempts = append(out[i].Attempts, a)
		}
		ar.Close()
	}
	return out, nil
}

// LastSent returns when alert was last notified on channel (zero: never).
func (o *Outbox) LastSent(ctx context.Context, alertID, channel string) (time.Time, error) {
	var ms int64
	err := o.db.QueryRowContext(ctx, `SELECT last_ms FROM notify_sent WHERE alert_id = ? AND channel = ?`, alertID, channel).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("last sent: %w", err)
	}
	return time.UnixMilli(ms), nil
}
