// Private to net/: the one place Boost.Asio is included.
// <utility> must come first: Boost 1.74's awaitable.hpp uses std::exchange
// without including it, which GCC 12 in C++20 mode rejects.
#pragma once

#include <utility>

#include <boost/asio.hpp>

namespace osgrid::net {
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
}  // namespace osgrid::net
