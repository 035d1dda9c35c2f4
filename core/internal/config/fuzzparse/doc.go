// Package fuzzparse holds the fuzz target of the HCL configuration loader
// (core/internal/config). It is a package of its own so that the fuzzing
// binary holds the loader alone, not the plugins the loader's other tests
// import: instrumenting those for fuzzing costs minutes of build.
package fuzzparse
