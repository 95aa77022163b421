# Finds tinynet's dependencies (all from Debian packages) and links them to its targets.
# Shared by the build tree and by the installed tinynetConfig.cmake, so that
# find_package(tinynet) finds exactly what the build used.
#
#   tinynet::core   Eigen 3.4, zlib, nlohmann/json, OpenMP when found
#   tinynet::plot   + stb (libstb-dev), optional: without it only tinynet::core exists
include(CMakeFindDependencyMacro)
find_dependency(Eigen3 3.4 NO_MODULE)
find_dependency(ZLIB)
find_dependency(nlohmann_json 3)
find_package(OpenMP COMPONENTS CXX)
find_path(TINYNET_STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb)

function(tinynet_link_core_dependencies target)
  # Eigen3::Eigen is an imported target, so its headers are system headers for consumers:
  # their -Wconversion -Werror builds see no warnings from inside Eigen.
  target_link_libraries(${target} INTERFACE Eigen3::Eigen ZLIB::ZLIB nlohmann_json::nlohmann_json)
  if(OpenMP_CXX_FOUND)
    target_link_libraries(${target} INTERFACE OpenMP::OpenMP_CXX)
  endif()
endfunction()

function(tinynet_link_plot_dependencies target)
  target_include_directories(${target} SYSTEM INTERFACE ${TINYNET_STB_INCLUDE_DIR})
endfunction()
