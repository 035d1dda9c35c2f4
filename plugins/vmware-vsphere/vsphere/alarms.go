package vsphere

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// History bounds: the event and task pages read on every collect, and how
// far back they count as current.
const (
	eventPageSize = 100
	taskPageSize  = 50
	historyWindow = time.Hour
)

// historySpec returns the filter spec that reads the latest pages of the
// session's event and task history collectors (errors and warnings only),
// creating the collectors once per session. It returns nil when they cannot
// be created (the reason is kept for Check).
func (cn *conn) historySpec(ctx context.Context, st *state) *types.PropertyFilterSpec {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.events == nil && st.historyErr == nil {
		st.historyErr = cn.createHistory(ctx, st)
	}
	if st.events == nil {
		return nil
	}
	return &types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: *st.events}, {Obj: *st.tasks}},
		PropSet: []types.PropertySpec{
			{Type: "EventHistoryCollector", PathSet: []string{"latestPage"}},
			{Type: "TaskHistoryCollector", PathSet: []string{"latestPage"}},
		},
	}
}

// createHistory creates the event and task history collectors and reads the
// event type categories (st.mu held).
func (cn *conn) createHistory(ctx context.Context, st *state) error {
	sc := st.c.ServiceContent
	if sc.EventManager == nil || sc.TaskManager == nil {
		return fmt.Errorf("event or task manager not available")
	}
	var em mo.EventManager
	if err := retrieveOne(ctx, st, *sc.EventManager, []string{"description.eventInfo"}, &em); err != nil {
		return fmt.Errorf("read event descriptions: %w", err)
	}
	st.eventCat = make(map[string]string, len(em.Description.EventInfo))
	for _, d := range em.Description.EventInfo {
		st.eventCat[d.Key] = d.Category
	}
	ev, err := methods.CreateCollectorForEvents(ctx, st.c, &types.CreateCollectorForEvents{
		This: *sc.EventManager, Filter: types.EventFilterSpec{Category: []string{"error", "warning"}, MaxCount: eventPageSize},
	})
	if err != nil {
		return fmt.Errorf("create event collector: %w", err)
	}
	if _, err := methods.SetCollectorPageSize(ctx, st.c, &types.SetCollectorPageSize{This: ev.Returnval, MaxCount: eventPageSize}); err != nil {
		return fmt.Errorf("size event collector: %w", err)
	}
	tk, err := methods.CreateCollectorForTasks(ctx, st.c, &types.CreateCollectorForTasks{
		This: *sc.TaskManager, Filter: types.TaskFilterSpec{State: []types.TaskInfoState{types.TaskInfoStateError}},
	})
	if err != nil {
		return fmt.Errorf("create task collector: %w", err)
	}
	if _, err := methods.SetCollectorPageSize(ctx, st.c, &types.SetCollectorPageSize{This: tk.Returnval, MaxCount: taskPageSize}); err != nil {
		return fmt.Errorf("size task collector: %w", err)
	}
	st.events, st.tasks = &ev.Returnval, &tk.Returnval
	return nil
}

// retrieveOne reads ps of one object into dst.
func retrieveOne(ctx context.Context, st *state, ref types.ManagedObjectReference, ps []string, dst any) error {
	res, err := methods.RetrieveProperties(ctx, st.c, &types.RetrieveProperties{
		This: st.c.ServiceContent.PropertyCollector,
		SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{{Obj: ref}},
			PropSet:   []types.PropertySpec{{Type: ref.Type, PathSet: ps}},
		}},
	})
	if err != nil {
		return err
	}
	return mo.LoadObjectContent(res.Returnval, dst)
}

