# A file written by tinynet must open in a generic reader: tinynet_safetensors_writer writes a
# safetensors file and the values it holds, then tests/safetensors_check.py reads it with the
# Python standard library and numpy alone and compares.
add_executable(tinynet_safetensors_writer ${CMAKE_CURRENT_LIST_DIR}/safetensors_writer_main.cpp)
target_link_libraries(tinynet_safetensors_writer PRIVATE tinynet::tinynet)
target_compile_options(tinynet_safetensors_writer PRIVATE ${TINYNET_WARNINGS})

# The first python3 that has numpy: Debian's /usr/bin/python3 (python3-numpy) before any other
# on the PATH. -DTINYNET_PYTHON3=/path/to/python3 chooses one by hand.
if(NOT TINYNET_PYTHON3)
  find_program(TINYNET_PYTHON3_SYSTEM NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(TINYNET_PYTHON3_PATH NAMES python3)
  foreach(candidate ${TINYNET_PYTHON3_SYSTEM} ${TINYNET_PYTHON3_PATH})
    execute_process(COMMAND ${candidate} -c "import numpy" RESULT_VARIABLE numpy_missing
                    OUTPUT_QUIET ERROR_QUIET)
    if(numpy_missing EQUAL 0)
      set(TINYNET_PYTHON3 ${candidate} CACHE FILEPATH "python3 with numpy, for the safetensors reader test")
      break()
    endif()
  endforeach()
endif()

if(TINYNET_PYTHON3)
  message(STATUS "tinynet: safetensors Python reader test uses ${TINYNET_PYTHON3}")
  set(st_dir ${CMAKE_CURRENT_BINARY_DIR}/tmp)
  add_test(NAME safetensors_python_write
           COMMAND tinynet_safetensors_writer ${st_dir}/python_check.safetensors ${st_dir}/python_check.json)
  set_tests_properties(safetensors_python_write PROPERTIES FIXTURES_SETUP safetensors_python_file)
  add_test(NAME safetensors_python_read
           COMMAND ${TINYNET_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/safetensors_check.py
                   ${st_dir}/python_check.safetensors ${st_dir}/python_check.json)
  # Exit 77 means numpy vanished after configuring: reported as skipped, not passed.
  set_tests_properties(safetensors_python_read PROPERTIES FIXTURES_REQUIRED safetensors_python_file
                                                          SKIP_RETURN_CODE 77)
else()
  message(STATUS "tinynet: no python3 with numpy found: the safetensors Python reader test is NOT run "
                 "(apt-get install python3-numpy, or -DTINYNET_PYTHON3=...)")
endif()
