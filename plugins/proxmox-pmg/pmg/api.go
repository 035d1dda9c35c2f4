package pmg

// The structs below are written from pmg-apidoc.json. Queue entries are not
// described there beyond the sort fields the queue listing accepts
// (arrival_time, message_size, sender, receiver, reason); the listing's
// full count travels in the envelope's "total" member.

// versionInfo is GET /version.
type versionInfo struct {
	Version string `json:"version"`
	Release string `json:"release"`
	RepoID  string `json:"repoid"`
}

// clusterNode is one row of GET /config/cluster/status.
type clusterNode struct {
	CID  int    `json:"cid"`
	Name string `json:"name"`
	IP   string `json:"ip"`
	Type string `json:"type"` // master or node
}

// nodeStatus is GET /nodes/{node}/status: insync, time and uptime are
// declared; the rest is what the node adds (additionalProperties).
type nodeStatus struct {
	InSync *bool   `json:"insync"`
	Time   int64   `json:"time"`
	Uptime int64   `json:"uptime"`
	CPU    float64 `json:"cpu"`
	Memory struct {
		Total int64 `json:"total"`
		Used  int64 `json:"used"`
	} `json:"memory"`
}

// queued is one message of GET /nodes/{node}/postfix/queue/{queue}.
type queued struct {
	ArrivalTime int64 `json:"arrival_time"`
}

// mailStats is GET /statistics/mail (counts are numbers in the schema).
type mailStats struct {
	Count           float64 `json:"count"`
	CountIn         float64 `json:"count_in"`
	CountOut        float64 `json:"count_out"`
	JunkIn          float64 `json:"junk_in"`
	JunkOut         float64 `json:"junk_out"`
	SpamIn          float64 `json:"spamcount_in"`
	SpamOut         float64 `json:"spamcount_out"`
	VirusIn         float64 `json:"viruscount_in"`
	VirusOut        float64 `json:"viruscount_out"`
	BouncesIn       float64 `json:"bounces_in"`
	BouncesOut      float64 `json:"bounces_out"`
	BytesIn         float64 `json:"bytes_in"`
	BytesOut        float64 `json:"bytes_out"`
	Greylisted      float64 `json:"glcount"`
	SPF             float64 `json:"spfcount"`
	AvgProcessing   float64 `json:"avptime"`
	RBLRejects      int64   `json:"rbl_rejects"`
	PregreetRejects int64   `json:"pregreet_rejects"`
}

// quarantineStatus is GET /quarantine/{spam,virus}status.
type quarantineStatus struct {
	Count  int64   `json:"count"`
	MBytes float64 `json:"mbytes"`
}

// attachment is one row of GET /quarantine/attachment.
type attachment struct {
	ID    string `json:"id"`
	Time  int64  `json:"time"`
	Bytes int64  `json:"bytes"`
}
