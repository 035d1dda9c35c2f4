package tnrpc

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Job is one entry of core.get_jobs.
type Job struct {
	ID       int64  `json:"id"`
	Method   string `json:"method"`
	State    string `json:"state"` // WAITING, RUNNING, SUCCESS, FAILED, ABORTED
	Progress struct {
		Percent     float64 `json:"percent"`
		Description string  `json:"description"`
	} `json:"progress"`
	Result       json.RawMessage `json:"result"`
	Error        string          `json:"error"`
	TimeStarted  Time            `json:"time_started"`
	TimeFinished Time            `json:"time_finished"`
}

// JobError is a job that ended FAILED or ABORTED.
type JobError struct{ Job Job }

func (e *JobError) Error() string {
	msg := e.Job.Error
	if msg == "" {
		msg = "no error message"
	}
	return fmt.Sprintf("job %d (%s) %s: %s", e.Job.ID, e.Job.Method, e.Job.State, msg)
}

// Unwrap makes errors.Is(err, ErrJobFailed) true.
func (e *JobError) Unwrap() error { return ErrJobFailed }

// CallJob calls a job method and follows the job to its end.
func (c *Client) CallJob(ctx context.Context, method string, params []any) (Job, error) {
	var id int64
	if err := c.Call(ctx, method, params, &id); err != nil {
		return Job{}, err
	}
	return c.WaitJob(ctx, id)
}

// WaitJob polls core.get_jobs until job id succeeds, fails or ctx ends.
func (c *Client) WaitJob(ctx context.Context, id int64) (Job, error) {
	delay := c.opts.JobPoll
	for {
		var jobs []Job
		filter := []any{[]any{[]any{"id", "=", id}}}
		if err := c.Call(ctx, "core.get_jobs", filter, &jobs); err != nil {
			return Job{}, fmt.Errorf("follow job %d: %w", id, err)
		}
		if len(jobs) == 0 {
			return Job{}, fmt.Errorf("follow job %d: core.get_jobs does not know it", id)
		}
		j := jobs[0]
		switch j.State {
		case "SUCCESS":
			return j, nil
		case "FAILED", "ABORTED":
			return j, &JobError{Job: j}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return j, fmt.Errorf("follow job %d (%s, %s at %.0f%%): %w", id, j.Method, j.State, j.Progress.Percent, ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, 2*time.Second)
	}
}
