package vsphere

import (
	"context"
	"fmt"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// watchWaitSeconds bounds one WaitForUpdatesEx long poll (and is halved
// down to the connection's timeout when that is shorter).
const watchWaitSeconds = 10

// Watched property paths: the state operators must see at once (power,
// connection, maintenance, accessibility, host placement, names, alarms and
// health). Everything else (usage, capacity, snapshots, guest details,
// folder and pool moves) reconciles on the next Collect. A change to a
// watched path re-reads the object's full property set. The list is kept
// short on purpose: the server evaluates every watched path of every object
// in the filter (the govmomi simulator even re-collects the whole filter on
// each update), so each path costs in proportion to the inventory.
var (
	vmWatch = []string{
		"name", "runtime.powerState", "runtime.connectionState", "runtime.host",
		"triggeredAlarmState", "overallStatus",
	}
	hostWatch = []string{
		"name", "runtime.connectionState", "runtime.powerState", "runtime.inMaintenanceMode",
		"triggeredAlarmState", "overallStatus",
	}
	dsWatch = []string{
		"name", "summary.accessible", "summary.maintenanceMode",
		"triggeredAlarmState", "overallStatus",
	}
)

func watchPropSet() []types.PropertySpec {
	ps := []types.PropertySpec{
		{Type: "VirtualMachine", PathSet: vmWatch},
		{Type: "HostSystem", PathSet: hostWatch},
		{Type: "Datastore", PathSet: dsWatch},
	}
	for _, t := range nodeTypes {
		ps = append(ps, types.PropertySpec{Type: t, PathSet: nodeProps})
	}
	return ps
}

// Watch streams deltas from WaitForUpdatesEx on a property filter over the
// session's container views until ctx is done. It first emits the current
// state of every resource (the baseline the deltas apply to), then an upsert
// (with relationships and alarm/health alerts) for every host, VM or
// datastore whose watched state changes, Removed for ones that leave the
// inventory, and ClearedAlert for alarms that clear.
func (a *Adapter) Watch(ctx context.Context, name string, out sdk.Emitter) error {
	cn, err := a.conn(name)
	if err != nil {
		return err
	}
	err = cn.do(ctx, func(ctx context.Context, st *state) error { return cn.watch(ctx, st, out) })
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("watch %s: %w", name, err)
}

// watcher is the state of one Watch: the inventory the deltas apply to and
// the alerts already raised per resource.
type watcher struct {
	cn     *conn
	st     *state
	out    sdk.Emitter
	inv    *inventory
	alerts map[string]map[string]bool // native id -> alert ids
}

func (cn *conn) watch(ctx context.Context, st *state, out sdk.Emitter) error {
	pc, err := property.DefaultCollector(st.c).Create(ctx)
	if err != nil {
		return fmt.Errorf("create property collector: %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = methods.CancelWaitForUpdates(dctx, st.c, &types.CancelWaitForUpdates{This: pc.Reference()})
		_ = pc.Destroy(dctx)
	}()
	objs, err := cn.viewSpecs(ctx, st)
	if err != nil {
		return err
	}
	if _, err := pc.CreateFilter(ctx, types.CreateFilter{Spec: types.PropertyFilterSpec{ObjectSet: objs, PropSet: watchPropSet()}}); err != nil {
		return fmt.Errorf("create property filter: %w", err)
	}
	w := &watcher{cn: cn, st: st, out: out, alerts: map[string]map[string]bool{}}
	// A long poll must end well within the per-request timeout.
	wait := int32(watchWaitSeconds)
	if cn.timeout > 0 {
		wait = int32(max(1, min(watchWaitSeconds, int(cn.timeout.Seconds()/2))))
	}
	version := ""
	for {
		res, err := methods.WaitForUpdatesEx(ctx, st.c, &types.WaitForUpdatesEx{
			This: pc.Reference(), Version: version, Options: &types.WaitOptions{MaxWaitSeconds: &wait},
		})
		if err != nil {
			return fmt.Errorf("wait for updates: %w", err)
		}
		set := res.Returnval
		if set == nil {
			continue // no change within the wait
		}
		version = set.Version
		if w.inv == nil {
			// The first update sets list every object; once they are
			// complete, the full read below is the baseline.
			if set.Truncated == nil || !*set.Truncated {
				if err := sdk.Group(out, func() error { return w.resync(ctx) }); err != nil {
					return err
				}
			}
			continue
		}
		// One update set reaches the core as one delta (one store
		// transaction), not one per record.
		if err := sdk.Group(out, func() error { return w.apply(ctx, set) }); err != nil {
			return err
		}
	}
}

// resync reads the whole inventory and emits it; resources that were known
// and are gone are reported Removed.
func (w *watcher) resync(ctx context.Context) error {
	var inv *inventory
	if w.inv == nil {
		// The first baseline: the Collect that preceded this watch has
		// usually just read everything.
		inv = w.st.takeHandoff(time.Now())
	}
	if inv == nil {
		var err error
		if inv, err = w.cn.retrieve(ctx, w.st); err != nil {
			return err
		}
	}
	old := w.inv
	w.inv = inv
	if old != nil {
		for _, id := range goneIDs(old, inv) {
			if err := w.removed(id); err != nil {
				return err
			}
		}
	}
	names, err := w.cn.alarmNames(ctx, w.st, inv)
	if err != nil {
		return err
	}
	for _, r := range sortedRefs(inv.hosts) {
		if err := w.emit(r, names); err != nil {
			return err
		}
	}
	for _, r := range sortedRefs(inv.datastores) {
		if err := w.emit(r, names); err != nil {
			return err
		}
	}
	for _, r := range sortedRefs(inv.vms) {
		if err := w.emit(r, names); err != nil {
			return err
		}
	}
	return nil
}

// goneIDs lists the native ids projected in old but not in cur.
func goneIDs(old, cur *inventory) []string {
	var out []string
	for r := range old.hosts {
		if _, ok := cur.hosts[r]; !ok {
			out = append(out, r.Value)
		}
	}
	for r := range old.vms {
		if _, ok := cur.vms[r]; !ok {
			out = append(out, r.Value)
		}
	}
	for r := range old.datastores {
		if _, ok := cur.datastores[r]; !ok {
			out = append(out, r.Value)
		}
	}
	return out
}

// apply handles one update set.
func (w *watcher) apply(ctx context.Context, set *types.UpdateSet) error {
	var changed []types.ManagedObjectReference
	var gone []types.ManagedObjectReference
	structural := false
	for _, fu := range set.FilterSet {
		for _, ou := range fu.ObjectSet {
			switch ou.Obj.Type {
			case "VirtualMachine", "HostSystem", "Datastore":
				if ou.Kind == types.ObjectUpdateKindLeave {
					gone = append(gone, ou.Obj)
				} else {
					changed = append(changed, ou.Obj)
				}
			default:
				structural = true
				if ou.Kind == types.ObjectUpdateKindLeave {
					delete(w.inv.nodes, ou.Obj)
					continue
				}
				n, ok := w.inv.nodes[ou.Obj]
				if !ok {
					n = node{typ: ou.Obj.Type}
				}
				for _, c := range ou.ChangeSet {
					switch c.Name {
					case "name":
						n.name, _ = c.Val.(string)
					case "parent":
						n.parent, _ = c.Val.(types.ManagedObjectReference)
					}
				}
				w.inv.nodes[ou.Obj] = n
			}
		}
	}
	for _, r := range gone {
		w.inv.forget(r)
		if err := w.removed(r.Value); err != nil {
			return err
		}
	}
	if len(changed) > 0 {
		if err := w.refetch(ctx, changed); err != nil {
			if fault.Is(err, &types.ManagedObjectNotFound{}) {
				return w.resync(ctx) // something vanished in between: re-read everything
			}
			return err
		}
	}
	names, err := w.cn.alarmNames(ctx, w.st, w.inv)
	if err != nil {
		return err
	}
	if structural {
		// Names or placement of containers changed: every resource's
		// topology may have, too.
		for _, r := range append(append(sortedRefs(w.inv.hosts), sortedRefs(w.inv.datastores)...), sortedRefs(w.inv.vms)...) {
			if err := w.emit(r, names); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range changed {
		if w.inv.projected(r) {
			if err := w.emit(r, names); err != nil {
				return err
			}
		}
	}
	return nil
}

// refetch re-reads the full property set of the changed objects in one call.
func (w *watcher) refetch(ctx context.Context, refs []types.ManagedObjectReference) error {
	objs := make([]types.ObjectSpec, 0, len(refs))
	for _, r := range refs {
		objs = append(objs, types.ObjectSpec{Obj: r})
	}
	return retrieveAll(ctx, w.st, []types.PropertyFilterSpec{{ObjectSet: objs, PropSet: refetchPropSet()}}, w.inv.add)
}

// emit sends one resource's upsert, relationships and alert changes.
func (w *watcher) emit(r types.ManagedObjectReference, names map[types.ManagedObjectReference]string) error {
	inv := w.inv
	var err error
	switch r.Type {
	case "HostSystem":
		err = w.out.Resource(inv.hostResource(r))
	case "Datastore":
		err = w.out.Resource(inv.datastoreResource(r))
	case "VirtualMachine":
		res, rels := inv.vmResource(r)
		if err = w.out.Resource(res); err == nil {
			for _, rel := range rels {
				if err = w.out.Relationship(rel); err != nil {
					break
				}
			}
		}
	}
	if err != nil {
		return err
	}
	var cur []sdk.Alert
	switch r.Type {
	case "HostSystem":
		cur = entityAlerts(r, &inv.hosts[r].ManagedEntity, names)
	case "Datastore":
		cur = entityAlerts(r, &inv.datastores[r].ManagedEntity, names)
	case "VirtualMachine":
		cur = entityAlerts(r, &inv.vms[r].ManagedEntity, names)
	}
	now := map[string]bool{}
	for _, al := range cur {
		now[al.NativeID] = true
		if err := w.out.Alert(al); err != nil {
			return err
		}
	}
	for id := range w.alerts[r.Value] {
		if !now[id] {
			if err := w.out.ClearedAlert(id); err != nil {
				return err
			}
		}
	}
	w.alerts[r.Value] = now
	return nil
}

// removed reports a resource gone and clears its alerts.
func (w *watcher) removed(id string) error {
	if err := w.out.Removed(id); err != nil {
		return err
	}
	for al := range w.alerts[id] {
		if err := w.out.ClearedAlert(al); err != nil {
			return err
		}
	}
	delete(w.alerts, id)
	return nil
}

// forget drops a projected object from the inventory.
func (inv *inventory) forget(r types.ManagedObjectReference) {
	delete(inv.hosts, r)
	delete(inv.vms, r)
	delete(inv.datastores, r)
}
