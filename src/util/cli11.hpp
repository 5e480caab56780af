// SPDX-License-Identifier: Apache-2.0
#pragma once
// Include CLI11 through this header, never directly (sandbox-image, a program of its own,
// excepted).
//
// With GCC 12's libstdc++ every translation unit that includes <iostream> constructs a static
// std::ios_base::Init before main(), which builds the eight standard streams and the C++
// locale: about 0.6 ms of every `sandbox run` on a 2-core VM (bench/stages.sh). CLI11 includes
// <iostream> only to name std::cout and std::cerr (default arguments of App::exit, the
// deprecated/retired option warnings, AutoTimer), so here it gets their declarations alone. Code
// that lets CLI11 print (App::exit) first constructs a std::ios_base::Init itself; nothing else
// in the binary writes to the standard streams: it uses stdio.
#if defined(__GLIBCXX__) && !defined(_GLIBCXX_IOSTREAM)
#define _GLIBCXX_IOSTREAM 1
#include <istream>
#include <ostream>
namespace std {
extern istream cin;
extern ostream cout;
extern ostream cerr;
extern ostream clog;
} // namespace std
#endif

#include <CLI/CLI.hpp>
