package simlab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// Save writes every managed entity under the root folder (and the root
// folder itself) to dir, one ObjectContent per XML file named
// "NNNNN-Type-value.xml": the layout `govc object.save` writes and
// simulator.Model.Load reads. Service managers are not saved; Load creates
// the simulator's defaults for them.
func Save(ctx context.Context, c *vim25.Client, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	root := c.ServiceContent.RootFolder
	v, err := view.NewManager(c).CreateContainerView(ctx, root, nil, true)
	if err != nil {
		return fmt.Errorf("save model: container view: %w", err)
	}
	defer func() { _ = v.Destroy(ctx) }()

	all := types.NewBool(true)
	req := &types.RetrievePropertiesEx{
		This:    c.ServiceContent.PropertyCollector,
		Options: types.RetrieveOptions{MaxObjects: 200},
		SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{
				{Obj: root},
				{Obj: v.Reference(), Skip: types.NewBool(true), SelectSet: []types.BaseSelectionSpec{
					&types.TraversalSpec{Type: "ContainerView", Path: "view"},
				}},
			},
			PropSet: []types.PropertySpec{{Type: "ManagedEntity", All: all}},
		}},
	}
	res, err := methods.RetrievePropertiesEx(ctx, c, req)
	if err != nil {
		return fmt.Errorf("save model: retrieve: %w", err)
	}
	n := 0
	for ret := res.Returnval; ret != nil; {
		for _, obj := range ret.Objects {
			obj.MissingSet = nil
			if err := writeXML(filepath.Join(dir, fmt.Sprintf("%05d-%s.xml", n, obj.Obj.Encode())), obj); err != nil {
				return err
			}
			n++
		}
		if ret.Token == "" {
			break
		}
		next, err := methods.ContinueRetrievePropertiesEx(ctx, c, &types.ContinueRetrievePropertiesEx{This: req.This, Token: ret.Token})
		if err != nil {
			return fmt.Errorf("save model: continue: %w", err)
		}
		ret = &next.Returnval
	}
	return nil
}

func writeXML(path string, data any) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	if err := xml.NewEncoder(f).Encode(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("save model: encode %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

// Load returns a vCenter model loaded from a directory written by Save (or
// by `govc object.save`). The model is first created empty so that it owns a
// temporary home directory: the simulator re-creates each datastore's
// backing directory under it instead of under the working directory.
// Call Remove on the model when done.
func Load(dir string) (*simulator.Model, error) {
	m := simulator.VPX()
	m.Datacenter, m.Cluster, m.ClusterHost, m.Host, m.Machine, m.Datastore, m.Portgroup = 0, 0, 0, 0, 0, 0, 0
	if err := m.Create(); err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	if err := m.Load(dir); err != nil {
		m.Remove()
		return nil, fmt.Errorf("load model %s: %w", filepath.Base(dir), err)
	}
	return m, nil
}
