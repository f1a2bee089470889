package systemuser

// The System Register (API.md §13) through the package, against the simulator over real HTTP:
// a system registered, listed, read, changed with PUT (a merge, the rights, the packages),
// its changelog, deleted; and the typed refusals (the component's own before sending,
// Altinn's conflict for a taken id, the deleted system, another vendor's system).

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var systemCounter struct{ n int }

// uniqueSystemID is a system id of the fixture's vendor no other test (or run on this
// simulator) used: the register never gives an id out twice, deleted systems included.
func uniqueSystemID(name string) string {
	refCounter.Lock()
	defer refCounter.Unlock()
	systemCounter.n++
	return fmt.Sprintf("%s_go%s%d%d", vendorOrgNo, name, time.Now().UnixNano()%1_000_000_000, systemCounter.n)
}

func text(s string) LocalizedText { return LocalizedText{NB: s, NN: s, EN: s} }

// testSystem is a visible standard system of the fixture's vendor.
func testSystem(id string) RegisteredSystem {
	return RegisteredSystem{
		ID: id, VendorOrgNo: vendorOrgNo, Name: text("Go-systemet"), Description: text("Registrert fra Go"),
		Rights:              []Right{ResourceRight("ske-krav-og-betalinger")},
		AccessPackages:      []AccessPackage{Package("skattegrunnlag")},
		IsVisible:           true,
		AllowedRedirectURLs: []string{"https://go.example/ferdig"},
	}
}

// routeCalls counts the simulator's calls of a route (its log names each call's route).
func (s *simulator) routeCalls(t *testing.T, route string) int {
	t.Helper()
	var log struct {
		Calls []struct {
			Route  string `json:"route"`
			Method string `json:"method"`
		} `json:"calls"`
	}
	s.mustCall(t, "GET", "/_sim/calls", nil, &log)
	n := 0
	for _, c := range log.Calls {
		if c.Route == route {
			n++
		}
	}
	return n
}

