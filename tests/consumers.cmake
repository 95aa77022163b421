# Consumer projects: tinynet used through find_package (after an install), add_subdirectory
# and FetchContent, each configured, built (with -Wconversion ... -Werror) and run as its own
# ctest test; add_subdirectory once more with -march=native, and with clang++ where it is installed.
set(consumer_src ${CMAKE_CURRENT_SOURCE_DIR}/consumers)
set(consumer_bin ${CMAKE_CURRENT_BINARY_DIR}/consumers)
set(consumer_prefix ${consumer_bin}/install)
set(consumer_flags -DCMAKE_BUILD_TYPE=Release -DTINYNET_SOURCE=${PROJECT_SOURCE_DIR})

add_test(NAME consumer_install
  COMMAND ${CMAKE_COMMAND} --install ${PROJECT_BINARY_DIR} --prefix ${consumer_prefix})
set_tests_properties(consumer_install PROPERTIES FIXTURES_SETUP tinynet_installed)

function(tinynet_add_consumer name via)
  add_test(NAME consumer_${name}
    COMMAND ${CMAKE_CTEST_COMMAND}
      --build-and-test ${consumer_src} ${consumer_bin}/${name}
      --build-generator ${CMAKE_GENERATOR}
      --build-options ${consumer_flags} -DTINYNET_VIA=${via} -DCMAKE_PREFIX_PATH=${consumer_prefix} ${ARGN}
      --test-command ${CMAKE_CTEST_COMMAND} --output-on-failure)
endfunction()

foreach(via find_package add_subdirectory FetchContent)
  tinynet_add_consumer(${via} ${via})
endforeach()
set_tests_properties(consumer_find_package PROPERTIES FIXTURES_REQUIRED tinynet_installed)
# With the machine's widest vectors (AVX-512 where it has them), as the examples build: GCC 12's
# own AVX-512 intrinsics once warned inside Eigen's code wherever it was inlined (tensor.hpp).
tinynet_add_consumer(native_add_subdirectory add_subdirectory -DCMAKE_CXX_FLAGS=-march=native)

find_program(TINYNET_CLANGXX NAMES clang++ clang++-14)
if(TINYNET_CLANGXX)
  tinynet_add_consumer(clang_add_subdirectory add_subdirectory -DCMAKE_CXX_COMPILER=${TINYNET_CLANGXX})
else()
  message(STATUS "tinynet tests: clang++ not found, the consumer is built with ${CMAKE_CXX_COMPILER_ID} only")
endif()
