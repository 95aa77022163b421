# The program the README shows is examples/mlp/main.cpp, character for character (the example
# itself is built and run by examples/CMakeLists.txt).
add_test(NAME readme_program_is_examples_mlp
  COMMAND ${CMAKE_COMMAND} -DREADME=${PROJECT_SOURCE_DIR}/README.md
          -DPROGRAM=${PROJECT_SOURCE_DIR}/examples/mlp/main.cpp -P ${CMAKE_CURRENT_SOURCE_DIR}/scripts/readme_check.cmake)
