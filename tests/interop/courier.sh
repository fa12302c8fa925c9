# courier.sh - the Courier part of tests/interop/run.sh (sourced).
:
