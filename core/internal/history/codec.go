package history

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Point is one point of a series: a raw sample (N = 1, Min = Max = Avg) or
// a downsampled bucket of N samples starting at T (unix seconds).
type Point struct {
	T             int64
	Min, Max, Avg float64
	N             uint32
}

// pending holds one series' points of one tier not yet on disk, encoded:
// raw entries are varint(t-prev) and the value's 8 float64 bytes;
// downsampled entries are varint(t-prev), uvarint(n) and min, max, avg as
// float32 (12 bytes), since a chart needs no more precision than that.
type pending struct {
	buf   []byte
	n     uint32
	first int64
	prev  int64
}

func (p *pending) add(tier int, pt Point) {
	if p.n == 0 {
		p.first, p.prev, p.buf = pt.T, pt.T, p.buf[:0]
	}
	p.buf = binary.AppendVarint(p.buf, pt.T-p.prev)
	p.prev = pt.T
	if tier == 0 {
		p.buf = binary.LittleEndian.AppendUint64(p.buf, math.Float64bits(pt.Avg))
	} else {
		p.buf = binary.AppendUvarint(p.buf, uint64(pt.N))
		p.buf = binary.LittleEndian.AppendUint32(p.buf, math.Float32bits(float32(pt.Min)))
		p.buf = binary.LittleEndian.AppendUint32(p.buf, math.Float32bits(float32(pt.Max)))
		p.buf = binary.LittleEndian.AppendUint32(p.buf, math.Float32bits(float32(pt.Avg)))
	}
	p.n++
}

// appendBlock appends the series block (uvarint metric id, uvarint count,
// varint first time, entries) to a chunk and empties p, keeping its buffer.
func (p *pending) appendBlock(chunk []byte, metricID uint32) []byte {
	chunk = binary.AppendUvarint(chunk, uint64(metricID))
	chunk = binary.AppendUvarint(chunk, uint64(p.n))
	chunk = binary.AppendVarint(chunk, p.first)
	chunk = append(chunk, p.buf...)
	p.n, p.buf = 0, p.buf[:0]
	return chunk
}

// decodePending decodes p's points without consuming them.
func (p *pending) points(tier int, out []Point) ([]Point, error) {
	if p.n == 0 {
		return out, nil
	}
	out, _, err := decodeEntries(tier, p.buf, int(p.n), p.first, out, true)
	return out, err
}

var errCorrupt = errors.New("history: corrupt chunk")

// decodeChunk calls keep for each series block of a chunk; the points of
// blocks keep accepts are appended to out.
func decodeChunk(tier int, data []byte, keep func(metricID uint32) bool, out []Point) ([]Point, error) {
	for len(data) > 0 {
		id, k := binary.Uvarint(data)
		if k <= 0 {
			return out, errCorrupt
		}
		data = data[k:]
		n, k := binary.Uvarint(data)
		if k <= 0 {
			return out, errCorrupt
		}
		data = data[k:]
		first, k := binary.Varint(data)
		if k <= 0 {
			return out, errCorrupt
		}
		data = data[k:]
		var err error
		var used int
		out, used, err = decodeEntries(tier, data, int(n), first, out, keep(uint32(id)))
		if err != nil {
			return out, err
		}
		data = data[used:]
	}
	return out, nil
}

// decodeEntries decodes n entries of tier from data, returning the bytes used.
// Points are appended to out only when keep is set.
func decodeEntries(tier int, data []byte, n int, first int64, out []Point, keep bool) ([]Point, int, error) {
	used, prev := 0, first
	for range n {
		dt, k := binary.Varint(data[used:])
		if k <= 0 {
			return out, used, errCorrupt
		}
		used += k
		t := prev + dt
		prev = t
		if tier == 0 {
			if len(data)-used < 8 {
				return out, used, errCorrupt
			}
			v := math.Float64frombits(binary.LittleEndian.Uint64(data[used:]))
			used += 8
			if keep {
				out = append(out, Point{T: t, Min: v, Max: v, Avg: v, N: 1})
			}
			continue
		}
		cnt, k := binary.Uvarint(data[used:])
		if k <= 0 || len(data)-used-k < 12 {
			return out, used, fmt.Errorf("%w: short downsampled entry", errCorrupt)
		}
		used += k
		f := func(o int) float64 {
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(data[used+o:])))
		}
		pt := Point{T: t, Min: f(0), Max: f(4), Avg: f(8), N: uint32(cnt)}
		used += 12
		if keep {
			out = append(out, pt)
		}
	}
	return out, used, nil
}
