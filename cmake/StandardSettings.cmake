# SPDX-License-Identifier: Apache-2.0
# INTERFACE targets every sandbox target links: warnings, hardening, sanitizers (ccache-style).

add_library(sandbox_warnings INTERFACE)
target_compile_options(sandbox_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wimplicit-fallthrough
  $<$<COMPILE_LANGUAGE:CXX>:-Wold-style-cast -Wmissing-declarations -Wnon-virtual-dtor>)
# GCC 12 at -O2/-O3 reports -Wrestrict on plain std::string concatenation (GCC bug 105329)
# and -Wmaybe-uninitialized on std::string members of aggregates (bug 105562): false
# positives in libstdc++'s inlined code, fixed in GCC 13. The sanitizer build still runs
# every test with UBSan/ASan, which catch real uninitialised use.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(sandbox_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict -Wno-maybe-uninitialized>)
endif()
if(SANDBOX_WERROR)
  target_compile_options(sandbox_warnings INTERFACE -Werror)
endif()

add_library(sandbox_hardening INTERFACE)
target_compile_options(sandbox_hardening INTERFACE
  -fstack-protector-strong -fstack-clash-protection -fcf-protection
  $<$<CONFIG:Debug>:-D_GLIBCXX_ASSERTIONS>)
if(NOT SANDBOX_SANITIZE)
  # _FORTIFY_SOURCE needs optimisation and conflicts with ASan's interceptors.
  target_compile_options(sandbox_hardening INTERFACE
    $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=3>)
endif()
target_link_options(sandbox_hardening INTERFACE -Wl,-z,relro -Wl,-z,now)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

add_library(sandbox_sanitizers INTERFACE)
if(SANDBOX_SANITIZE)
  list(JOIN SANDBOX_SANITIZE "," _sanitizers)
  target_compile_options(sandbox_sanitizers INTERFACE
    -fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(sandbox_sanitizers INTERFACE -fsanitize=${_sanitizers})
  # The launcher's children share its memory on stacks of their own (launch/launcher.cpp), which
  # no sanitizer runtime knows: with any sanitizer, GCC's or clang's, they fork instead.
  target_compile_definitions(sandbox_sanitizers INTERFACE SANDBOX_FORK_CHILDREN)
endif()

# sandbox's start-up functions laid out together (src/CMakeLists.txt) needs each function in a
# section of its own, and ld.lld: GNU ld 2.40 cannot order sections by symbol.
set(SANDBOX_ORDERED_LINK OFF)
if(SANDBOX_LINK_ORDER AND SANDBOX_STATIC AND NOT SANDBOX_SANITIZE AND NOT SANDBOX_FUZZ)
  find_program(SANDBOX_LLD ld.lld)
  if(SANDBOX_LLD)
    set(SANDBOX_ORDERED_LINK ON)
  else()
    message(STATUS "ld.lld not found (Debian: lld): sandbox linked without its start-up order")
  endif()
endif()

add_library(sandbox_settings INTERFACE)
if(SANDBOX_ORDERED_LINK)
  target_compile_options(sandbox_settings INTERFACE -ffunction-sections)
endif()
target_link_libraries(sandbox_settings INTERFACE
  sandbox_warnings sandbox_hardening sandbox_sanitizers)