// alarmNames returns the names of the given alarms, reading the ones not yet
// cached in one call.
func (cn *conn) alarmNames(ctx context.Context, st *state, inv *inventory) (map[types.ManagedObjectReference]string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.alarmNames == nil {
		st.alarmNames = map[types.ManagedObjectReference]string{}
	}
	var want []types.ObjectSpec
	seen := map[types.ManagedObjectReference]bool{}
	inv.eachEntity(func(_ types.ManagedObjectReference, e *mo.ManagedEntity) {
		for _, a := range e.TriggeredAlarmState {
			if _, ok := st.alarmNames[a.Alarm]; !ok && !seen[a.Alarm] {
				seen[a.Alarm] = true
				want = append(want, types.ObjectSpec{Obj: a.Alarm})
			}
		}
	})
	if len(want) > 0 {
		res, err := methods.RetrieveProperties(ctx, st.c, &types.RetrieveProperties{
			This: st.c.ServiceContent.PropertyCollector,
			SpecSet: []types.PropertyFilterSpec{{
				ObjectSet: want,
				PropSet:   []types.PropertySpec{{Type: "Alarm", PathSet: []string{"info.name"}}},
			}},
		})
		if err != nil {
			return nil, fmt.Errorf("read alarm names: %w", err)
		}
		for _, oc := range res.Returnval {
			for _, p := range oc.PropSet {
				if s, ok := p.Val.(string); ok {
					st.alarmNames[oc.Obj] = s
				}
			}
		}
	}
	out := make(map[types.ManagedObjectReference]string, len(st.alarmNames))
	for k, v := range st.alarmNames {
		out[k] = v
	}
	return out, nil
}

// eachEntity calls fn for every projected entity (host, VM, datastore).
func (inv *inventory) eachEntity(fn func(types.ManagedObjectReference, *mo.ManagedEntity)) {
	for _, r := range sortedRefs(inv.hosts) {
		fn(r, &inv.hosts[r].ManagedEntity)
	}
	for _, r := range sortedRefs(inv.vms) {
		fn(r, &inv.vms[r].ManagedEntity)
	}
	for _, r := range sortedRefs(inv.datastores) {
		fn(r, &inv.datastores[r].ManagedEntity)
	}
}

// statusSeverity maps a vSphere status colour to an alert severity.
func statusSeverity(s types.ManagedEntityStatus) (resource.Severity, bool) {
	switch s {
	case types.ManagedEntityStatusRed:
		return resource.SeverityCritical, true
	case types.ManagedEntityStatusYellow:
		return resource.SeverityWarning, true
	}
	return "", false
}

// entityAlerts projects one entity's own triggered alarms and overall status.
// Alarm states propagated from descendants are left to the descendant.
func entityAlerts(ref types.ManagedObjectReference, e *mo.ManagedEntity, names map[types.ManagedObjectReference]string) []sdk.Alert {
	var out []sdk.Alert
	for _, a := range e.TriggeredAlarmState {
		if a.Entity != ref {
			continue
		}
		sev, ok := statusSeverity(a.OverallStatus)
		if !ok {
			continue
		}
		name := names[a.Alarm]
		if name == "" {
			name = a.Alarm.Value
		}
		msg := fmt.Sprintf("alarm %q is %s on %s", name, a.OverallStatus, e.Name)
		if a.Acknowledged != nil && *a.Acknowledged {
			msg += " (acknowledged)"
		}
		out = append(out, sdk.Alert{
			NativeID: "alarm:" + ref.Value + ":" + a.Alarm.Value, Resource: ref.Value,
			Severity: sev, Kind: "vsphere-alarm", Message: msg, Started: a.Time,
		})
	}
	if sev, ok := statusSeverity(e.OverallStatus); ok {
		out = append(out, sdk.Alert{
			NativeID: "health:" + ref.Value, Resource: ref.Value, Severity: sev, Kind: "vsphere-health",
			Message: fmt.Sprintf("vCenter reports overall status %s for %s", e.OverallStatus, e.Name),
		})
	}
	return out
}

