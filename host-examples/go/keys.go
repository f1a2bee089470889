package systemuser

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
)

// Signer signs a Maskinporten grant the component built: RS256 (RSASSA-PKCS1-v1_5 with
// SHA-256) over data. The key stays with the signer (a file, an HSM, a vault): the component
// never sees it. Sign may be called from several goroutines at once.
type Signer interface {
	Sign(ctx context.Context, data []byte) ([]byte, error)
}

// RSASigner signs with an RSA private key held in this process (crypto/rsa).
type RSASigner struct{ key *rsa.PrivateKey }

// NewRSASigner signs with key.
func NewRSASigner(key *rsa.PrivateKey) *RSASigner { return &RSASigner{key: key} }

// Sign returns the RS256 signature of data.
func (s *RSASigner) Sign(_ context.Context, data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	return rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
}

// String names the key's size, never the key.
func (s *RSASigner) String() string {
	if s == nil || s.key == nil {
		return "systemuser.RSASigner{no key}"
	}
	return fmt.Sprintf("systemuser.RSASigner{%d-bit RSA key}", s.key.N.BitLen())
}

// Format keeps the key out of every verb (%+v of a struct holding the signer included).
func (s *RSASigner) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// keyError never quotes the key file or a member's value.
func keyError(format string, args ...any) error {
	return fmt.Errorf("systemuser: "+format, args...)
}

// ParseRSAPrivateKeyPEM reads an RSA private key in PEM: PKCS#1 ("RSA PRIVATE KEY") or
// PKCS#8 ("PRIVATE KEY"). Errors name what is wrong, never a line of the file.
func ParseRSAPrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, keyError("no PEM private key found (expected a PKCS#1 \"RSA PRIVATE KEY\" or PKCS#8 \"PRIVATE KEY\" block)")
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, keyError("the PKCS#1 RSA private key cannot be read (a damaged or encrypted PEM block)")
			}
			return key, nil
		case "PRIVATE KEY":
			parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, keyError("the PKCS#8 private key cannot be read (a damaged PEM block)")
			}
			key, ok := parsed.(*rsa.PrivateKey)
			if !ok {
				return nil, keyError("the PKCS#8 private key is a %T, not RSA: Maskinporten grants here are RS256", parsed)
			}
			return key, nil
		case "ENCRYPTED PRIVATE KEY":
			return nil, keyError("the private key is encrypted: decrypt it first (e.g. with openssl pkcs8)")
		}
	}
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
	D   string `json:"d"`
	P   string `json:"p"`
	Q   string `json:"q"`
	Dp  string `json:"dp"`
	Dq  string `json:"dq"`
	Qi  string `json:"qi"`
}

// ParseRSAPrivateKeyJWK reads an RSA private key as a JWK (RFC 7517/7518: kty RSA with n, e,
// d, p, q; dp, dq, qi are recomputed), or a JWK set holding exactly one private key. Returns
// the key and its "kid" ("" when it has none). A public JWK is refused: it cannot sign.
func ParseRSAPrivateKeyJWK(data []byte) (*rsa.PrivateKey, string, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	candidates := []json.RawMessage{data}
	if err := json.Unmarshal(data, &set); err == nil && set.Keys != nil {
		candidates = set.Keys
	}
	var found []*jwk
	for _, raw := range candidates {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, "", keyError("the JWK is not a JSON object")
		}
		if k.D != "" {
			found = append(found, &k)
		}
	}
	if len(found) == 0 {
		return nil, "", keyError("the JWK holds no private key (no \"d\"): a public key cannot sign a grant")
	}
	if len(found) > 1 {
		return nil, "", keyError("the JWK set holds %d private keys: give the one to sign with", len(found))
	}
	k := found[0]
	if k.Kty != "RSA" {
		return nil, "", keyError("the JWK's kty is not RSA: Maskinporten grants here are RS256")
	}
	num := func(name, v string) (*big.Int, error) {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || len(b) == 0 {
			return nil, keyError("the JWK member %q is missing or not base64url", name)
		}
		return new(big.Int).SetBytes(b), nil
	}
	n, err := num("n", k.N)
	if err != nil {
		return nil, "", err
	}
	e, err := num("e", k.E)
	if err != nil {
		return nil, "", err
	}
	d, err := num("d", k.D)
	if err != nil {
		return nil, "", err
	}
	p, err := num("p", k.P)
	if err != nil {
		return nil, "", err
	}
	q, err := num("q", k.Q)
	if err != nil {
		return nil, "", err
	}
	if !e.IsInt64() || e.Int64() > 1<<31-1 {
		return nil, "", keyError("the JWK's exponent e is too large")
	}
	key := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: int(e.Int64())}, D: d, Primes: []*big.Int{p, q}}
	if err := key.Validate(); err != nil {
		return nil, "", keyError("the JWK is not a consistent RSA private key")
	}
	key.Precompute()
	return key, k.Kid, nil
}

// KeyRef names the key Maskinporten knows the client's grants by: the "kid" of a key
// registered with the client, or the chain of a business certificate ("x5c", leaf first).
type KeyRef struct {
	kid string
	x5c []string
}

// KeyID names a key registered with the Maskinporten client by its kid.
func KeyID(kid string) KeyRef { return KeyRef{kid: kid} }

// CertificateChain names the key by its business certificate chain (leaf first), sent as
// the grant's x5c header.
func CertificateChain(chain ...*x509.Certificate) KeyRef {
	x5c := make([]string, len(chain))
	for i, c := range chain {
		x5c[i] = base64.StdEncoding.EncodeToString(c.Raw)
	}
	return KeyRef{x5c: x5c}
}

// ParseCertificatesPEM reads the certificates of a PEM file, in order.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, keyError("a certificate cannot be read: %v", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("systemuser: no PEM certificate found")
	}
	return out, nil
}

func (k KeyRef) document() any {
	if k.x5c != nil {
		return map[string]any{"x5c": k.x5c}
	}
	return map[string]any{"kid": k.kid}
}

// Maskinporten lets operations get their own tokens: the component builds each JWT grant,
// Signer signs it, the grant is posted to the environment's Maskinporten, and the token is
// cached in the client's sessions until shortly before it expires.
type Maskinporten struct {
	ClientID string // the Maskinporten client (integration) id
	Resource string // optional audience-restricting resource
	Key      KeyRef // KeyID(kid) or CertificateChain(certs...)
	Signer   Signer
}
