"""Where a client talks to: Altinn's environments, or a custom one (the local simulator, a proxy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

__all__ = ["Environment"]


@dataclass(frozen=True)
class Environment:
    """An Altinn environment. Use the constants (`Environment.TT02`, …) or `Environment.custom`."""

    name: str
    #: Only for custom environments: platform base, confirm-page origin, Maskinporten issuer.
    platform_url: Optional[str] = None
    confirm_url: Optional[str] = None
    maskinporten_issuer: Optional[str] = None

    PRODUCTION: ClassVar["Environment"]
    TT02: ClassVar["Environment"]
    AT22: ClassVar["Environment"]
    AT23: ClassVar["Environment"]
    AT24: ClassVar["Environment"]
    YT01: ClassVar["Environment"]

    @classmethod
    def custom(cls, platform_url: str, confirm_url: str, maskinporten_issuer: str) -> "Environment":
        """A deployment of your own: absolute base URLs (the issuer keeps its trailing slash)."""
        return cls("custom", platform_url, confirm_url, maskinporten_issuer)

    @classmethod
    def local(cls, base_url: str) -> "Environment":
        """The local simulator at `base_url`: it serves the platform routes, the confirm page and
        Maskinporten (`{base}/token`) itself."""
        base = base_url.rstrip("/")
        return cls.custom(base, base, base + "/")

    @classmethod
    def parse(cls, text: str) -> "Environment":
        """`production`, `tt02`, `at22`…`yt01`, or a URL of a local simulator."""
        t = text.strip()
        if t.startswith(("http://", "https://")):
            return cls.local(t)
        named = {e.name: e for e in (cls.PRODUCTION, cls.TT02, cls.AT22, cls.AT23, cls.AT24, cls.YT01)}
        try:
            return named[t.lower()]
        except KeyError:
            raise ValueError(f"unknown environment {text!r}: use one of {', '.join(named)} or a URL") from None

    @property
    def is_custom(self) -> bool:
        return self.name == "custom"

    def __str__(self) -> str:
        return self.platform_url if self.is_custom and self.platform_url else self.name


Environment.PRODUCTION = Environment("production")
Environment.TT02 = Environment("tt02")
Environment.AT22 = Environment("at22")
Environment.AT23 = Environment("at23")
Environment.AT24 = Environment("at24")
Environment.YT01 = Environment("yt01")
