package fakepmg

// Paths lists every concrete GET path the fake answers for the current
// model, each with the template it instantiates.
func (f *Fake) Paths() [][2]string {
	var out [][2]string
	add := func(tpl, path string) { out = append(out, [2]string{tpl, path}) }
	f.Do(func() {
		add("/version", "/version")
		add("/config/cluster/status", "/config/cluster/status")
		add("/config/cluster/status", "/config/cluster/status?list_single_node=1")
		add("/statistics/mail", "/statistics/mail?starttime=1767222000&endtime=1767225600")
		add("/quarantine/spamstatus", "/quarantine/spamstatus")
		add("/quarantine/virusstatus", "/quarantine/virusstatus")
		add("/quarantine/attachment", "/quarantine/attachment")
		for _, n := range f.c.Nodes {
			if !n.Online {
				continue
			}
			add("/nodes/{node}/status", "/nodes/"+n.Name+"/status")
			for _, q := range Queues {
				add("/nodes/{node}/postfix/queue/{queue}", "/nodes/"+n.Name+"/postfix/queue/"+q+"?limit=1&sortfield=arrival_time&sortdir=ASC")
			}
		}
	})
	return out
}
