# Shared build settings: warnings, sanitizers, and the third-party libraries
# every module finds the same way (Debian's -dev packages, via pkg-config).
find_package(PkgConfig REQUIRED)

pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET openssl)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(MICROHTTPD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
find_library(SNAPPY_LIBRARY snappy REQUIRED)
find_path(SNAPPY_INCLUDE_DIR snappy-c.h REQUIRED)
add_library(hubagent_snappy INTERFACE)
target_link_libraries(hubagent_snappy INTERFACE ${SNAPPY_LIBRARY})
target_include_directories(hubagent_snappy INTERFACE ${SNAPPY_INCLUDE_DIR})
if(HUBAGENT_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
find_package(Threads REQUIRED)

set(HUBAGENT_WARNINGS -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes
    -Wmissing-prototypes -Wpointer-arith -Wvla)
if(HUBAGENT_WERROR)
  list(APPEND HUBAGENT_WARNINGS -Werror)
endif()

if(HUBAGENT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# hubagent_module(name SOURCES...): a module's static library, with the
# project's warnings and the module folder's parent on the include path so
# headers are included as "settings/settings.h".
function(hubagent_module name)
  add_library(${name} STATIC ${ARGN})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${HUBAGENT_WARNINGS})
  target_compile_definitions(${name} PUBLIC _GNU_SOURCE
                             HUBAGENT_VERSION="${PROJECT_VERSION}")
endfunction()

# hubagent_test(name SOURCES... LIBS ...): one cmocka executable registered
# with ctest under the same name.
function(hubagent_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} hubagent_test_common PkgConfig::CMOCKA)
  target_compile_options(${name} PRIVATE ${HUBAGENT_WARNINGS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "HUBAGENT_SOURCE_DIR=${CMAKE_SOURCE_DIR};HUBAGENT_BINARY_DIR=${CMAKE_BINARY_DIR}")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
