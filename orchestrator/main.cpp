#include "orchestrator/sagad_app.hpp"

int main(int argc, char** argv) { return sagaflow::orchestrator::SagadMain(argc, argv); }
