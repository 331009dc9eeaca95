# Helpers shared by every module's CMakeLists.txt.

# osgrid_target_defaults(<target>): C++ standard and warnings, PRIVATE so they
# never leak into consumers.
function(osgrid_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  if(OSGRID_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
    # GCC 12 at -O3 (Release) reports a false -Wrestrict inside libstdc++'s
    # std::string concatenation (GCC bug 105329); keep it a warning there.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      target_compile_options(${target} PRIVATE -Wno-error=restrict)
    endif()
  endif()
endfunction()

# osgrid_add_module(<name> SOURCES ... DEPS ...): the library osgrid_<name>
# with alias osgrid::<name>; public headers live in <module>/include.
function(osgrid_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(osgrid_${name} STATIC ${ARG_SOURCES})
  add_library(osgrid::${name} ALIAS osgrid_${name})
  target_include_directories(osgrid_${name}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(osgrid_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  osgrid_target_defaults(osgrid_${name})
endfunction()

# osgrid_add_unit_test(<name> <sources...> DEPS ...): one Catch2 executable
# per module, sharing one prebuilt Catch main; tests are discovered by ctest.
function(osgrid_add_unit_test name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  if(NOT OSGRID_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE osgrid_catch_main ${ARG_DEPS})
  osgrid_target_defaults(${name})
  set_target_properties(${name} PROPERTIES UNITY_BUILD ${OSGRID_UNITY_TESTS})  # see OSGRID_UNITY_TESTS
  # -w NoTests: an entry that runs no test case fails (Catch2 2 splits a
  # name at each ';' into entries that match nothing, which pass silently).
  catch_discover_tests(${name} EXTRA_ARGS -w NoTests PROPERTIES LABELS unit)
endfunction()
