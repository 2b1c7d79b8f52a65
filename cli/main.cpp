#include <iostream>

#include "cli/sagactl_app.hpp"

int main(int argc, char** argv) { return sagaflow::cli::SagactlMain(argc, argv, std::cout, std::cerr); }
