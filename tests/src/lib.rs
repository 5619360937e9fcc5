//! End-to-end tests of viewlib live in `tests/tests/`; this library is empty on purpose.
