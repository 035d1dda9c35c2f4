package control

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
)

// recordRefusal checks an agent-routed action against the actions the
// record itself carries (attribute "actions", set by the projection from
// what the agent declared for that kind of record: a kubernetes deployment
// takes rollout-restart, a pod delete). A record without the attribute, or
// with an empty list (an agent that reported with commands off), says
// nothing and passes; the agent checks again before acting.
func recordRefusal(res resource.Resource, action string) string {
	var a struct {
		Actions *[]string `json:"actions"`
	}
	if len(res.Attributes) == 0 || json.Unmarshal(res.Attributes, &a) != nil || a.Actions == nil || len(*a.Actions) == 0 {
		return ""
	}
	if slices.Contains(*a.Actions, action) {
		return ""
	}
	return fmt.Sprintf("a %s record does not take action %q (it takes %s)", res.Type, action, strings.Join(*a.Actions, ", "))
}
