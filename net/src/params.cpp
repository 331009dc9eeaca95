#include "osgrid/net/params.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace osgrid::params {

double EnvSeconds(const char* name, double fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value > 0)) {
    std::fprintf(stderr, "osgrid: ignoring %s=%s (want a positive number of seconds)\n", name, text);
    return fallback;
  }
  return value;
}

uint16_t EnvPort(const char* name, uint16_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0 || value > 65535) {
    std::fprintf(stderr, "osgrid: ignoring %s=%s (want a port 0..65535)\n", name, text);
    return fallback;
  }
  return static_cast<uint16_t>(value);
}

std::string EnvString(const char* name, const std::string& fallback) {
  const char* text = std::getenv(name);
  return (text == nullptr || *text == '\0') ? fallback : std::string(text);
}

}  // namespace osgrid::params
