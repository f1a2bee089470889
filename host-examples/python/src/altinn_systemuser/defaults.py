"""The limits every host uses unless told otherwise: the one place this package keeps them.

They are the core's: `Config::new` in `src/model/environment.rs` of the component's crate (the
Rust and Node hosts use the same). The component does not export its defaults through WIT (a
`types.config` always carries every limit), so this module restates them, and
`tests/test_defaults.py` reads `Config::new` and fails when the two drift apart. `Client`,
`Component.wit_config` and the command line take their defaults from here.
"""

#: One HTTP exchange (connect, headers and body together), seconds (`timeout_ms: 30_000`).
TIMEOUT = 30.0
#: One operation, every exchange, retry and wait included, seconds; 0: none (`deadline_ms: 60_000`).
DEADLINE = 60.0
#: Retries one operation may make in all (`retry_budget: 3`).
RETRIES = 3
#: The first back-off, seconds, doubled on each retry (`backoff_ms: 200`).
BACKOFF = 0.2

__all__ = ["TIMEOUT", "DEADLINE", "RETRIES", "BACKOFF"]
