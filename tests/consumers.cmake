# Consumer projects: tinynet used through find_package (after an install), add_subdirectory
# and FetchContent, each configured, built and run as its own ctest test.
set(consumer_src ${CMAKE_CURRENT_SOURCE_DIR}/consumers)
set(consumer_bin ${CMAKE_CURRENT_BINARY_DIR}/consumers)
set(consumer_prefix ${consumer_bin}/install)
set(consumer_flags -DCMAKE_BUILD_TYPE=Release -DTINYNET_SOURCE=${PROJECT_SOURCE_DIR})

add_test(NAME consumer_install
  COMMAND ${CMAKE_COMMAND} --install ${PROJECT_BINARY_DIR} --prefix ${consumer_prefix})
set_tests_properties(consumer_install PROPERTIES FIXTURES_SETUP tinynet_installed)

foreach(via find_package add_subdirectory FetchContent)
  add_test(NAME consumer_${via}
    COMMAND ${CMAKE_CTEST_COMMAND}
      --build-and-test ${consumer_src} ${consumer_bin}/${via}
      --build-generator ${CMAKE_GENERATOR}
      --build-options ${consumer_flags} -DTINYNET_VIA=${via} -DCMAKE_PREFIX_PATH=${consumer_prefix}
      --test-command ${consumer_bin}/${via}/consumer)
endforeach()
set_tests_properties(consumer_find_package PROPERTIES FIXTURES_REQUIRED tinynet_installed)
