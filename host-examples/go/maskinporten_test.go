package systemuser

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func testKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := ParseRSAPrivateKeyPEM(readFile(t, "simulator/tests/keys/TEST-ONLY-client-key.pk8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func b64url(i *big.Int) string { return base64.RawURLEncoding.EncodeToString(i.Bytes()) }

// privateJWK writes key as a private JWK (what a vendor keeps in a vault).
func privateJWK(key *rsa.PrivateKey, kid string) []byte {
	key.Precompute()
	b, _ := json.Marshal(map[string]string{"kty": "RSA", "kid": kid, "n": b64url(key.N), "e": b64url(big.NewInt(int64(key.E))),
		"d": b64url(key.D), "p": b64url(key.Primes[0]), "q": b64url(key.Primes[1]),
		"dp": b64url(key.Precomputed.Dp), "dq": b64url(key.Precomputed.Dq), "qi": b64url(key.Precomputed.Qinv)})
	return b
}

func (s *simulator) grants(t *testing.T) int {
	t.Helper()
	var log struct {
		Calls []struct {
			Route string `json:"route"`
		} `json:"calls"`
	}
	s.mustCall(t, "GET", "/_sim/calls", nil, &log)
	n := 0
	for _, c := range log.Calls {
		if c.Route == "maskinporten_token" {
			n++
		}
	}
	return n
}

func TestMaskinportenGrantsWithEachKeyForm(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	own := newSimulator(t)
	pk8 := testKey(t)

	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(pk8)})
	fromPKCS1, err := ParseRSAPrivateKeyPEM(pkcs1)
	if err != nil {
		t.Fatal(err)
	}
	fromJWK, kid, err := ParseRSAPrivateKeyJWK([]byte(`{"keys":[` + string(privateJWK(pk8, mpKid)) + `]}`))
	if err != nil || kid != mpKid {
		t.Fatalf("jwk: %q %v", kid, err)
	}
	// The JWK's public half is the one the simulator's fixture registers.
	var public struct {
		Keys []struct{ Kid, N, E string } `json:"keys"`
	}
	if err := json.Unmarshal(readFile(t, "simulator/tests/keys/TEST-ONLY-client-key.jwks.json"), &public); err != nil {
		t.Fatal(err)
	}
	if len(public.Keys) != 1 || public.Keys[0].Kid != mpKid || public.Keys[0].N != b64url(fromJWK.N) {
		t.Fatal("the JWK does not match TEST-ONLY-client-key.jwks.json")
	}
	if _, _, err := ParseRSAPrivateKeyJWK(readFile(t, "simulator/tests/keys/TEST-ONLY-client-key.jwks.json")); err == nil {
		t.Fatal("a public JWK cannot sign and must be refused")
	}
	certs, err := ParseCertificatesPEM(readFile(t, "simulator/tests/keys/TEST-ONLY-client-cert.pem"))
	if err != nil {
		t.Fatal(err)
	}

	for _, form := range []struct {
		name string
		key  *rsa.PrivateKey
		ref  KeyRef
	}{
		{"PKCS#8 PEM, kid", pk8, KeyID(mpKid)},
		{"PKCS#1 PEM, kid", fromPKCS1, KeyID(mpKid)},
		{"JWK, kid", fromJWK, KeyID(kid)},
		{"PKCS#8 PEM, x5c", pk8, CertificateChain(certs...)},
	} {
		t.Run(form.name, func(t *testing.T) {
			before := own.grants(t)
			c := own.client(t, Config{Maskinporten: &Maskinporten{ClientID: mpClientID, Key: form.ref, Signer: NewRSASigner(form.key)}})
			if _, err := c.GetRegisteredSystem(ctx, standardSystem); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ListAllRequests(ctx, standardSystem, Standard); err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetRegisteredSystem(ctx, standardSystem); err != nil {
				t.Fatal(err)
			}
			// Two scopes, two grants: the second system read took the cached token.
			if n := own.grants(t) - before; n != 2 {
				t.Fatalf("%d grants for two scopes", n)
			}
		})
	}
	t.Run("the unregistered key is MP-120", func(t *testing.T) {
		other, err := ParseRSAPrivateKeyPEM(readFile(t, "simulator/tests/keys/TEST-ONLY-unregistered-key.pk8.pem"))
		if err != nil {
			t.Fatal(err)
		}
		c := own.client(t, Config{Maskinporten: &Maskinporten{ClientID: mpClientID, Key: KeyID(mpKid), Signer: NewRSASigner(other)}})
		_, err = c.GetRegisteredSystem(ctx, standardSystem)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindMaskinporten || e.Code != "MP-120" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("an unknown client is MP-100", func(t *testing.T) {
		c := own.client(t, Config{Maskinporten: &Maskinporten{ClientID: "no-such-client", Key: KeyID(mpKid), Signer: NewRSASigner(pk8)}})
		_, err := c.GetRegisteredSystem(ctx, standardSystem)
		var e *Error
		if !errors.As(err, &e) || e.Code != "MP-100" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a signer that fails is a token error", func(t *testing.T) {
		c := own.client(t, Config{Maskinporten: &Maskinporten{ClientID: mpClientID, Key: KeyID(mpKid), Signer: failingSigner{}}})
		_, err := c.GetRegisteredSystem(ctx, standardSystem)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindToken || !strings.Contains(e.Message, "the HSM is offline") {
			t.Fatalf("%v", err)
		}
	})
}

func TestSystemUserToken(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	own := newSimulator(t)
	c := own.client(t, Config{Maskinporten: &Maskinporten{ClientID: mpClientID, Key: KeyID(mpKid), Signer: NewRSASigner(testKey(t))}})
	ref := uniqueRef("tok")
	created, err := c.CreateStandardRequest(ctx, standardRequest("310816191", ref))
	if err != nil {
		t.Fatal(err)
	}
	own.mustCall(t, "POST", "/_sim/requests/"+created.Request.ID+"/approve", nil, nil)
	tok, err := c.SystemUserToken(ctx, "310816191", ref, "ttd:regnskap.read")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Scope != "ttd:regnskap.read" || tok.ExpiresAt.Before(time.Now()) || strings.Count(tok.Token.Reveal(), ".") != 2 {
		t.Fatalf("token: scope %q, expires %v", tok.Scope, tok.ExpiresAt)
	}
	// Its payload names the customer's system user.
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok.Token.Reveal(), ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		AuthorizationDetails []struct {
			SystemUserID  []string `json:"systemuser_id"`
			SystemUserOrg struct {
				ID string `json:"ID"`
			} `json:"systemuser_org"`
		} `json:"authorization_details"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || len(claims.AuthorizationDetails) != 1 ||
		claims.AuthorizationDetails[0].SystemUserOrg.ID != "0192:310816191" || claims.AuthorizationDetails[0].SystemUserID[0] != created.Request.ID {
		t.Fatalf("the token's authorization_details do not name the system user (%v)", err)
	}
	// Without the external ref the request used, Maskinporten finds no system user.
	_, err = c.SystemUserToken(ctx, "310816191", "", "ttd:regnskap.read")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindMaskinporten || e.Code != "MP-303" {
		t.Fatalf("%v", err)
	}
	// With a token source instead of a key, there is no system-user token to get.
	tc := own.client(t, Config{})
	if _, err := tc.SystemUserToken(ctx, "310816191", ref, "ttd:regnskap.read"); err == nil {
		t.Fatal("a system-user token without a Maskinporten key")
	}
}

type failingSigner struct{}

func (failingSigner) Sign(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("the HSM is offline")
}
