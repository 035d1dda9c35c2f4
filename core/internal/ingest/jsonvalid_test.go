package ingest

import (
	"encoding/json"
	"strings"
	"testing"
)

var jsonCases = []string{
	`{}`, `[]`, ` { } `, `{"a":1}`, `{"a":[1,2,{"b":null}],"c":"x\"y\\z\u00e9\n"}`, `"s"`, `0`, `-0.5e+10`, `1E5`,
	`true`, `false`, `null`, `[[[]]]`, `{"a":{"b":{"c":[true,false]}}}`, "\t[1 , 2]\r\n", `"\/"`, `"é"`,
	``, ` `, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{1:2}`, `{"a" 1}`, `[1 2]`,
	`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x10`, `tru`, `nulls`, `"abc`, `"\x"`, `"\u12g4"`, `"\u12"`,
	"\"a\x01b\"", `{"a":1}{}`, `{} x`, `[1]]`, `[[1]`, `NaN`, `"\`, `{"a":"b",`, `"\ud800"`,
}

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range jsonCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%q) = %v, json.Valid = %v", c, got, want)
		}
	}
}

func TestValidJSONDepthLimit(t *testing.T) {
	ok := strings.Repeat("[", MaxAttributeDepth) + strings.Repeat("]", MaxAttributeDepth)
	deep := "[" + ok + "]"
	if !validJSON([]byte(ok)) || validJSON([]byte(deep)) {
		t.Fatal("depth limit")
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > MaxAttributeDepth {
			b = b[:MaxAttributeDepth] // nothing this short can nest too deeply
		}
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	doc := []byte(`{"cpu":0.25,"cpu_count":8,"memory_used_bytes":1048576,"memory_total_bytes":17179869184,"uptime_seconds":3600,"version":"8.2.1","tags":["a","b"],"nested":{"x":[1,2,3],"y":"é\n"}}`)
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for i := 0; i < b.N; i++ {
			validJSON(doc)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for i := 0; i < b.N; i++ {
			json.Valid(doc)
		}
	})
}
