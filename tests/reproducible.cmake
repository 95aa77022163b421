# Same seed, same model, whatever the standard library: the digest of every random draw
# (reproducible/draws.cpp) from the main build must equal the digest from clang++ with libc++,
# where both are installed (Debian: clang, libc++-dev, libc++abi-dev).
add_executable(tinynet_draws ${CMAKE_CURRENT_SOURCE_DIR}/reproducible/draws.cpp)
target_link_libraries(tinynet_draws PRIVATE tinynet::core)
set(draws_dir ${CMAKE_CURRENT_BINARY_DIR}/tmp/draws)
file(MAKE_DIRECTORY ${draws_dir})
add_test(NAME draws_main_build COMMAND tinynet_draws ${draws_dir}/main.txt)
set_tests_properties(draws_main_build PROPERTIES FIXTURES_SETUP draws_main)

find_program(TINYNET_CLANGXX NAMES clang++ clang++-14)
find_file(TINYNET_LIBCXX_HEADER NAMES __config PATHS /usr/include/c++/v1 /usr/lib/llvm-14/include/c++/v1 NO_DEFAULT_PATH)
if(TINYNET_CLANGXX AND TINYNET_LIBCXX_HEADER)
  add_test(NAME draws_libcxx_build
    COMMAND ${CMAKE_CTEST_COMMAND}
      --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/reproducible ${CMAKE_CURRENT_BINARY_DIR}/reproducible
      --build-generator ${CMAKE_GENERATOR}
      --build-options -DCMAKE_BUILD_TYPE=Release -DTINYNET_SOURCE=${PROJECT_SOURCE_DIR}
                      -DCMAKE_CXX_COMPILER=${TINYNET_CLANGXX} -DCMAKE_CXX_FLAGS=-stdlib=libc++
                      -DTINYNET_BUILD_TESTS=OFF -DTINYNET_BUILD_EXAMPLES=OFF -DTINYNET_BUILD_BENCHMARKS=OFF
      --test-command ${CMAKE_CURRENT_BINARY_DIR}/reproducible/draws ${draws_dir}/libcxx.txt)
  set_tests_properties(draws_libcxx_build PROPERTIES FIXTURES_SETUP draws_libcxx)
  add_test(NAME draws_equal_with_libstdcxx_and_libcxx
    COMMAND ${CMAKE_COMMAND} -E compare_files ${draws_dir}/main.txt ${draws_dir}/libcxx.txt)
  set_tests_properties(draws_equal_with_libstdcxx_and_libcxx PROPERTIES FIXTURES_REQUIRED "draws_main;draws_libcxx")
else()
  message(STATUS "tinynet tests: clang++ with libc++ not found: the libc++ reproducibility test is skipped "
                 "(install clang, libc++-dev and libc++abi-dev)")
endif()
