package systemuser

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RequestKind is standard (rights and access packages for the customer itself) or agent (a
// client system: access packages the customer then delegates clients under).
type RequestKind string

const (
	Standard RequestKind = "standard"
	Agent    RequestKind = "agent"
)

// Status is a request's status as Altinn spells it. A status this version does not know is
// StatusUnknown, and the request's StatusText keeps Altinn's text.
type Status string

const (
	StatusNew      Status = "New"
	StatusAccepted Status = "Accepted"
	StatusRejected Status = "Rejected"
	StatusDenied   Status = "Denied"
	StatusTimedout Status = "Timedout"
	StatusUnknown  Status = "Unknown"
)

// AttributePair is one (id, value) of a right's resource, e.g. ("urn:altinn:resource",
// "ske-krav-og-betalinger").
type AttributePair struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// Right is a right on a resource (a set of attribute pairs); Action is optional.
type Right struct {
	Action   string          `json:"action,omitempty"`
	Resource []AttributePair `json:"resource"`
}

// ResourceRight is the common right on one resource id (urn:altinn:resource=value).
func ResourceRight(value string) Right {
	return Right{Resource: []AttributePair{{ID: "urn:altinn:resource", Value: value}}}
}

// AccessPackage is an access package by its URN.
type AccessPackage struct {
	URN string `json:"urn"`
}

// Package is the access package urn:altinn:accesspackage:<name>.
func Package(name string) AccessPackage {
	return AccessPackage{URN: "urn:altinn:accesspackage:" + name}
}

// StandardRequest asks a customer for a standard system user with rights and/or access
// packages. ExternalRef keys it (with the system and the customer): creating it again with the
// same key returns the existing request.
type StandardRequest struct {
	SystemID         string          `json:"systemId"`
	PartyOrgNo       string          `json:"partyOrgNo"`
	ExternalRef      string          `json:"externalRef,omitempty"`
	IntegrationTitle string          `json:"integrationTitle,omitempty"`
	Rights           []Right         `json:"rights,omitempty"`
	AccessPackages   []AccessPackage `json:"accessPackages,omitempty"`
	RedirectURL      string          `json:"redirectUrl,omitempty"`
}

// AgentRequest asks a customer for an agent system user with access packages. Altinn ignores
// rights on an agent request; the component refuses them (Rights is here so that it can say so).
type AgentRequest struct {
	SystemID         string          `json:"systemId"`
	PartyOrgNo       string          `json:"partyOrgNo"`
	ExternalRef      string          `json:"externalRef,omitempty"`
	IntegrationTitle string          `json:"integrationTitle,omitempty"`
	AccessPackages   []AccessPackage `json:"accessPackages"`
	Rights           []Right         `json:"rights,omitempty"`
	RedirectURL      string          `json:"redirectUrl,omitempty"`
}

// Request is a system user request as Altinn holds it.
type Request struct {
	ID     string      `json:"id"`
	Kind   RequestKind `json:"kind"`
	Status Status      `json:"status"`
	// StatusText is Altinn's own text of the status (the only record of an unknown one).
	StatusText string `json:"statusText"`
	// EffectiveStatus folds the timeout in: Timedout when TimedOut is set.
	EffectiveStatus  Status          `json:"effectiveStatus"`
	SystemID         string          `json:"systemId"`
	PartyOrgNo       string          `json:"partyOrgNo"`
	ExternalRef      string          `json:"externalRef"`
	IntegrationTitle string          `json:"integrationTitle"`
	Rights           []Right         `json:"rights"`
	AccessPackages   []AccessPackage `json:"accessPackages"`
	RedirectURL      string          `json:"redirectUrl"`
	// ConfirmURL is the link the customer approves on ("" in list items).
	ConfirmURL string    `json:"confirmUrl"`
	Escalated  bool      `json:"escalated"`
	Created    time.Time `json:"created"` // zero when Altinn gave none
	TimedOut   bool      `json:"timedOut"`
}

// StatusName is the status for people: Altinn's text, also for a status this version does
// not know ("unknown(Paused)").
func (r *Request) StatusName() string {
	if r.Status == StatusUnknown {
		return "unknown(" + r.StatusText + ")"
	}
	return string(r.Status)
}

// Final reports whether the request will not change any more (accepted, rejected, denied or
// timed out).
func (r *Request) Final() bool {
	switch r.EffectiveStatus {
	case StatusAccepted, StatusRejected, StatusDenied, StatusTimedout:
		return true
	}
	return false
}

// CreatedRequest is the answer to a create: the request, whether it is new (201) or an
// existing one with the same key (200, whatever its status), and whether a lost answer was
// reconciled by reading it back by external ref.
type CreatedRequest struct {
	Request    Request `json:"request"`
	IsNew      bool    `json:"isNew"`
	Reconciled bool    `json:"reconciled"`
}

// UserType is a system user's type: "standard", "agent", or Altinn's text for another.
type UserType string

const (
	UserStandard UserType = "standard"
	UserAgent    UserType = "agent"
)

// SystemUser is a customer's system user for a vendor's system (its ID equals the approved
// request's ID).
type SystemUser struct {
	ID               string    `json:"id"`
	IntegrationTitle string    `json:"integrationTitle"`
	SystemID         string    `json:"systemId"`
	ProductName      string    `json:"productName"`
	ReporteeOrgNo    string    `json:"reporteeOrgNo"`
	Created          time.Time `json:"created"`
	IsDeleted        bool      `json:"isDeleted"`
	SupplierName     string    `json:"supplierName"`
	SupplierOrgNo    string    `json:"supplierOrgNo"`
	ExternalRef      string    `json:"externalRef"`
	UserType         UserType  `json:"userType"`
}

// LocalizedText is a text in Norwegian bokmål, nynorsk and English ("" when absent).
type LocalizedText struct {
	NB string `json:"nb"`
	NN string `json:"nn"`
	EN string `json:"en"`
}

// RegisteredSystem is a vendor's system in Altinn's System Register.
type RegisteredSystem struct {
	ID                  string          `json:"id"`
	VendorOrgNo         string          `json:"vendorOrgNo"`
	Name                LocalizedText   `json:"name"`
	Description         LocalizedText   `json:"description"`
	Rights              []Right         `json:"rights"`
	AccessPackages      []AccessPackage `json:"accessPackages"`
	ClientIDs           []string        `json:"clientIds"`
	IsVisible           bool            `json:"isVisible"`
	AllowedRedirectURLs []string        `json:"allowedRedirectUrls"`
	IsDeleted           bool            `json:"isDeleted"`
}

// Page is one page of a list; NextPage is "" on the last one (else pass it to get the next).
type Page[T any] struct {
	Items    []T
	NextPage string
}

// AccessToken is a Maskinporten access token (a system-user token).
type AccessToken struct {
	Token     Secret
	Scope     string
	ExpiresAt time.Time
}

// Secret holds a credential. Printing it in any way (String, %v, %+v, %#v, %q, JSON) shows a
// masked form; Reveal gives the value, for the Authorization header of the API it is for.
type Secret struct{ value string }

// NewSecret wraps a credential.
func NewSecret(value string) Secret { return Secret{value} }

// Reveal returns the credential itself. Never log it.
func (s Secret) Reveal() string { return s.value }

// String masks the value: its first few characters and its length.
func (s Secret) String() string {
	if s.value == "" {
		return "[empty secret]"
	}
	head := s.value
	if len(head) > 8 {
		head = head[:8]
	}
	if strings.Count(s.value, ".") == 2 && len(s.value) > 40 {
		// A JWT: its header is not secret, its payload and signature are.
		return head + "… (" + strconv.Itoa(len(s.value)) + " characters, the rest hidden)"
	}
	return "[secret, " + strconv.Itoa(len(s.value)) + " characters]"
}

// GoString masks the value for %#v.
func (s Secret) GoString() string { return "systemuser.Secret{" + s.String() + "}" }

// MarshalJSON writes the masked form: a secret never reaches a log through JSON either.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }

// Format masks the value for every verb (%d and %x too).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}
