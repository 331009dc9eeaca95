// Prints the message reference of docs/protocol-messages.md from the
// catalogue in net/src/messages.cpp. The test `protocol_doc_is_current`
// fails when the two differ; regenerate with:
//   build/bin/osgrid-protocol-doc > docs/protocol-messages.md
#include <iostream>

#include "osgrid/net/messages.h"

using namespace osgrid::net;

static const char* ServedBy(Served served) {
  switch (served) {
    case Served::kTracker:
      return "tracker";
    case Served::kPeer:
      return "peer";
    case Served::kAny:
      return "tracker and peer";
  }
  return "?";
}

int main() {
  std::cout << "# Message reference\n\n"
            << "Generated from `net/src/messages.cpp` by `osgrid-protocol-doc`; do not edit by hand.\n"
            << "Framing, the handshake, errors and file streams are described in [protocol.md](protocol.md).\n"
            << "Every request also carries `\"type\"` and an integer `\"id\"`, which its reply echoes.\n";
  for (const MessageSpec& spec : Catalogue()) {
    std::cout << "\n## " << spec.type << "\n\n"
              << spec.summary << "\n\n"
              << "Served by: " << ServedBy(spec.served_by) << ". Reply on success: `" << spec.reply << "`.\n";
    if (spec.fields.empty()) {
      std::cout << "\nNo fields.\n";
      continue;
    }
    std::cout << "\n| field | type | required | meaning |\n|---|---|---|---|\n";
    for (const FieldSpec& field : spec.fields) {
      std::cout << "| `" << field.name << "` | " << FieldTypeName(field.type) << " | "
                << (field.required ? "yes" : "no") << " | " << field.meaning << " |\n";
    }
  }
}
