#pragma once
// saga-bench: end-to-end order sagas against a throwaway local deployment, and the
// broker's floor. See bench/README.md.

namespace sagaflow::bench {

//! Runs saga-bench with a command line; returns the exit code.
int SagaBenchMain(int argc, char** argv);

}  // namespace sagaflow::bench
