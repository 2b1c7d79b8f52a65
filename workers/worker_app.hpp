#pragma once
// saga-worker: runs one or more worker roles, each on its own thread.
//   saga-worker [--config FILE] [run] [--roles inventory,promotions,points,payment,logistics|all]
//   saga-worker migrate            apply the workers' schema and exit
//   saga-worker seed FILE          load products, promotions, coupons, points and exit
// Config keys: docs/config.md.

namespace sagaflow::workers {

//! Runs saga-worker with a command line; returns the process exit code.
int WorkerMain(int argc, char** argv);

}  // namespace sagaflow::workers
