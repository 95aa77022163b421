# The fuzz targets (tests/fuzz/) replayed on their seed corpus and on every kept finding,
# without libFuzzer, in every build (so also under the sanitizers, scripts/test.sh). The
# libFuzzer builds themselves are tests/fuzz/CMakeLists.txt (scripts/fuzz.sh).
foreach(target idx safetensors model_file)
  add_executable(tinynet_replay_${target} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${target}.cpp
                                          ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/replay_main.cpp)
  target_link_libraries(tinynet_replay_${target} PRIVATE tinynet::core)
  target_compile_options(tinynet_replay_${target} PRIVATE ${TINYNET_WARNINGS})
  add_test(NAME fuzz_replay_${target}
           COMMAND tinynet_replay_${target} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${target}
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions/${target})
endforeach()
