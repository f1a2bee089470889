"""Maskinporten inside the component: the component builds each JWT grant, posts it and caches
the token; this host only holds the key (a `Signer`), the clock and the randomness.

```python
from altinn_systemuser import Client, Environment, Maskinporten, RsaSigner
client = Client(Environment.TT02, maskinporten=Maskinporten(
    "my-client-id", RsaSigner.from_file("maskinporten-key.pem", kid="my-kid")))
```

No signer shows key material in `repr`, `str` or an error message: errors name the file and
what is wrong with it, never its contents.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Protocol, Sequence, Tuple, Union, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import SigningKeyError, TokenError, provider_failure

__all__ = [
    "Maskinporten",
    "Signer",
    "KeyId",
    "CertificateChain",
    "KeyIdentity",
    "RsaSigner",
    "SystemClock",
    "NO_KEY_MESSAGE",
]

#: What the signer import answers when the client has no key.
NO_KEY_MESSAGE = "no Maskinporten key is configured (give Maskinporten(client_id, signer=RsaSigner.from_file(...)))"

# The component accepts RS256 signatures of 256–1024 bytes.
_MIN_BITS, _MAX_BITS = 2048, 8192


@dataclass(frozen=True)
class KeyId:
    """The key is registered on the Maskinporten client under this `kid`."""

    kid: str


@dataclass(frozen=True)
class CertificateChain:
    """The key belongs to a business certificate: the chain as base64 DER, leaf first (`x5c`)."""

    certificates: Tuple[str, ...]

    def __repr__(self) -> str:
        return f"CertificateChain({len(self.certificates)} certificates)"


KeyIdentity = Union[KeyId, CertificateChain]


@runtime_checkable
class Signer(Protocol):
    """Holds the private key. `identity()` names it (read as each operation starts, into
    `config.maskinporten.key`, so a signer may rotate keys); `sign(data)` is RSASSA-PKCS1-v1_5
    with SHA-256 (JWS `RS256`). Either may raise: the operation then fails with `TokenError`
    carrying the message, with anything token- or secret-like masked."""

    def identity(self) -> KeyIdentity:  # pragma: no cover - protocol
        ...

    def sign(self, data: bytes) -> bytes:  # pragma: no cover - protocol
        ...


@dataclass(frozen=True)
class Maskinporten:
    """The vendor's Maskinporten client, for `Client(env, maskinporten=...)`: the component then
    gets its own tokens (vendor tokens for each operation's scopes, and system-user tokens) and
    caches them until 30 s before they expire.

    - `client_id`: the grant's `iss`.
    - `signer`: the key (e.g. `RsaSigner`); without one every grant fails with `TokenError`.
    - `resource`: an audience restriction for vendor tokens (the grant's `resource` claim).
    """

    client_id: str
    signer: Optional[Signer] = None
    resource: Optional[str] = None

    def __post_init__(self) -> None:
        if not isinstance(self.client_id, str) or not self.client_id:
            raise ValueError("Maskinporten needs a client id")
        if self.signer is not None and not isinstance(self.signer, Signer):
            raise TypeError(f"signer must have identity() and sign(data), not {type(self.signer).__name__}")


#: The key a client without a signer names in its config: every grant then fails when it is to
#: be signed (`NO_KEY_MESSAGE`), before anything is sent.
_NO_KEY = KeyId("no-key-configured")


def key_identity_of(mp: Maskinporten) -> KeyIdentity:
    """The signer's identity for `config.maskinporten.key`, asked as each operation starts.
    Raises `TokenError` (its text masked) when the signer cannot say."""
    if mp.signer is None:
        return _NO_KEY
    failure = None
    try:
        ident = mp.signer.identity()
    except Exception as e:
        failure = provider_failure("the signer's identity()", e)
    if failure is not None:  # raised outside the handler: the signer's exception is not kept
        raise TokenError(failure)
    if not isinstance(ident, (KeyId, CertificateChain)):
        raise TokenError(f"the signer's identity() returned {type(ident).__name__}, not a KeyId or a CertificateChain")
    return ident


# ---------------------------------------------------------------------------------------------
# An RSA key from PEM or JWK.


def _b64url_int(jwk: dict, name: str) -> int:
    text = jwk.get(name)
    if not isinstance(text, str) or not text:
        raise ValueError(f"has no {name} member")
    try:
        raw = base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (ValueError, TypeError):
        raise ValueError(f"has a {name} member that is not base64url") from None
    return int.from_bytes(raw, "big")


def _jwk_key(text: str) -> Tuple[rsa.RSAPrivateKey, Optional[str]]:
    try:
        jwk = json.loads(text)
    except json.JSONDecodeError as e:
        # The position only: the decoder's message could quote the document.
        raise ValueError(f"is not JSON (line {e.lineno}, column {e.colno})") from None
    if isinstance(jwk, dict) and "keys" in jwk:  # a JWK Set with one key
        keys = jwk["keys"]
        if not isinstance(keys, list) or len(keys) != 1:
            raise ValueError("holds a JWK Set with more or fewer than one key")
        jwk = keys[0]
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
        raise ValueError("is not an RSA JWK (kty must be RSA)")
    if "d" not in jwk:
        raise ValueError("is a public key (no d member): signing needs the private JWK, not the JWKS registered on the client")
    n, e, d = (_b64url_int(jwk, k) for k in ("n", "e", "d"))
    try:
        if all(k in jwk for k in ("p", "q", "dp", "dq", "qi")):
            p, q, dp, dq, qi = (_b64url_int(jwk, k) for k in ("p", "q", "dp", "dq", "qi"))
        else:  # only n, e, d: the rest follows
            p, q = rsa.rsa_recover_prime_factors(n, e, d)
            dp, dq, qi = rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q)
        key = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, rsa.RSAPublicNumbers(e, n)).private_key()
    except ValueError:
        # cryptography's text names no numbers, but say it in our own words anyway.
        raise ValueError("is not a consistent RSA private key") from None
    kid = jwk.get("kid")
    return key, kid if isinstance(kid, str) and kid else None


def _pem_key(data: bytes, password: Optional[bytes]) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError:
        raise ValueError("is encrypted: give its password" if password is None else "is not encrypted: give no password") from None
    except ValueError:
        raise ValueError(
            "is not a PEM private key that can be read (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY; or a wrong password)"
        ) from None
    except Exception as e:  # e.g. an unsupported algorithm: the type only
        raise ValueError(f"cannot be loaded ({type(e).__name__})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"is not an RSA key (Maskinporten grants are RS256), it is {type(key).__name__}")
    return key


_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def _chain(chain: Union[str, bytes, Sequence[str]], key: rsa.RSAPrivateKey) -> CertificateChain:
    """Base64 DER strings (leaf first), or PEM text with CERTIFICATE blocks."""
    if isinstance(chain, (str, bytes)):
        data = chain.encode("ascii", "replace") if isinstance(chain, str) else chain
        certs = [b"".join(m.split()).decode("ascii", "replace") for m in _PEM_CERT.findall(data)]
        if not certs:
            raise SigningKeyError("the certificate chain holds no PEM CERTIFICATE block")
    else:
        certs = ["".join(str(c).split()) for c in chain]
    if not certs:
        raise SigningKeyError("the certificate chain is empty")
    for i, c in enumerate(certs):
        try:
            parsed = x509.load_der_x509_certificate(base64.b64decode(c, validate=True))
        except ValueError:
            raise SigningKeyError(f"certificate {i} of the chain is not a base64 DER X.509 certificate") from None
        if i == 0 and parsed.public_key().public_numbers() != key.public_key().public_numbers():
            raise SigningKeyError("the chain's first (leaf) certificate is not for this key")
    return CertificateChain(tuple(certs))


class RsaSigner:
    """An RSA private key held in this process: PEM (`PRIVATE KEY` PKCS#8, `RSA PRIVATE KEY`
    PKCS#1, or an encrypted PKCS#8 with `password`) or a private JWK (or a JWK Set of one key).

    Named by `kid` (a JWK's own `kid` when not given) or, for a business certificate, by
    `certificate_chain` (base64 DER strings leaf first, or PEM text), sent as `x5c`.
    Raises `SigningKeyError` for a key that cannot be used.
    """

    __slots__ = ("_key", "_identity")

    def __init__(
        self,
        key: rsa.RSAPrivateKey,
        *,
        kid: Optional[str] = None,
        certificate_chain: Union[None, str, bytes, Sequence[str]] = None,
    ) -> None:
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SigningKeyError(f"not an RSA private key: {type(key).__name__}")
        if not _MIN_BITS <= key.key_size <= _MAX_BITS:
            raise SigningKeyError(f"the key has {key.key_size} bits; Maskinporten needs {_MIN_BITS}–{_MAX_BITS}")
        if kid is not None and certificate_chain is not None:
            raise SigningKeyError("give a kid or a certificate chain, not both (a grant names exactly one)")
        self._key = key
        if certificate_chain is not None:
            self._identity: KeyIdentity = _chain(certificate_chain, key)
        elif kid:
            self._identity = KeyId(kid)
        else:
            raise SigningKeyError("no key id: give kid=..., use a JWK with a kid, or give a certificate chain")

    @classmethod
    def from_text(
        cls,
        text: Union[str, bytes],
        *,
        kid: Optional[str] = None,
        certificate_chain: Union[None, str, bytes, Sequence[str]] = None,
        password: Union[None, str, bytes] = None,
    ) -> "RsaSigner":
        """A key given as PEM or JWK text. The error never quotes it."""
        return cls._load(text, kid, certificate_chain, password, "the key text")

    @classmethod
    def from_file(
        cls,
        path: Union[str, os.PathLike],
        *,
        kid: Optional[str] = None,
        certificate_chain: Union[None, str, bytes, Sequence[str]] = None,
        password: Union[None, str, bytes] = None,
    ) -> "RsaSigner":
        """A key file (PEM or JWK)."""
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise SigningKeyError(f"the key file {p} cannot be read: {e.strerror or type(e).__name__}") from None
        return cls._load(data, kid, certificate_chain, password, f"the key file {p}")

    @classmethod
    def _load(cls, text: Union[str, bytes], kid: Any, chain: Any, password: Any, source: str) -> "RsaSigner":
        data = (text.encode("utf-8") if isinstance(text, str) else bytes(text)).strip()
        pw = password.encode("utf-8") if isinstance(password, str) else password
        try:
            if data.startswith(b"{"):
                key, jwk_kid = _jwk_key(data.decode("utf-8", "replace"))
            elif data.startswith(b"-----BEGIN"):
                key, jwk_kid = _pem_key(data, pw), None
            else:
                raise ValueError("is neither a PEM private key nor a JWK")
        except ValueError as e:
            raise SigningKeyError(f"{source} {e}") from None
        if chain is None and kid is None:
            kid = jwk_kid
        return cls(key, kid=kid, certificate_chain=chain)

    @property
    def key_size(self) -> int:
        return self._key.key_size

    def identity(self) -> KeyIdentity:
        return self._identity

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(bytes(data), padding.PKCS1v15(), hashes.SHA256())

    def __repr__(self) -> str:
        ident = self._identity
        named = f"kid={ident.kid!r}" if isinstance(ident, KeyId) else f"x5c chain of {len(ident.certificates)}"
        return f"RsaSigner({self._key.key_size}-bit RSA, {named}, key hidden)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # Pickling would write the key out in the clear.
        raise TypeError("an RsaSigner cannot be pickled (it holds a private key)")


# ---------------------------------------------------------------------------------------------
# Clock and randomness.


class SystemClock:
    """The system clock as an aware UTC `datetime`, optionally shifted (`SystemClock(60)` runs a
    minute ahead: a test of a host clock Maskinporten refuses)."""

    __slots__ = ("offset",)

    def __init__(self, offset: Union[float, _dt.timedelta] = 0.0) -> None:
        self.offset = offset if isinstance(offset, _dt.timedelta) else _dt.timedelta(seconds=offset)

    def __call__(self) -> _dt.datetime:
        return _dt.datetime.now(_dt.timezone.utc) + self.offset

    def __repr__(self) -> str:
        return f"SystemClock(offset={self.offset.total_seconds():+g} s)"
