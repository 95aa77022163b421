# Finds tinynet's dependencies (all from Debian packages) and links them to its targets.
# Shared by the build tree and by the installed tinynetConfig.cmake, so that
# find_package(tinynet) finds exactly what the build used.
#
#   tinynet::core   Eigen 3.4, zlib, nlohmann/json, the system's threads (std::thread)
#   tinynet::plot   + stb (libstb-dev), optional: without it only tinynet::core exists
include(CMakeFindDependencyMacro)
find_dependency(Eigen3 3.4 NO_MODULE)
find_dependency(ZLIB)
find_dependency(nlohmann_json 3)
find_dependency(Threads)
find_path(TINYNET_STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb)

function(tinynet_link_core_dependencies target)
  # Eigen3::Eigen is an imported target, so its headers are system headers for consumers:
  # their -Wconversion -Werror builds see no warnings from inside Eigen.
  # tinynet runs its kernels on its own thread pool (tinynet/detail/thread_pool.hpp), not on
  # OpenMP, whose loops end at barriers that wait for every thread.
  target_link_libraries(${target} INTERFACE Eigen3::Eigen ZLIB::ZLIB nlohmann_json::nlohmann_json Threads::Threads)
endfunction()

function(tinynet_link_plot_dependencies target)
  target_include_directories(${target} SYSTEM INTERFACE ${TINYNET_STB_INCLUDE_DIR})
endfunction()
