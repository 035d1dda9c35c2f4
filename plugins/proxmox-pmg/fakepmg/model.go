package fakepmg

import (
	"fmt"
	"time"
)

// Queues are the postfix queues, in the order the adapter reports them.
var Queues = []string{"active", "deferred", "hold", "incoming"}

// Cluster is the modelled mail gateway: one node, or a master and nodes.
type Cluster struct {
	// Version, Release and RepoID answer /version.
	Version, Release, RepoID string
	// Nodes; the first is the master when Clustered.
	Nodes []*Node
	// Clustered is false for a standalone gateway (no cluster.conf).
	Clustered bool
	// Stats are the mail statistics of the window asked for.
	Stats Stats
	// Quarantine sizes.
	SpamCount, VirusCount int
	SpamMB, VirusMB       float64
	Attachments           []Attachment
}

// Node is one gateway node.
type Node struct {
	Name, IP, Type string // Type: master or node
	CID            int
	Online         bool
	InSync         bool
	Uptime         int64
	CPU            float64
	MemTotal       int64
	MemUsed        int64
	// Queue holds each postfix queue's messages, oldest first.
	Queue map[string][]Message
}

// Message is one queued message.
type Message struct {
	ID       string
	Arrival  int64
	Size     int64
	Sender   string
	Receiver string
	Reason   string
}

// Stats are /statistics/mail's figures.
type Stats struct {
	Count, CountIn, CountOut, JunkIn, JunkOut float64
	SpamIn, SpamOut, VirusIn, VirusOut        float64
	BouncesIn, BouncesOut, BytesIn, BytesOut  float64
	GreylistCount, SPFCount, AvgProcessing    float64
	RBLRejects, PregreetRejects               int
}

// Attachment is one mail in the attachment quarantine.
type Attachment struct {
	ID    string
	Time  int64
	Bytes int64
}

// Node returns the node named name, or nil.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Fill puts n messages into a queue of node, arriving every step before
// now, with reason for deferred ones.
func (n *Node) Fill(queue string, count int, now time.Time, step time.Duration, reason string) {
	for i := range count {
		at := now.Add(-time.Duration(count-i) * step).Unix()
		n.Queue[queue] = append(n.Queue[queue], Message{ID: fmt.Sprintf("%s%07X", n.Name[len(n.Name)-1:], len(n.Queue[queue])+1+i*7),
			Arrival: at, Size: 4096 + int64(i%50)*1024, Sender: fmt.Sprintf("newsletter%d@example.net", i%13),
			Receiver: fmt.Sprintf("user%d@example.com", i%101), Reason: reason})
	}
}

// Generate builds a healthy cluster of nodes (1 = standalone).
func Generate(nodes int, now time.Time) *Cluster {
	c := &Cluster{Version: "9.0", Release: "1", RepoID: "a1b2c3d4", Clustered: nodes > 1,
		Stats: Stats{Count: 5210, CountIn: 4890, CountOut: 320, JunkIn: 1930, JunkOut: 2, SpamIn: 1650, SpamOut: 1,
			VirusIn: 12, BouncesIn: 41, BouncesOut: 7, BytesIn: 412e6, BytesOut: 38e6, GreylistCount: 260, SPFCount: 18,
			AvgProcessing: 1.84, RBLRejects: 880, PregreetRejects: 64},
		SpamCount: 1423, SpamMB: 96.4, VirusCount: 37, VirusMB: 4.1}
	for i := range nodes {
		typ := "node"
		if i == 0 {
			typ = "master"
		}
		n := &Node{Name: fmt.Sprintf("pmg%d", i+1), IP: fmt.Sprintf("192.0.2.%d", 21+i), Type: typ, CID: i + 1, Online: true, InSync: true,
			Uptime: 1209600 - int64(i)*3600, CPU: 0.04, MemTotal: 8 << 30, MemUsed: 3 << 30, Queue: map[string][]Message{}}
		n.Fill("active", 3, now, 10*time.Second, "")
		n.Fill("deferred", 4, now, 2*time.Minute, "connect to mx.example.org[203.0.113.5]:25: Connection timed out")
		c.Nodes = append(c.Nodes, n)
	}
	for i := range 5 {
		c.Attachments = append(c.Attachments, Attachment{ID: fmt.Sprintf("C%dR%dT%d", 1, 100+i, 17+i), Time: now.Add(-time.Duration(i) * time.Hour).Unix(), Bytes: 250000})
	}
	return c
}

// Lab is the lab model: a two-node cluster whose second node has a
// deferred backlog (a downstream server refusing mail) and a message on hold.
func Lab(now time.Time) *Cluster {
	c := Generate(2, now)
	n := c.Nodes[1]
	n.Fill("deferred", 640, now, 6*time.Second, "host mx.partner.example[198.51.100.7] said: 451 4.7.1 Try again later")
	n.Fill("deferred", 2, now, 40*time.Minute, "connect to mail.gone.example[192.0.2.99]:25: Connection refused")
	n.Fill("hold", 3, now, 5*time.Minute, "")
	return c
}
