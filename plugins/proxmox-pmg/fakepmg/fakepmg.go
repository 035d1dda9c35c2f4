// Package fakepmg is a fake Proxmox Mail Gateway API: a modelled gateway
// (standalone or a master and nodes, postfix queues per node, quarantines,
// mail statistics) served under /api2/json over HTTPS with PMG's ticket
// login (PMGAuthCookie and CSRFPreventionToken; PMG has no API tokens),
// role checks and fault injection, through the shared fakeapi server.
//
// Every response follows the official API description (pmg-apidoc.json);
// the package's tests validate each one. Tests import it directly; the lab
// runs it through cmd/pulse-sim-proxmox-pmg.
package fakepmg

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
)

// Lab credentials the fake accepts unless Options say otherwise.
const (
	DefaultUsername = "pulse@pmg"
	DefaultPassword = "pulse-lab"
)

// Options, Fault and Response are the shared fake server's (aliases, so
// packages outside plugins/ can configure the fake and inject faults).
type (
	Options  = fakeapi.Options
	Fault    = fakeapi.Fault
	Response = fakeapi.Response
)

// Fake is a running fake PMG: the shared server plus the model.
type Fake struct {
	*fakeapi.Server
	c   *Cluster
	now func() time.Time
}

// New builds a fake serving c (which it owns from now on). PMG has no API
// tokens; empty credentials in o take the defaults.
func New(c *Cluster, o fakeapi.Options) *Fake {
	o.Product, o.TokenID, o.TokenSecret = "PMG", "", ""
	if o.Username == "" {
		o.Username, o.Password = DefaultUsername, DefaultPassword
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	f := &Fake{Server: fakeapi.New(o), c: c, now: o.Now}
	f.routes()
	return f
}

// Update changes the model under the server's lock.
func (f *Fake) Update(fn func(c *Cluster)) { f.Do(func() { fn(f.c) }) }

func (f *Fake) audit(path string) *fakeapi.Error {
	if f.Has("audit") || f.Has("admin") {
		return nil
	}
	return fakeapi.Denied(path, "audit")
}

func (f *Fake) routes() {
	g := func(tpl string, h fakeapi.Handler) { f.Handle(http.MethodGet, tpl, h) }
	g("/version", func(*fakeapi.Request) (any, *fakeapi.Error) {
		return map[string]any{"version": f.c.Version, "release": f.c.Release, "repoid": f.c.RepoID}, nil
	})
	g("/config/cluster/status", f.clusterStatus)
	g("/nodes/{node}/status", f.nodeStatus)
	g("/nodes/{node}/postfix/queue/{queue}", f.queue)
	g("/statistics/mail", f.stats)
	g("/quarantine/spamstatus", func(*fakeapi.Request) (any, *fakeapi.Error) {
		if e := f.audit("/quarantine"); e != nil {
			return nil, e
		}
		avg := 0.0
		if f.c.SpamCount > 0 {
			avg = f.c.SpamMB * 1024 * 1024 / float64(f.c.SpamCount)
		}
		return map[string]any{"count": f.c.SpamCount, "mbytes": f.c.SpamMB, "avgbytes": avg, "avgspam": 7.9}, nil
	})
	g("/quarantine/virusstatus", func(*fakeapi.Request) (any, *fakeapi.Error) {
		if e := f.audit("/quarantine"); e != nil {
			return nil, e
		}
		avg := 0.0
		if f.c.VirusCount > 0 {
			avg = f.c.VirusMB * 1024 * 1024 / float64(f.c.VirusCount)
		}
		return map[string]any{"count": f.c.VirusCount, "mbytes": f.c.VirusMB, "avgbytes": avg}, nil
	})
	g("/quarantine/attachment", f.attachments)
}

func (f *Fake) clusterStatus(rq *fakeapi.Request) (any, *fakeapi.Error) {
	if e := f.audit("/config/cluster"); e != nil {
		return nil, e
	}
	out := []map[string]any{}
	if !f.c.Clustered {
		if rq.Query.Get("list_single_node") != "1" {
			return out, nil
		}
		n := f.c.Nodes[0]
		// "RSA keys and fingerprint are not valid in that case" (the schema).
		return []map[string]any{{"cid": 0, "name": n.Name, "ip": n.IP, "type": "master", "fingerprint": "", "hostrsapubkey": "", "rootrsapubkey": ""}}, nil
	}
	for _, n := range f.c.Nodes {
		out = append(out, map[string]any{"cid": n.CID, "name": n.Name, "ip": n.IP, "type": n.Type,
			"fingerprint": "5E:1A:00:9C:" + n.Name, "hostrsapubkey": "AAAAB3NzaC1yc2E" + n.Name, "rootrsapubkey": "AAAAB3NzaC1yc2F" + n.Name})
	}
	return out, nil
}

func (f *Fake) node(rq *fakeapi.Request) (*Node, *fakeapi.Error) {
	n := f.c.Node(rq.Params["node"])
	if n == nil {
		return nil, &fakeapi.Error{Status: http.StatusBadRequest, Msg: "no such cluster node '" + rq.Params["node"] + "'"}
	}
	if !n.Online {
		// pmgproxy cannot forward the call to the node.
		return nil, &fakeapi.Error{Status: 595, Msg: "Connection refused"}
	}
	return n, nil
}

func (f *Fake) nodeStatus(rq *fakeapi.Request) (any, *fakeapi.Error) {
	n, e := f.node(rq)
	if e != nil {
		return nil, e
	}
	if e := f.audit("/nodes/" + n.Name); e != nil {
		return nil, e
	}
	return map[string]any{"insync": n.InSync, "time": f.now().Unix(), "uptime": n.Uptime,
		"cpu": n.CPU, "memory": map[string]any{"total": n.MemTotal, "used": n.MemUsed, "free": n.MemTotal - n.MemUsed},
		"loadavg": []string{"0.12", "0.10", "0.09"}, "pmgversion": "pmg-api/" + f.c.Version + "-" + f.c.Release}, nil
}

// queue lists a postfix queue, sorted and paged, with the full count in
// the envelope's "total".
func (f *Fake) queue(rq *fakeapi.Request) (any, *fakeapi.Error) {
	n, e := f.node(rq)
	if e != nil {
		return nil, e
	}
	if e := f.audit("/nodes/" + n.Name + "/postfix"); e != nil {
		return nil, e
	}
	q := rq.Params["queue"]
	valid := false
	for _, name := range Queues {
		valid = valid || name == q
	}
	if !valid {
		return nil, &fakeapi.Error{Status: http.StatusBadRequest, Msg: "Parameter verification failed. queue: value '" + q + "' does not have a value in the enumeration 'deferred, active, incoming, hold'"}
	}
	msgs := append([]Message(nil), n.Queue[q]...)
	desc := rq.Query.Get("sortdir") == "DESC"
	switch rq.Query.Get("sortfield") {
	case "message_size":
		sort.SliceStable(msgs, func(i, j int) bool { return (msgs[i].Size < msgs[j].Size) != desc })
	default:
		sort.SliceStable(msgs, func(i, j int) bool { return (msgs[i].Arrival < msgs[j].Arrival) != desc })
	}
	total := len(msgs)
	start, _ := strconv.Atoi(rq.Query.Get("start"))
	limit, err := strconv.Atoi(rq.Query.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 50
	}
	if start > len(msgs) {
		start = len(msgs)
	}
	msgs = msgs[start:min(start+limit, len(msgs))]
	out := make([]map[string]any, 0, len(msgs))
	for _, m := range msgs {
		e := map[string]any{"queue_id": m.ID, "queue_name": q, "arrival_time": m.Arrival, "message_size": m.Size,
			"sender": m.Sender, "receiver": m.Receiver}
		if m.Reason != "" {
			e["reason"] = m.Reason
		}
		out = append(out, e)
	}
	return fakeapi.Paged{Data: out, Total: total}, nil
}

func (f *Fake) stats(*fakeapi.Request) (any, *fakeapi.Error) {
	if e := f.audit("/statistics"); e != nil {
		return nil, e
	}
	s := f.c.Stats
	return map[string]any{"count": s.Count, "count_in": s.CountIn, "count_out": s.CountOut, "junk_in": s.JunkIn, "junk_out": s.JunkOut,
		"spamcount_in": s.SpamIn, "spamcount_out": s.SpamOut, "viruscount_in": s.VirusIn, "viruscount_out": s.VirusOut,
		"bounces_in": s.BouncesIn, "bounces_out": s.BouncesOut, "bytes_in": s.BytesIn, "bytes_out": s.BytesOut,
		"glcount": s.GreylistCount, "spfcount": s.SPFCount, "avptime": s.AvgProcessing,
		"rbl_rejects": s.RBLRejects, "pregreet_rejects": s.PregreetRejects}, nil
}

func (f *Fake) attachments(rq *fakeapi.Request) (any, *fakeapi.Error) {
	if e := f.audit("/quarantine"); e != nil {
		return nil, e
	}
	start, err := strconv.ParseInt(rq.Query.Get("starttime"), 10, 64)
	if err != nil {
		start = f.now().Add(-24 * time.Hour).Unix()
	}
	end, err := strconv.ParseInt(rq.Query.Get("endtime"), 10, 64)
	if err != nil {
		end = start + 86400
	}
	out := []map[string]any{}
	for _, a := range f.c.Attachments {
		if a.Time < start || a.Time >= end {
			continue
		}
		out = append(out, map[string]any{"id": a.ID, "time": a.Time, "bytes": a.Bytes, "envelope_sender": "billing@example.net",
			"from": "Billing <billing@example.net>", "receiver": "accounts@example.com", "subject": "Invoice"})
	}
	return out, nil
}