// historyAlerts projects error and warning events and failed tasks of the
// last hour.
func historyAlerts(inv *inventory, cats map[string]string, now time.Time) []sdk.Alert {
	var out []sdk.Alert
	since := now.Add(-historyWindow)
	for _, be := range inv.events {
		e := be.GetEvent()
		if e.CreatedTime.Before(since) {
			continue
		}
		sev, ok := eventSeverity(be, cats)
		if !ok {
			continue
		}
		res := eventEntity(inv, e)
		if x, ok := be.(*types.EventEx); ok && res == "" {
			if ref := (types.ManagedObjectReference{Type: strings.TrimPrefix(x.ObjectType, "vim."), Value: x.ObjectId}); inv.projected(ref) {
				res = ref.Value
			}
		}
		msg := e.FullFormattedMessage
		if x, ok := be.(*types.EventEx); ok && msg == "" {
			msg = x.Message
			if msg == "" {
				msg = x.EventTypeId
			}
		}
		out = append(out, sdk.Alert{
			NativeID: fmt.Sprintf("event:%d", e.Key), Resource: res,
			Severity: sev, Kind: "vsphere-event", Message: msg, Started: e.CreatedTime,
		})
	}
	for _, t := range inv.tasks {
		if t.State != types.TaskInfoStateError || t.CompleteTime == nil || t.CompleteTime.Before(since) {
			continue
		}
		var res string
		entity := t.EntityName
		if t.Entity != nil && inv.projected(*t.Entity) {
			res = t.Entity.Value
			entity = inv.name(*t.Entity)
		}
		msg := fmt.Sprintf("task %s failed", t.DescriptionId)
		if entity != "" {
			msg += " on " + entity
		}
		if t.Error != nil {
			if m := t.Error.LocalizedMessage; m != "" {
				msg += ": " + m
			} else if t.Error.Fault != nil {
				msg += ": " + reflect.TypeOf(t.Error.Fault).Elem().Name()
			}
		}
		out = append(out, sdk.Alert{
			NativeID: "task:" + t.Key, Resource: res, Severity: resource.SeverityWarning,
			Kind: "vsphere-task", Message: msg, Started: *t.CompleteTime,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NativeID < out[j].NativeID })
	return out
}

// eventSeverity classifies an event: EventEx carries its own severity,
// typed events take their type's category from the EventManager.
func eventSeverity(be types.BaseEvent, cats map[string]string) (resource.Severity, bool) {
	cat := ""
	switch e := be.(type) {
	case *types.EventEx:
		cat = e.Severity
	case *types.ExtendedEvent:
		cat = cats[e.EventTypeId]
	default:
		cat = cats[reflect.TypeOf(be).Elem().Name()]
	}
	switch cat {
	case "error":
		return resource.SeverityCritical, true
	case "warning":
		return resource.SeverityWarning, true
	}
	return "", false
}

// eventEntity returns the native id of the projected resource an event is
// about, VM first, then host, then datastore.
func eventEntity(inv *inventory, e *types.Event) string {
	if e.Vm != nil && inv.projected(e.Vm.Vm) {
		return e.Vm.Vm.Value
	}
	if e.Host != nil && inv.projected(e.Host.Host) {
		return e.Host.Host.Value
	}
	if e.Ds != nil && inv.projected(e.Ds.Datastore) {
		return e.Ds.Datastore.Value
	}
	return ""
}

// name returns the inventory name of a projected resource.
func (inv *inventory) name(ref types.ManagedObjectReference) string {
	switch {
	case inv.vms[ref] != nil:
		return inv.vms[ref].Name
	case inv.hosts[ref] != nil:
		return inv.hosts[ref].Name
	case inv.datastores[ref] != nil:
		return inv.datastores[ref].Name
	}
	return ref.Value
}

// projected reports whether ref is a resource this inventory projects.
func (inv *inventory) projected(ref types.ManagedObjectReference) bool {
	switch ref.Type {
	case "VirtualMachine":
		_, ok := inv.vms[ref]
		return ok
	case "HostSystem":
		_, ok := inv.hosts[ref]
		return ok
	case "Datastore":
		_, ok := inv.datastores[ref]
		return ok
	}
	return false
}
