package sdk

// grouper is implemented by the Watch emitter (and by test emitters that
// want to see groups): records emitted inside a group reach the core
// together, as one delta (split only at the batch bounds).
type grouper interface {
	hold()
	release() error
}

// Group runs fn with out holding back what fn emits, and sends it as one
// delta when fn returns. A watcher that reports one update as many records
// (a resync of the whole inventory, a resource with its relationships and
// alerts) should emit them inside one Group: the core applies each delta in
// one store transaction, so a thousand single-record deltas cost it a
// thousand transactions where one group costs one. Outside a group the
// Watch emitter sends each record at once, as before. On an emitter that
// does not group (Collect's, which batches anyway, or a test collector) it
// simply runs fn. Groups nest; the outermost one sends.
func Group(out Emitter, fn func() error) error {
	g, ok := out.(grouper)
	if !ok {
		return fn()
	}
	g.hold()
	err := fn()
	if rerr := g.release(); err == nil {
		err = rerr
	}
	return err
}
