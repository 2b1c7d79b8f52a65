#include "bench/saga_bench_app.hpp"

int main(int argc, char** argv) { return sagaflow::bench::SagaBenchMain(argc, argv); }
