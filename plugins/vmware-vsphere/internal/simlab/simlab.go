// Package simlab builds and serves govmomi simulator vCenters for the
// vmware-vsphere adapter's tests, benchmarks and the lab simulator command:
// small multi-datacenter models built in process, a larger benchmark model
// saved once in the `govc object.save` format and loaded from disk, and an
// HTTPS server on a chosen 127.0.0.1 address with one lab user.
package simlab

import (
	"crypto/tls"
	"fmt"
	"net/url"

	"github.com/vmware/govmomi/simulator"
)

// Lab credentials printed by the lab simulator and used by tests.
const (
	User     = "pulse@vsphere.local"
	Password = "pulse-lab"
)

// Shape describes a simulated inventory.
type Shape struct {
	// Datacenters is the number of datacenters.
	Datacenters int
	// Clusters is the number of clusters per datacenter.
	Clusters int
	// HostsPerCluster is the number of ESXi hosts per cluster.
	HostsPerCluster int
	// StandaloneHosts is the number of standalone hosts per datacenter.
	StandaloneHosts int
	// VMsPerPool is the number of VMs per resource pool (per cluster root
	// pool, and per standalone host).
	VMsPerPool int
	// Datastores is the number of datastores mounted on every host.
	Datastores int
	// Folders puts that many datacenters inside folders.
	Folders int
}

// Small is the default lab and test shape: two datacenters, each with two
// clusters of two hosts and one standalone host, two VMs per pool.
var Small = Shape{Datacenters: 2, Clusters: 2, HostsPerCluster: 2, StandaloneHosts: 1, VMsPerPool: 2, Datastores: 1, Folders: 1}

// Bench is the benchmark shape: 4 clusters x 10 hosts, 1,000 VMs.
var Bench = Shape{Datacenters: 2, Clusters: 2, HostsPerCluster: 10, VMsPerPool: 250, Datastores: 1}

// VPX returns an uncreated vCenter model of the given shape.
func VPX(s Shape) *simulator.Model {
	m := simulator.VPX()
	m.Datacenter = s.Datacenters
	m.Cluster = s.Clusters
	m.ClusterHost = s.HostsPerCluster
	m.Host = s.StandaloneHosts
	m.Machine = s.VMsPerPool
	m.Datastore = s.Datastores
	m.Folder = s.Folders
	m.Portgroup = 1
	return m
}

// Serve starts m (created or loaded) over HTTPS on addr ("" picks a free
// 127.0.0.1 port) accepting only user/password. An empty user accepts any
// non-empty credentials (tests use that to observe sessions as a second user).
func Serve(m *simulator.Model, addr, user, password string) (srv *simulator.Server, err error) {
	if m.Service == nil {
		if err := m.Create(); err != nil {
			return nil, fmt.Errorf("create model: %w", err)
		}
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	m.Service.Listen = &url.URL{Host: addr}
	if user != "" {
		m.Service.Listen.User = url.UserPassword(user, password)
	}
	m.Service.TLS = new(tls.Config)
	defer func() {
		if r := recover(); r != nil { // the simulator panics when it cannot listen
			err = fmt.Errorf("listen %s: %v", addr, r)
		}
	}()
	return m.Service.NewServer(), nil
}
