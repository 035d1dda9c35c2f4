package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// DefaultLimit and MaxLimit bound a list page.
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
)

// listOrder is one sort order a list endpoint offers: a key per item, which
// with the item's id makes a total order, so pages are stable.
type listOrder[T any] struct {
	name string
	key  func(T) string
}

// pageReq is the paging part of a list request: sort=[-]NAME, limit, cursor.
type pageReq struct {
	sort   string
	desc   bool
	limit  int
	cursor *cursor
}

// cursor is where the previous page ended. It is opaque to clients.
type cursor struct {
	Sort string `json:"s"`
	Key  string `json:"k"`
	ID   string `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parsePage reads sort, limit and cursor; sorts lists the sort names and
// def is the default (a leading "-" means descending).
func parsePage(q url.Values, sorts []string, def string) (pageReq, error) {
	p := pageReq{limit: DefaultLimit}
	s := q.Get("sort")
	if s == "" {
		s = def
	}
	p.desc = strings.HasPrefix(s, "-")
	p.sort = strings.TrimPrefix(s, "-")
	if !slices.Contains(sorts, p.sort) {
		return p, fmt.Errorf("sort=%q is not a sort order here; use one of %s (prefix - for descending)", s, strings.Join(sorts, ", "))
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return p, fmt.Errorf("limit=%q is not a page size; use a number from 1 to %d", v, MaxLimit)
		}
		p.limit = n
	}
	if v := q.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		var c cursor
		if err == nil {
			err = json.Unmarshal(b, &c)
		}
		if err != nil {
			return p, fmt.Errorf("cursor=%q is not a cursor this API issued; pass next_cursor from the previous page", v)
		}
		if c.Sort != s {
			return p, fmt.Errorf("cursor was issued for sort=%s, not sort=%s; keep the sort while paging", c.Sort, s)
		}
		p.cursor = &c
	}
	return p, nil
}

// page sorts items by the requested order (then id), skips up to and
// including the cursor's item, and returns at most limit items and the
// cursor of the next page ("" on the last page).
func page[T any](items []T, orders []listOrder[T], id func(T) string, p pageReq) ([]T, string) {
	var key func(T) string
	for _, o := range orders {
		if o.name == p.sort {
			key = o.key
		}
	}
	// Sorted as (key, id, index) triples: moving a large T while sorting
	// thousands of them cost more than the comparisons.
	type kv struct {
		k, id string
		i     int
	}
	all := make([]kv, len(items))
	for i, it := range items {
		all[i] = kv{key(it), id(it), i}
	}
	cmp := func(ak, aid, bk, bid string) int {
		c := strings.Compare(ak, bk)
		if c == 0 {
			c = strings.Compare(aid, bid)
		}
		if p.desc {
			c = -c
		}
		return c
	}
	slices.SortFunc(all, func(a, b kv) int { return cmp(a.k, a.id, b.k, b.id) })
	start := 0
	if p.cursor != nil {
		start, _ = slices.BinarySearchFunc(all, *p.cursor, func(a kv, c cursor) int { return cmp(a.k, a.id, c.Key, c.ID) })
		if start < len(all) && all[start].k == p.cursor.Key && all[start].id == p.cursor.ID {
			start++
		}
	}
	end := min(start+p.limit, len(all))
	out := make([]T, 0, end-start)
	for _, e := range all[start:end] {
		out = append(out, items[e.i])
	}
	next := ""
	if end < len(all) && end > start {
		sortName := p.sort
		if p.desc {
			sortName = "-" + sortName
		}
		next = cursor{Sort: sortName, Key: all[end-1].k, ID: all[end-1].id}.encode()
	}
	return out, next
}

// multi returns the values of a repeated (or comma-separated) parameter.
func multi(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// anyOf reports whether v is one of want (an empty want matches all).
func anyOf(want []string, v string) bool { return len(want) == 0 || slices.Contains(want, v) }
