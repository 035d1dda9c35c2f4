package vsphere

import (
	"testing"
	"time"
)

// TestHandoff: a Collect's inventory serves the first Watch baseline once,
// only while fresh, and nothing is kept once a watch has started.
func TestHandoff(t *testing.T) {
	now := time.Now()
	st := &state{}
	inv := newInventory()
	st.keepHandoff(inv, now)
	if got := st.takeHandoff(now.Add(time.Second)); got != inv {
		t.Fatal("a fresh inventory was not handed off")
	}
	if got := st.takeHandoff(now.Add(time.Second)); got != nil {
		t.Fatal("handed off twice")
	}
	st.keepHandoff(newInventory(), now) // the watch has started: not kept
	if st.handoff != nil {
		t.Fatal("kept an inventory after the watch started")
	}

	old := &state{}
	old.keepHandoff(inv, now)
	if got := old.takeHandoff(now.Add(handoffMaxAge + time.Second)); got != nil {
		t.Fatal("handed off a stale inventory")
	}
}
