"""Watch-time accuracy: the scenario catalogue, the pure replay driver and the end-to-end runner, compared with the
simulator's truth (docs/watch-time.md). Test tooling above `tracking` and `simulator`: nothing in the product
imports it (the `accuracy` command loads it on demand)."""
