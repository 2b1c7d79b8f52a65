#include "workers/worker_app.hpp"

int main(int argc, char** argv) { return sagaflow::workers::WorkerMain(argc, argv); }
