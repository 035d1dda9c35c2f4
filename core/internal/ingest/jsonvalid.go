package ingest

// MaxAttributeDepth bounds how deeply attributes may nest.
const MaxAttributeDepth = 256

// validJSON reports whether b is exactly one JSON value, surrounded by
// optional whitespace, accepting what encoding/json.Valid accepts (strings
// are not checked for UTF-8) except nesting deeper than MaxAttributeDepth.
// It exists because validating every record's attributes with json.Valid was
// the largest cost of ingesting a snapshot; this single pass without
// per-byte calls is about twice as fast. Fuzzed against json.Valid.
func validJSON(b []byte) bool {
	var stack [MaxAttributeDepth]byte // '{' or '[' per open container
	depth := 0
	i := skipSpace(b, 0)
	for {
		if i >= len(b) {
			return false
		}
		if c := b[i]; c == '{' || c == '[' {
			if depth == len(stack) {
				return false
			}
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == end {
				i++ // empty container: a complete value
			} else {
				stack[depth] = c
				depth++
				if c == '{' {
					if i = scanKey(b, i); i < 0 {
						return false
					}
				}
				continue // parse the first member's value
			}
		} else if i = scanScalar(b, i); i < 0 {
			return false
		}
		// A value is complete: close containers or move to the next member.
		for {
			i = skipSpace(b, i)
			if depth == 0 {
				return i == len(b)
			}
			if i >= len(b) {
				return false
			}
			top := stack[depth-1]
			if b[i] == ',' {
				i = skipSpace(b, i+1)
				if top == '{' {
					if i = scanKey(b, i); i < 0 {
						return false
					}
				}
				break
			}
			if (top == '{' && b[i] == '}') || (top == '[' && b[i] == ']') {
				depth--
				i++
				continue
			}
			return false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// scanKey reads `"key" :` and the whitespace after the colon; it returns
// the index of the member's value, or -1.
func scanKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = scanString(b, i); i < 0 {
		return -1
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipSpace(b, i+1)
}

// scanScalar reads a string, number or literal at i and returns the index
// after it, or -1.
func scanScalar(b []byte, i int) int {
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return -1
}

func literal(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// scanString reads the string starting with the quote at i.
func scanString(b []byte, i int) int {
	for j := i + 1; j < len(b); {
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c == '\\':
			if j+1 >= len(b) {
				return -1
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) {
					return -1
				}
				for _, h := range b[j+2 : j+6] {
					if !isHex(h) {
						return -1
					}
				}
				j += 6
			default:
				return -1
			}
		case c < 0x20:
			return -1
		default:
			j++
		}
	}
	return -1
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumber reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? at i.
func scanNumber(b []byte, i int) int {
	j := i
	if b[j] == '-' {
		j++
	}
	switch {
	case j >= len(b):
		return -1
	case b[j] == '0':
		j++
	case isDigit(b[j]):
		for j < len(b) && isDigit(b[j]) {
			j++
		}
	default:
		return -1
	}
	if j < len(b) && b[j] == '.' {
		j++
		if j >= len(b) || !isDigit(b[j]) {
			return -1
		}
		for j < len(b) && isDigit(b[j]) {
			j++
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j >= len(b) || !isDigit(b[j]) {
			return -1
		}
		for j < len(b) && isDigit(b[j]) {
			j++
		}
	}
	return j
}
