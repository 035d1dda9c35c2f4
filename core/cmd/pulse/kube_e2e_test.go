package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// kubeAgentCmd runs the built pulse-agent-k8s to completion.
func kubeAgentCmd(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "pulse-agent-k8s"), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stderr.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// TestKubernetesAgentEndToEnd: the built pulse-agent-k8s against the fake
// API server (pulse-sim-kubernetes, over HTTPS with its kubeconfig)
// reports the cluster, its nodes, deployments and pods, the Velero and
// snapshot recovery points and the alerts as records of platform
// kubernetes; a deployment rollout-restart and a pod delete requested
// through the core's control path reach the agent over its command
// channel, execute on the cluster (which rolls: new pods replace the old)
// and are audited; offline, with commands off, or on the wrong kind of
// record they are refused with the reason.
func TestKubernetesAgentEndToEnd(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	sim := exec.Command(filepath.Join(binDir, "sim", "pulse-sim-kubernetes"), "-kubeconfig", kubeconfig, "-nodes", "3")
	simOut, _ := sim.StdoutPipe()
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Process.Kill(); _ = sim.Wait() })
	if l, _ := bufio.NewReader(simOut).ReadString('\n'); !strings.HasPrefix(l, "READY https://127.0.0.1:") {
		t.Fatalf("sim: %q", l)
	}

	core := startAgentCore(t, dir, "alerts { interval = \"1s\" }\n")
	base := core.base
	agentDir := filepath.Join(dir, "agent")
	tok, args := core.enrollArgs(t, agentDir)
	if code, stderr := kubeAgentCmd(t, tok, args...); code != 0 {
		t.Fatalf("enroll: %s", stderr)
	}
	kube := []string{"--enable-docker=false", "--enable-kubernetes", "--kubeconfig", kubeconfig}
	if code, stderr := kubeAgentCmd(t, "", append([]string{"report", "--once", "--config-dir", agentDir}, kube...)...); code != 0 {
		t.Fatalf("report --once --enable-kubernetes: %s", stderr)
	}
	var list struct {
		Resources []dockerRes `json:"resources"`
	}
	if err := getJSON(base+"/api/v1/resources?platform=kubernetes", &list); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	var web, cluster dockerRes
	var webPods []string
	for _, r := range list.Resources {
		count[r.Type]++
		switch {
		case r.Type == "k8s-deployment" && r.Name == "shop/web":
			web = r
		case r.Type == "k8s-cluster":
			cluster = r
		case r.Type == "pod" && strings.HasPrefix(r.Name, "shop/web-"):
			webPods = append(webPods, r.ID)
		}
	}
	// The lab cluster: 3 nodes, 10 deployments (4 with faults), 15 pods.
	if count["k8s-cluster"] != 1 || count["k8s-node"] != 3 || count["k8s-deployment"] != 10 || count["pod"] != 15 || len(webPods) != 3 {
		t.Fatalf("kubernetes records after report --once: %v (web pods %d)", count, len(webPods))
	}
	if a := compact(cluster.Attributes); !strings.Contains(a, `"version":"v1.33.1"`) || !strings.Contains(a, `"metrics_api":true`) || !strings.Contains(a, `"schedule":"0 1 * * *"`) {
		t.Errorf("cluster attributes %s", a)
	}
	var rps struct {
		Total          int `json:"total"`
		RecoveryPoints []struct {
			Kind       string          `json:"kind"`
			Platform   string          `json:"platform"`
			Attributes json.RawMessage `json:"attributes"`
		} `json:"recovery_points"`
	}
	if err := getJSON(base+"/api/v1/recovery-points?resource="+cluster.ID, &rps); err != nil || rps.Total != 9 {
		t.Fatalf("recovery points of the cluster: %v %d", err, rps.Total)
	}
	// The alerts engine's active alerts.
	var active struct {
		Alerts []struct {
			Kind     string `json:"kind"`
			Platform string `json:"platform"`
			State    string `json:"state"`
		} `json:"alerts"`
	}
	var kinds []string
	waitFor(t, "the cluster's alerts", 20*time.Second, func() bool {
		if getJSON(base+"/api/v1/alerts", &active) != nil {
			return false
		}
		kinds = kinds[:0]
		for _, a := range active.Alerts {
			kinds = append(kinds, a.Kind)
		}
		return slices.Contains(kinds, "k8s-backup-failed") && slices.Contains(kinds, "k8s-crash-loop") && slices.Contains(kinds, "k8s-node-not-ready") &&
			slices.Contains(kinds, "k8s-pending") && slices.Contains(kinds, "k8s-rollout-stuck")
	})

	log := core.agentCommandsOn(t, web.ID, "rollout-restart", append([]string{filepath.Join(binDir, "pulse-agent-k8s"), "run", "--config-dir", agentDir}, kube...)...)
	// A report with commands on gives each record the action it takes.
	waitFor(t, "a report with the declared actions", 20*time.Second, func() bool {
		var p dockerRes
		return getJSON(base+"/api/v1/resources/"+webPods[0], &p) == nil && strings.Contains(compact(p.Attributes), `"actions":["delete"]`)
	})
	if _, r, _ := postAction(t, base, webPods[0], "rollout-restart"); r.Outcome != "refused" || !strings.Contains(r.Reason, `a pod record does not take action "rollout-restart" (it takes delete)`) {
		t.Fatalf("rollout-restart of a pod: %+v", r)
	}
	if _, r, _ := postAction(t, base, web.ID, "scale"); r.Outcome != "refused" || !strings.Contains(r.Reason, `does not declare kubernetes action "scale"`) {
		t.Fatalf("undeclared: %+v", r)
	}
	code, r, took := postAction(t, base, web.ID, "rollout-restart")
	if code != http.StatusOK || r.Outcome != "succeeded" || r.Platform != "kubernetes" || !strings.Contains(r.Message, "deployment shop/web: rollout restarted at") {
		t.Fatalf("rollout-restart: %d %+v\n%s", code, r, log.String())
	}
	if took > 2*time.Second {
		t.Errorf("rollout-restart took %s through the channel (want within 2 s)", took)
	}
	t.Logf("rollout-restart requested through the core and executed by the agent in %s (action %v ms)", took, r.DurationMS)
	// The reports that follow show the rollout: three new web pods, none
	// of the old ones.
	waitFor(t, "the rolled pods in a report", 30*time.Second, func() bool {
		var now struct {
			Resources []dockerRes `json:"resources"`
		}
		if getJSON(base+"/api/v1/resources?platform=kubernetes", &now) != nil {
			return false
		}
		n := 0
		for _, x := range now.Resources {
			if x.Type == "pod" && strings.HasPrefix(x.Name, "shop/web-") && x.Status != "stale" {
				if slices.Contains(webPods, x.ID) {
					return false
				}
				n++
			}
		}
		return n == 3
	})
	var dep dockerRes
	if err := getJSON(base+"/api/v1/resources/"+web.ID, &dep); err != nil || !strings.Contains(compact(dep.Attributes), `"generation":2,`) ||
		!strings.Contains(compact(dep.Attributes), `"observed_generation":2,`) || !strings.Contains(compact(dep.Attributes), `"restarted_at":"20`) {
		t.Errorf("the deployment after its rollout: %v %s", err, compact(dep.Attributes))
	}
	var fresh struct {
		Resources []dockerRes `json:"resources"`
	}
	_ = getJSON(base+"/api/v1/resources?platform=kubernetes", &fresh)
	var pod dockerRes
	for _, x := range fresh.Resources {
		if x.Type == "pod" && strings.HasPrefix(x.Name, "shop/api-") {
			pod = x
		}
	}
	if code, r, _ := postAction(t, base, pod.ID, "delete"); code != http.StatusOK || r.Outcome != "succeeded" || !strings.Contains(r.Message, "deleted") {
		t.Fatalf("delete %s: %d %+v", pod.Name, code, r)
	}
	var audit struct {
		Actions []actionResult `json:"actions"`
	}
	if err := getJSON(base+"/api/v1/actions", &audit); err != nil || len(audit.Actions) != 6 || audit.Actions[0].Outcome != "succeeded" ||
		audit.Actions[1].Outcome != "succeeded" || audit.Actions[0].Platform != "kubernetes" {
		t.Fatalf("audit: %v %+v", err, audit)
	}
}
