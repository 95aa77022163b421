# cmake -DREADME=... -DPROGRAM=... -P readme_check.cmake: fails unless README contains PROGRAM
# as one ```cpp block.
file(READ ${README} readme)
file(READ ${PROGRAM} program)
string(FIND "${readme}" "```cpp\n${program}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not show ${PROGRAM} as it is; copy the file into its ```cpp block")
endif()
message(STATUS "README.md shows ${PROGRAM} verbatim")
