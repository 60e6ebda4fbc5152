"""Benchmarks: what one checkout request costs the connector, next to a bare baseline,
measured side by side in one run. `./dev.sh bench` (or `python -m bench`)."""
