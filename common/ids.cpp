#include "common/ids.hpp"

#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <cctype>

namespace sagaflow {

std::string NewUuid() {
  thread_local boost::uuids::random_generator generator;
  return boost::uuids::to_string(generator());
}

std::string NameUuid(std::string_view name) {
  // Fixed namespace so every process derives the same id from the same name.
  static const boost::uuids::uuid kNamespace =
      boost::uuids::string_generator()("5a9af10e-0000-4c6b-9d2e-5a9af10e5a9a");
  boost::uuids::name_generator_sha1 generator(kNamespace);
  return boost::uuids::to_string(generator(name.data(), name.size()));
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

}  // namespace sagaflow
