package daemon

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/ssh"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/internal/agentgw"
	"github.com/pulsehost/pulse/core/internal/config"
)

// startCore runs the daemon (what `pulse serve` runs) with an agent
// listener on loopback and returns the API and agent listener addresses.
func startCore(b *testing.B, dir string) (api, agents string) {
	b.Helper()
	cfg := &config.Config{Server: config.Server{Listen: "127.0.0.1:0", AgentListen: "127.0.0.1:0", DataDir: dir, LogLevel: "error", LogFormat: "text"}}
	ctx, cancel := context.WithCancel(context.Background())
	apiReady, agentReady := make(chan string, 1), make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- RunWith(ctx, cfg, hclog.NewNullLogger(), "bench", Hooks{APIReady: apiReady, AgentReady: agentReady})
	}()
	b.Cleanup(func() { cancel(); <-done })
	select {
	case agents = <-agentReady:
	case err := <-done:
		b.Fatal(err)
	}
	return <-apiReady, agents
}

// benchTelemetry is a realistic metrics report of a host.
func benchTelemetry(host string) agentwire.Telemetry {
	ratio := 0.31
	return agentwire.Telemetry{
		Identity:     agentwire.Identity{Hostname: host, HWUUID: "mid-" + host, HWUUIDSource: "machine-id", MachineID: "mid-" + host},
		Environment:  agentwire.Environment{Platform: "kvm", OSFamily: "linux", KernelVersion: "6.8.0-45-generic", OSName: "Ubuntu 24.04.1 LTS"},
		Resources:    agentwire.Resources{MemTotalMB: 16000, MemUsedMB: 5000, CPUModel: "Intel Xeon", CPULoadAvg: 0.7, LoadAvg5: 0.6, LoadAvg15: 0.5, DiskUtilizationPct: 40, CPUCount: 8, CPUUsageRatio: &ratio, RootTotalBytes: 100 << 30, RootUsedBytes: 40 << 30},
		Capabilities: agentwire.Capabilities{InstalledTools: []string{"docker", "python3"}},
		Health:       agentwire.Health{UptimeSeconds: 99999, ThermalStatus: "normal"},
		Agent:        &agentwire.AgentInfo{Version: "bench", IntervalSeconds: 30},
		Filesystems:  []agentwire.Filesystem{{Mountpoint: "/", Device: "/dev/vda1", FSType: "ext4", TotalBytes: 100 << 30, UsedBytes: 40 << 30, AvailableBytes: 55 << 30}, {Mountpoint: "/boot", Device: "/dev/vda2", FSType: "ext4", TotalBytes: 1 << 30, UsedBytes: 200 << 20, AvailableBytes: 700 << 20}},
		BlockDevices: []agentwire.BlockDevice{{Name: "vda", Serial: "serial-" + host, SizeBytes: 128 << 30, ReadBytesTotal: 1 << 30, WrittenBytesTotal: 3 << 30}},
		Interfaces:   []agentwire.Interface{{Name: "ens3", MAC: "52:54:00:12:34:56", Addresses: []string{"10.1.0.5/24"}, Physical: true, RxBytesTotal: 1 << 32, TxBytesTotal: 1 << 31}},
	}
}

type signedReport struct {
	body []byte
	sig  string
}

// BenchmarkAgentReportsLoad: N simulated agents on loopback send signed
// metrics reports to a running core's agent listener (HTTPS, keep-alive).
// Reports are signed before the clock starts, so the figures are the core's:
// reports/s ingested (verified, seq recorded, applied to the store), p50
// and p99 latency, and, measured in the same run, how many SSHSIG ed25519
// verifications per second this machine does on all cores: the ceiling.
func BenchmarkAgentReportsLoad(b *testing.B) {
	const agents, perAgent = 50, 40
	for range b.N {
		dir := b.TempDir()
		db, err := agentgw.OpenDB(context.Background(), dir)
		if err != nil {
			b.Fatal(err)
		}
		keys := make([]ssh.Signer, agents)
		now := time.Now()
		for i := range keys {
			_, priv, _ := ed25519.GenerateKey(rand.Reader)
			keys[i], _ = ssh.NewSignerFromKey(priv)
			if _, err := agentgw.AddAgent(context.Background(), db, string(ssh.MarshalAuthorizedKey(keys[i].PublicKey())), now); err != nil {
				b.Fatal(err)
			}
		}
		db.Close()
		_, agentAddr := startCore(b, dir)

		work := make([][]signedReport, agents)
		for i, k := range keys {
			fp := agentwire.Fingerprint(k.PublicKey())
			tel := benchTelemetry(fmt.Sprintf("host%03d", i))
			for s := range perAgent {
				kind := agentwire.KindMetrics
				if s == 0 {
					kind = agentwire.KindFull
				}
				body, _ := json.Marshal(agentwire.Report{Fingerprint: fp, Seq: uint64(s + 1), SentAt: time.Now().UTC().Format(time.RFC3339), Kind: kind, Telemetry: tel})
				sig, _ := agentwire.SignHeader(k, agentwire.NamespaceReport, body)
				work[i] = append(work[i], signedReport{body, sig})
			}
		}
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, MaxIdleConnsPerHost: agents} //nolint:gosec // benchmark against our own listener
		hc := &http.Client{Transport: tr}
		url := "https://" + agentAddr + agentwire.PathReport
		lat := make([][]time.Duration, agents)
		var failed atomic.Int64
		var wg sync.WaitGroup
		b.ResetTimer()
		start := time.Now()
		for i := range agents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, r := range work[i] {
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(r.body))
					req.Header.Set(agentwire.HeaderSignature, r.sig)
					t0 := time.Now()
					resp, err := hc.Do(req)
					if err != nil {
						failed.Add(1)
						continue
					}
					_, _ = bufio.NewReader(resp.Body).WriteTo(&bytes.Buffer{})
					resp.Body.Close()
					if resp.StatusCode != 200 {
						failed.Add(1)
					}
					lat[i] = append(lat[i], time.Since(t0))
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		b.StopTimer()
		if n := failed.Load(); n > 0 {
			b.Fatalf("%d reports failed", n)
		}
		var all []time.Duration
		for _, l := range lat {
			all = append(all, l...)
		}
		slices.Sort(all)
		total := agents * perAgent
		rate := float64(total) / elapsed.Seconds()
		ceiling := verifyRate(keys[0], work[0][1].body)
		b.ReportMetric(rate, "reports/s")
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99_ms")
		b.ReportMetric(ceiling, "verify/s")
		b.ReportMetric(rate/ceiling, "ratio_of_ceiling")
		tr.CloseIdleConnections()
	}
}