func TestSystemRegisterLifecycle(t *testing.T) {
	ctx := begin(t, 90*time.Second)
	c := sim.client(t, Config{})
	id := uniqueSystemID("liv")
	system := testSystem(id)

	reg, err := c.RegisterSystem(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Reconciled || len(reg.InternalID) != 36 || strings.Count(reg.InternalID, "-") != 4 {
		t.Fatalf("registered: %+v", reg)
	}

	// Listed (Altinn's listing has no client ids or redirect URLs) and read back whole.
	systems, err := c.ListSystems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var listed *RegisteredSystem
	for i := range systems {
		if systems[i].ID == id {
			listed = &systems[i]
		}
		if systems[i].VendorOrgNo != vendorOrgNo || systems[i].IsDeleted {
			t.Fatalf("the listing holds another vendor's or a deleted system: %+v", systems[i])
		}
	}
	if listed == nil || listed.Name.NB != "Go-systemet" || !listed.IsVisible || len(listed.AllowedRedirectURLs) != 0 {
		t.Fatalf("the new system in the listing: %+v", listed)
	}
	got, err := c.GetRegisteredSystem(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.VendorOrgNo != vendorOrgNo || got.Name != system.Name || got.Description != system.Description ||
		!got.IsVisible || got.IsDeleted || len(got.Rights) != 1 || got.Rights[0].Resource[0].Value != "ske-krav-og-betalinger" ||
		len(got.AccessPackages) != 1 || got.AccessPackages[0] != Package("skattegrunnlag") ||
		len(got.AllowedRedirectURLs) != 1 || got.AllowedRedirectURLs[0] != "https://go.example/ferdig" {
		t.Fatalf("read back: %+v", got)
	}

	// An update replaces only what it sets: the component reads, merges and PUTs the whole record.
	putsBefore := sim.routeCalls(t, "update_registered_system")
	err = c.UpdateSystem(ctx, SystemUpdate{ID: id, Name: &LocalizedText{NB: "Go-systemet 2", NN: "Go-systemet 2", EN: "Go system 2"},
		AllowedRedirectURLs: []string{"https://go.example/ferdig", "https://go.example/igjen"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := sim.routeCalls(t, "update_registered_system") - putsBefore; n != 1 {
		t.Fatalf("%d PUTs of the whole system", n)
	}
	got, err = c.GetRegisteredSystem(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name.EN != "Go system 2" || got.Description != system.Description || len(got.AllowedRedirectURLs) != 2 ||
		len(got.Rights) != 1 || len(got.AccessPackages) != 1 || !got.IsVisible {
		t.Fatalf("after the update: %+v", got)
	}

	// The rights and the packages, each list replaced whole.
	rights := []Right{ResourceRight("ske-krav-og-betalinger"), ResourceRight("ske-innrapportering-a-ordning")}
	if err := c.SetSystemRights(ctx, id, rights); err != nil {
		t.Fatal(err)
	}
	if err := c.SetSystemAccessPackages(ctx, id, []AccessPackage{Package("merverdiavgift"), Package("skattegrunnlag")}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetRegisteredSystem(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rights) != 2 || len(got.AccessPackages) != 2 || got.AccessPackages[0] != Package("merverdiavgift") || got.Name.EN != "Go system 2" {
		t.Fatalf("after the rights and packages: %+v", got)
	}
	// A visible system may not hold an agent-only package: refused before sending.
	before := sim.apiCalls(t)
	err = c.SetSystemAccessPackages(ctx, id, []AccessPackage{Package("regnskapsforer-lonn")})
	var ve *ValidationError
	if !errors.As(err, &ve) || !contains(ve.Codes(), "AUTH.VLD-00018") || !errors.Is(err, ErrValidation) {
		t.Fatalf("an agent-only package on a visible system: %v", err)
	}
	if sent := sim.apiCalls(t) - before; sent > 1 {
		// The component may read the stored system (its visibility) first; nothing is PUT.
		t.Fatalf("%d calls sent for a refused change", sent)
	}

	// The changelog, newest first.
	log, err := c.SystemChangelog(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range log {
		types = append(types, e.ChangeType)
		if e.SystemInternalID != reg.InternalID || !strings.Contains(e.ChangedByOrgNo, vendorOrgNo) || e.Created.IsZero() || !json.Valid(e.ChangedData) {
			t.Fatalf("a changelog entry: %+v", e)
		}
	}
	if strings.Join(types, " ") != "accesspackageupdate rightsupdate update create" {
		t.Fatalf("changelog types %v", types)
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(log[len(log)-1].ChangedData, &created); err != nil || created.ID != id {
		t.Fatalf("the create's changed data: %s (%v)", log[len(log)-1].ChangedData, err)
	}

	// Deleted: still readable, flagged; deleting again succeeds; changing it is a typed conflict.
	if err := c.DeleteSystem(ctx, id); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetRegisteredSystem(ctx, id)
	if err != nil || !got.IsDeleted {
		t.Fatalf("after the delete: %+v, %v", got, err)
	}
	if err := c.DeleteSystem(ctx, id); err != nil {
		t.Fatalf("deleting a deleted system: %v", err)
	}
	systems, err = c.ListSystems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range systems {
		if s.ID == id {
			t.Fatal("a deleted system is listed")
		}
	}
	putsBefore = sim.routeCalls(t, "update_registered_system")
	err = c.UpdateSystem(ctx, SystemUpdate{ID: id, Description: &LocalizedText{NB: "x", NN: "x", EN: "x"}})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindConflict || e.Code != "system-deleted" || !errors.Is(err, ErrConflict) {
		t.Fatalf("updating a deleted system: %v", err)
	}
	if sim.routeCalls(t, "update_registered_system") != putsBefore {
		t.Fatal("a deleted system was PUT")
	}
	if err := c.SetSystemRights(ctx, id, nil); !errors.As(err, &e) || e.Code != "system-deleted" {
		t.Fatalf("setting the rights of a deleted system: %v", err)
	}
	// Its id is never given out again.
	_, err = c.RegisterSystem(ctx, system)
	// (Altinn's validation 400, the code among its field errors.)
	if !errors.As(err, &e) || e.Kind != KindAltinn || e.Status != 400 || !hasViolation(e.Violations, "AUTH.VLD-00002") {
		t.Fatalf("registering a deleted system's id: %v", err)
	}
}

func TestSystemRegisterRefusals(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	c := sim.client(t, Config{Retries: noRetries()})

	t.Run("checked as Altinn would, nothing sent", func(t *testing.T) {
		before := sim.apiCalls(t)
		s := testSystem(vendorOrgNo + "_go med mellomrom")
		s.AllowedRedirectURLs = []string{"http://go.example/ikke-https"}
		_, err := c.RegisterSystem(ctx, s)
		var ve *ValidationError
		if !errors.As(err, &ve) || !contains(ve.Codes(), "AUTH.VLD-00013") || !contains(ve.Codes(), "AUTH.VLD-00005") {
			t.Fatalf("%v", err)
		}
		for _, v := range ve.Violations {
			if v.Field == "" || v.Message == "" {
				t.Fatalf("a violation without its field or message: %+v", v)
			}
		}
		other := testSystem("313367002_gofremmed")
		if _, err := c.RegisterSystem(ctx, other); !errors.As(err, &ve) || !contains(ve.Codes(), "AUTH.VLD-00001") {
			t.Fatalf("a system id of another vendor: %v", err)
		}
		hidden := testSystem(uniqueSystemID("skjult"))
		hidden.AccessPackages = []AccessPackage{Package("regnskapsforer-lonn")}
		if _, err := c.RegisterSystem(ctx, hidden); !errors.As(err, &ve) || !contains(ve.Codes(), "AUTH.VLD-00018") {
			t.Fatalf("an agent-only package on a visible system: %v", err)
		}
		if sent := sim.apiCalls(t) - before; sent != 0 {
			t.Fatalf("%d calls sent for refused systems", sent)
		}
	})
	t.Run("another vendor's system is forbidden", func(t *testing.T) {
		err := c.SetSystemRights(ctx, "313367002_konkurrent", []Right{ResourceRight("ske-krav-og-betalinger")})
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindForbidden || e.Status != 403 || !errors.Is(err, ErrForbidden) {
			t.Fatalf("%v", err)
		}
		if err := c.DeleteSystem(ctx, "313367002_konkurrent"); !errors.Is(err, ErrForbidden) {
			t.Fatalf("deleting another vendor's system: %v", err)
		}
	})
	t.Run("an unknown system", func(t *testing.T) {
		id := uniqueSystemID("ukjent")
		s, err := c.FindRegisteredSystem(ctx, id)
		if s != nil || err != nil {
			t.Fatalf("FindRegisteredSystem of an unknown system: %+v, %v", s, err)
		}
		if _, err := c.GetRegisteredSystem(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetRegisteredSystem of an unknown system: %v", err)
		}
		if err := c.UpdateSystem(ctx, SystemUpdate{ID: id, IsVisible: new(bool)}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("updating an unknown system: %v", err)
		}
		if _, err := c.SystemChangelog(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the changelog of an unknown system: %v", err)
		}
	})
	t.Run("found again", func(t *testing.T) {
		s, err := c.FindRegisteredSystem(ctx, standardSystem)
		if err != nil || s == nil || s.ID != standardSystem {
			t.Fatalf("%+v, %v", s, err)
		}
	})
}

// An invisible agent system registered with a Maskinporten client of its own: the grant for
// systemregister.write is made here, and a lost answer to the POST is reconciled by reading
// the system back by its id (no second registration).
func TestRegisterSystemLostAnswerIsReconciled(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	own := newSimulator(t)
	c := own.client(t, Config{Maskinporten: &Maskinporten{ClientID: mpClientID, Key: KeyID(mpKid), Signer: NewRSASigner(testKey(t))}})
	own.arm(t, map[string]any{"route": "create_registered_system", "kind": "lost_response", "count": 1})
	id := uniqueSystemID("tapt")
	s := RegisteredSystem{ID: id, VendorOrgNo: vendorOrgNo, Name: text("Byråsystem"), Description: text("Tapt svar"),
		AccessPackages: []AccessPackage{Package("regnskapsforer-lonn")}}
	reg, err := c.RegisterSystem(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if !reg.Reconciled || reg.InternalID != "" {
		t.Fatalf("after a lost answer: %+v", reg)
	}
	if n := own.routeCalls(t, "create_registered_system"); n != 1 {
		t.Fatalf("%d registrations sent", n)
	}
	got, err := c.GetRegisteredSystem(ctx, id)
	if err != nil || got.IsVisible || got.AccessPackages[0] != Package("regnskapsforer-lonn") {
		t.Fatalf("%+v, %v", got, err)
	}
}

func hasViolation(vs []Violation, code string) bool {
	for _, v := range vs {
		if v.Code == code {
			return true
		}
	}
	return false
}
