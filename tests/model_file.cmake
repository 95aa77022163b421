# Saved models outside the Catch2 program (see tests/model_reload_main.cpp):
#   model_reload_save    trains a small model, saves it, records its predictions
#   model_reload_check   a fresh process loads it and must predict, and resume training, bit for bit
#   model_file_python    the saved file opens in the numpy-only reader (tests/safetensors_check.py)
#                        with every tensor's values and the documented PyTorch shapes
add_executable(tinynet_model_reload ${CMAKE_CURRENT_LIST_DIR}/model_reload_main.cpp)
target_link_libraries(tinynet_model_reload PRIVATE tinynet::tinynet)
target_compile_options(tinynet_model_reload PRIVATE ${TINYNET_WARNINGS})

# The "tinynet_version" written into model files must follow project(VERSION) (test_model_file.cpp).
target_compile_definitions(tinynet_tests PRIVATE TINYNET_PROJECT_VERSION="${PROJECT_VERSION}")

set(TINYNET_MODEL_RELOAD_DIR ${CMAKE_CURRENT_BINARY_DIR}/tmp/model_reload)
add_test(NAME model_reload_save COMMAND tinynet_model_reload save ${TINYNET_MODEL_RELOAD_DIR})
set_tests_properties(model_reload_save PROPERTIES FIXTURES_SETUP model_reload_file)
add_test(NAME model_reload_check COMMAND tinynet_model_reload check ${TINYNET_MODEL_RELOAD_DIR})
set_tests_properties(model_reload_check PROPERTIES FIXTURES_REQUIRED model_reload_file)

# TINYNET_PYTHON3 is chosen by safetensors_python.cmake, which is included after this file:
# add the Python check once the whole directory has been read.
function(tinynet_add_model_file_python_test)
  if(NOT TINYNET_PYTHON3)
    return()  # safetensors_python.cmake has said why
  endif()
  # Dense kernels are [out, in] (torch.nn.Linear.weight), Conv2D kernels [C_out, C_in, k, k]
  # (torch.nn.Conv2d.weight), vectors [n]: the shapes docs/file-format.md promises.
  add_test(NAME model_file_python
           COMMAND ${TINYNET_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/safetensors_check.py
                   ${TINYNET_MODEL_RELOAD_DIR}/model.safetensors ${TINYNET_MODEL_RELOAD_DIR}/expected.json
                   --shape layers.0.kernel=4,2,3,3 --shape layers.0.bias=4
                   --shape layers.4.kernel=3,36 --shape layers.4.bias=3
                   --shape optimizer.layers.4.kernel.m=3,36)
  set_tests_properties(model_file_python PROPERTIES FIXTURES_REQUIRED model_reload_file SKIP_RETURN_CODE 77)
endfunction()
cmake_language(DEFER CALL tinynet_add_model_file_python_test)
