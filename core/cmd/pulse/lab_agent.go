package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pulsehost/pulse/core/internal/agentgw"
	"github.com/pulsehost/pulse/core/internal/config"
)

// labAgent is the lab's local pulse-agent process.
type labAgent struct{ cmd *exec.Cmd }

// stop stops the agent and waits for it.
func (a *labAgent) stop() {
	if a == nil || a.cmd == nil || a.cmd.Process == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	_ = a.cmd.Wait()
}

// startLabAgent enrolls a local pulse-agent with the lab core the way an
// operator would (a single-use provisioning token on the agent's stdin, the
// listener pinned by its certificate fingerprint), with its key and
// settings in the lab's own directory, then runs it unprivileged: as the
// invoking user, or as nobody when the lab runs as root.
func startLabAgent(ctx context.Context, s config.Server, agentAddr string, dirs []string, stdout, stderr io.Writer) (*labAgent, error) {
	bin := ""
	for _, d := range dirs {
		if p := filepath.Join(d, "pulse-agent"); fileIsExecutable(p) {
			bin = p
			break
		}
	}
	if bin == "" {
		return nil, fmt.Errorf("no pulse-agent binary in %v; run `make build`", dirs)
	}
	dir, err := filepath.Abs(filepath.Join(filepath.Dir(s.DataDir), "agent"))
	if err != nil {
		return nil, err
	}
	server := "https://" + agentAddr
	var fp string
	fp, err = agentgw.ReadCertFingerprint(s.DataDir, s.TLSCert)
	if err != nil {
		return nil, err
	}
	uid, gid, dropped := labAgentUser()
	// An enrollment from an earlier lab run stands if the core still
	// accepts it; otherwise enroll afresh (the key is reused).
	if _, err := os.Stat(filepath.Join(dir, "agent.json")); err == nil {
		check := exec.CommandContext(ctx, bin, "report", "--once", "--config-dir", dir)
		asUser(check, uid, gid, dropped)
		if out, err := check.CombinedOutput(); err != nil {
			fmt.Fprintf(stderr, "lab agent: earlier enrollment refused (%s); enrolling again\n", strings.TrimSpace(string(out)))
			_ = os.Remove(filepath.Join(dir, "agent.json"))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "agent.json")); err != nil {
		db, err := agentgw.OpenDB(ctx, s.DataDir)
		if err != nil {
			return nil, err
		}
		tok, _, err := agentgw.CreateToken(ctx, db, 5*time.Minute, 1, map[string]string{"lab": "local"}, time.Now())
		db.Close()
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if dropped {
			// nobody must reach its directory: the lab's own directory
			// becomes traversable (not listable) by others.
			_ = os.Chmod(filepath.Dir(dir), 0o711)
			_ = filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, uid, gid) })
		}
		enroll := exec.CommandContext(ctx, bin, "enroll", "--server", server, "--token-file", "-",
			"--server-fingerprint", fp, "--config-dir", dir, "--interval", "10s")
		enroll.Stdin = strings.NewReader(tok + "\n")
		asUser(enroll, uid, gid, dropped)
		if out, err := enroll.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("enroll the lab agent: %v: %s", err, strings.TrimSpace(string(out)))
		}
	}
	// Commands on (the lab's control block allows actions), and the docker
	// module against pulse-sim-docker's engine when it runs.
	args := []string{"run", "--config-dir", dir, "--enable-commands"}
	docker := ""
	if sock, err := filepath.Abs(filepath.Join(filepath.Dir(dir), "docker.sock")); err == nil {
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			args = append(args, "--enable-docker", "--docker-host", "unix://"+sock)
			if dropped {
				// The simulator's socket is the lab's: nobody may use it.
				_ = os.Lchown(sock, uid, gid)
			}
			docker = ", docker module on " + sock
		}
	}
	// The kubernetes module against pulse-sim-kubernetes's cluster when it
	// runs (it writes the kubeconfig) and the pulse-agent-k8s build is
	// there.
	kubeNote := ""
	if kc, err := filepath.Abs(filepath.Join(filepath.Dir(dir), "kubeconfig")); err == nil && fileExists(kc) {
		if k8s := filepath.Join(filepath.Dir(bin), "pulse-agent-k8s"); fileIsExecutable(k8s) {
			bin = k8s
			args = append(args, "--enable-kubernetes", "--kubeconfig", kc)
			kubeNote = ", kubernetes module on " + kc
			if dropped {
				_ = os.Lchown(kc, uid, gid)
			}
		}
	}
	run := exec.Command(bin, args...)
	run.Stderr = stderr
	setParentDeath(run)
	asUser(run, uid, gid, dropped)
	if err := run.Start(); err != nil {
		return nil, fmt.Errorf("start the lab agent: %w", err)
	}
	who := "as you"
	if dropped {
		who = "as nobody"
	}
	fmt.Fprintf(stdout, "%s enrolled and reporting %s, commands enabled%s%s (key and settings in %s)\n", filepath.Base(bin), who, docker, kubeNote, dir)
	return &labAgent{cmd: run}, nil
}

func fileIsExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
