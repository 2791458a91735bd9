//! Black-box tests of Class'Code Hub over HTTP live in `e2e/`, built as one test binary; this library is empty.

#![forbid(unsafe_code)]
