# Finds tinynet's dependencies (all from Debian packages) and links them to a target.
# Shared by the build tree and by the installed tinynetConfig.cmake, so that
# find_package(tinynet) finds exactly what the build used.
include(CMakeFindDependencyMacro)
find_dependency(Eigen3 3.4 NO_MODULE)
find_dependency(ZLIB)
find_dependency(nlohmann_json 3)
find_package(OpenMP COMPONENTS CXX)
find_path(TINYNET_STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb REQUIRED)

function(tinynet_link_dependencies target)
  target_link_libraries(${target} INTERFACE Eigen3::Eigen ZLIB::ZLIB nlohmann_json::nlohmann_json)
  if(OpenMP_CXX_FOUND)
    target_link_libraries(${target} INTERFACE OpenMP::OpenMP_CXX)
  endif()
  target_include_directories(${target} SYSTEM INTERFACE ${TINYNET_STB_INCLUDE_DIR})
endfunction()