// verifyRate measures SSHSIG ed25519 verifications per second on all cores
// for about a second: parsing the header and verifying, as the gateway does.
func verifyRate(k ssh.Signer, body []byte) float64 {
	sig, _ := agentwire.SignHeader(k, agentwire.NamespaceReport, body)
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(time.Second)
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				s, err := agentwire.ParseHeader(sig)
				if err != nil || s.Verify(k.PublicKey(), agentwire.NamespaceReport, body) != nil {
					panic("verify failed")
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

// BenchmarkAgentFootprint builds pulse-agent as `make build` does
// (CGO_ENABLED=0, stripped), enrolls it with a token against a running
// core and lets `pulse-agent run` send 100 reports at a 100 ms interval;
// it reports the binary's size, the agent's RSS (peak while reporting, the
// kernel's high-water mark, and the anonymous part: heap and stacks, the
// rest being the clean, shared pages of the executable) and its CPU time
// per report (user+system from /proc).
func BenchmarkAgentFootprint(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	const reports = 100
	for range b.N {
		dir := b.TempDir()
		bin := filepath.Join(dir, "pulse-agent")
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "github.com/pulsehost/pulse/agent/cmd/pulse-agent")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("build: %v\n%s", err, out)
		}
		fi, _ := os.Stat(bin)
		data := filepath.Join(dir, "data")
		_, agentAddr := startCore(b, data)
		db, err := agentgw.OpenDB(context.Background(), data)
		if err != nil {
			b.Fatal(err)
		}
		tok, _, err := agentgw.CreateToken(context.Background(), db, time.Minute, 1, nil, time.Now())
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		fp, err := agentgw.ReadCertFingerprint(data, "")
		if err != nil {
			b.Fatal(err)
		}
		cfgDir := filepath.Join(dir, "agent")
		enroll := exec.Command(bin, "enroll", "--server", "https://"+agentAddr, "--token-file", "-", "--server-fingerprint", fp, "--config-dir", cfgDir, "--interval", "100ms")
		enroll.Stdin = strings.NewReader(tok)
		if out, err := enroll.CombinedOutput(); err != nil {
			b.Fatalf("enroll: %v\n%s", err, out)
		}
		run := exec.Command(bin, "run", "--config-dir", cfgDir, "--log-level", "debug")
		stderr, _ := run.StderrPipe()
		b.ResetTimer()
		if err := run.Start(); err != nil {
			b.Fatal(err)
		}
		sent := 0
		var peakRSS int64
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "report accepted") {
				sent++
				if rss := procStatusKB(run.Process.Pid, "VmRSS:"); rss > peakRSS {
					peakRSS = rss
				}
				if sent == reports {
					break
				}
			} else if strings.Contains(sc.Text(), "[ERROR]") {
				b.Fatalf("agent: %s", sc.Text())
			}
		}
		b.StopTimer()
		hwm := procStatusKB(run.Process.Pid, "VmHWM:")
		anon := procStatusKB(run.Process.Pid, "RssAnon:")
		cpu := procCPU(run.Process.Pid)
		_ = run.Process.Kill()
		_ = run.Wait()
		if sent < reports {
			b.Fatalf("agent sent %d reports", sent)
		}
		b.ReportMetric(float64(fi.Size())/(1<<20), "binary_MiB")
		b.ReportMetric(float64(peakRSS)/1024, "rss_MiB")
		b.ReportMetric(float64(hwm)/1024, "rss_peak_hwm_MiB")
		b.ReportMetric(float64(anon)/1024, "rss_anon_MiB")
		b.ReportMetric(float64(cpu.Microseconds())/1000/reports, "cpu_ms/report")
	}
}

func procStatusKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

// procCPU is a process's user+system CPU time (clock ticks at 100 Hz).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndex(s, ")")+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
