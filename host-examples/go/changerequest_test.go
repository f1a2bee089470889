package systemuser

// Change requests (API.md §11) have no typed calls in this package: they run as task
// documents through the Client's own pump (as the hostile runner's change reads do), against
// the simulator over real HTTP, so that every task and outcome of the schema is exercised.

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestChangeRequestTasksThroughThePump(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	c := sim.client(t, Config{})
	ref := uniqueRef("endring")
	created, err := c.CreateStandardRequest(ctx, standardRequest("310816191", ref))
	if err != nil {
		t.Fatal(err)
	}
	sim.mustCall(t, "POST", "/_sim/requests/"+created.Request.ID+"/approve", nil, nil)
	change := map[string]any{"systemId": standardSystem, "partyOrgNo": "310816191", "externalRef": ref,
		"requiredAccessPackages": []AccessPackage{Package("skattegrunnlag")}}

	o, err := c.run(ctx, "change-request-created", map[string]any{"task": "create-change-request", "change": change})
	if err != nil {
		t.Fatal(err)
	}
	var cr struct {
		ID           string `json:"id"`
		Status       string `json:"status"`
		SystemUserID string `json:"systemUserId"`
	}
	if err := json.Unmarshal(o.ChangeRequest, &cr); err != nil || !o.IsNew || cr.Status != "New" || cr.SystemUserID != created.Request.ID || cr.ID == "" {
		t.Fatalf("created: %s, isNew %v (%v)", o.ChangeRequest, o.IsNew, err)
	}
	// The same change again: the same correlation id, not a new one.
	again, err := c.run(ctx, "change-request-created", map[string]any{"task": "create-change-request", "change": change})
	if err != nil {
		t.Fatal(err)
	}
	var cr2 struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(again.ChangeRequest, &cr2); err != nil || again.IsNew || cr2.ID != cr.ID {
		t.Fatalf("again: %s, isNew %v (%v)", again.ChangeRequest, again.IsNew, err)
	}
	// Nothing to ask for: done at once, nothing sent.
	before := sim.apiCalls(t)
	if _, err := c.run(ctx, "no-change-needed", map[string]any{"task": "create-change-request",
		"change": map[string]any{"systemId": standardSystem, "partyOrgNo": "310816191", "externalRef": ref}}); err != nil {
		t.Fatal(err)
	}
	if sim.apiCalls(t) != before {
		t.Fatal("a change asking for nothing was sent")
	}
	// Withdrawn: it is gone.
	if _, err := c.run(ctx, "withdrawn", map[string]any{"task": "withdraw-change-request", "id": cr.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = c.run(ctx, "change-request", map[string]any{"task": "get-change-request", "id": cr.ID})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("a withdrawn change request: %v", err)
	}
}
