package mcp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/pulsehost/pulse/core/internal/daemon"
)

// fakeControlCore is a core API with the control path the truenas branch
// adds (POST /api/v1/resources/{id}/actions), so run_action's confirmed path
// can be checked end to end: what it sends and what it returns.
type fakeControlCore struct {
	mu       sync.Mutex
	disabled bool
	posts    []recordedPost
}

type recordedPost struct {
	Path, ContentType, Auth string
	Body                    map[string]any
}

const appID = "res-0b5e7c"

var appJSON = `{"id":"` + appID + `","type":"app-container","platform":"truenas","connection":"nas","name":"grafana","status":"running",
"identity":[],"relationships":[],"sources":[{"platform":"truenas","connection":"nas","native_id":"app/grafana","role":"primary","first_seen":"2026-12-01T00:00:00Z","last_seen":"2026-12-01T00:00:00Z","stale":false}],
"first_seen":"2026-12-01T00:00:00Z","last_seen":"2026-12-01T00:00:00Z","stale":false}`

func (f *fakeControlCore) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/plugins", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"plugins":[{"platform":"truenas","state":"running","restarts":0,"connections":["nas"],"actions":["start","stop","restart"]}]}`)
	})
	mux.HandleFunc("GET /api/v1/resources", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"count":1,"resources":[`+appJSON+`]}`)
	})
	mux.HandleFunc("GET /api/v1/resources/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != appID {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"no resource with id"}`)
			return
		}
		io.WriteString(w, strings.TrimSuffix(appJSON, "}")+`,"metrics":[],"alerts":[],"recovery_points":[]}`)
	})
	mux.HandleFunc("POST /api/v1/resources/{id}/actions", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.posts = append(f.posts, recordedPost{Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Auth: r.Header.Get("Authorization"), Body: body})
		disabled := f.disabled
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if disabled {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":"control is disabled; enable it with control { enabled = true } in the server configuration"}`)
			return
		}
		io.WriteString(w, `{"audit_id":"act-17","action":"restart","resource":"`+appID+`","outcome":"succeeded","message":"app grafana restarted","status_after":"running"}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"no route for `+r.Method+` `+r.URL.Path+`"}`)
	})
	return mux
}

func (f *fakeControlCore) takePosts() []recordedPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.posts
	f.posts = nil
	return p
}

// TestConfirmedActionGoesThroughTheCoresControlPath drives run_action over
// stdio (`pulse mcp --url`, HTTP to the fake core, with a token) and over
// /mcp (in-process on the fake core's handler).
func TestConfirmedActionGoesThroughTheCoresControlPath(t *testing.T) {
	fake := &fakeControlCore{}
	core := httptest.NewServer(fake.handler())
	defer core.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mcpSrv := httptest.NewServer(daemon.WithMCP(ctx, fake.handler(), hclog.NewNullLogger(), "test"))
	defer mcpSrv.Close()

	for name, tc := range map[string]struct {
		connect func(t *testing.T) (*gomcp.ClientSession, string)
	}{
		"stdio": {func(t *testing.T) (*gomcp.ClientSession, string) {
			return stdioCommand(t, []string{"PULSE_TOKEN=s3cret"}, "mcp", "--url", core.URL), "Bearer s3cret"
		}},
		"http": {func(t *testing.T) (*gomcp.ClientSession, string) {
			return httpSession(t, mcpSrv.URL), ""
		}},
	} {
		t.Run(name, func(t *testing.T) {
			cs, auth := tc.connect(t)
			fake.takePosts()

			// The description lists exactly the declared actions.
			for _, tool := range listTools(t, cs) {
				if tool.Name == "run_action" && !strings.Contains(tool.Description, "truenas: start, stop, restart") {
					t.Errorf("run_action description:\n%s", tool.Description)
				}
			}
			// Plan only: one dry run through the core's checks, nothing acts.
			v := callJSON(t, cs, "run_action", map[string]any{"resource": appID, "action": "restart"})
			if v["executed"] != false || v["plan"].(map[string]any)["platform"] != "truenas" {
				t.Errorf("plan = %v", v)
			}
			if p := fake.takePosts(); len(p) != 1 || p[0].Body["dry_run"] != true || p[0].Body["action"] != "restart" {
				t.Fatalf("the plan posted %+v, want one dry run", p)
			}

			// Confirmed: one POST of {"action","params"} to the control path.
			v = callJSON(t, cs, "run_action", map[string]any{"resource": appID, "action": "restart", "params": map[string]any{"timeout": "30"}, "confirm": true})
			res := v["result"].(map[string]any)
			if v["executed"] != true || res["outcome"] != "succeeded" || res["audit_id"] != "act-17" {
				t.Errorf("result = %v", v)
			}
			posts := fake.takePosts()
			if len(posts) != 1 {
				t.Fatalf("%d posts, want 1", len(posts))
			}
			p := posts[0]
			if p.Path != "/api/v1/resources/"+appID+"/actions" || p.ContentType != "application/json" ||
				p.Body["action"] != "restart" || p.Body["params"].(map[string]any)["timeout"] != "30" || len(p.Body) != 2 {
				t.Errorf("post = %+v", p)
			}
			if auth != "" && p.Auth != auth {
				t.Errorf("Authorization = %q, want %q", p.Auth, auth)
			}

			// The core refuses while control is disabled: the refusal is the tool's error.
			fake.mu.Lock()
			fake.disabled = true
			fake.mu.Unlock()
			defer func() { fake.mu.Lock(); fake.disabled = false; fake.mu.Unlock() }()
			r := call(t, cs, "run_action", map[string]any{"resource": appID, "action": "stop", "confirm": true})
			if !r.IsError || !strings.Contains(r.Text, "the core refused the action (HTTP 403): control is disabled") {
				t.Errorf("disabled: %+v", r)
			}
			// ... and so is the plan: the operator's switch comes before any plan.
			r = call(t, cs, "run_action", map[string]any{"resource": appID, "action": "stop"})
			if !r.IsError || !strings.Contains(r.Text, "control is disabled") {
				t.Errorf("disabled plan: %+v", r)
			}
			// An undeclared action never reaches the core.
			fake.takePosts()
			r = call(t, cs, "run_action", map[string]any{"resource": appID, "action": "delete", "confirm": true})
			if !r.IsError || !strings.Contains(r.Text, "valid actions are start, stop, restart") {
				t.Errorf("undeclared: %+v", r)
			}
			if p := fake.takePosts(); len(p) != 0 {
				t.Errorf("an undeclared action was posted: %v", p)
			}
		})
	}
}
