# SPDX-License-Identifier: Apache-2.0
# libFuzzer targets (tests/fuzz), built only with -DSANDBOX_FUZZ=ON and clang, in a build
# directory of their own:
#   CXX=clang++ CC=clang cmake -S . -B build/fuzz -DSANDBOX_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   cmake --build build/fuzz --target sandbox_fuzzers
# Everything (sandbox_model included) is compiled with ASan+UBSan and libFuzzer's coverage
# instrumentation (-fsanitize=fuzzer-no-link); the fuzzers link with -fsanitize=fuzzer.
# scripts/fuzz.sh builds and runs them as CI does.
if(NOT SANDBOX_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "SANDBOX_FUZZ needs clang (libFuzzer): configure with CXX=clang++ CC=clang")
endif()
if(NOT SANDBOX_SANITIZE)
  set(SANDBOX_SANITIZE "address;undefined")
endif()
# Only the model library and the fuzzers are needed; the tests need GTest and the escape
# battery a real sandbox binary.
set(SANDBOX_BUILD_TESTS OFF)
add_compile_options(-fsanitize=fuzzer-no-link -g)
