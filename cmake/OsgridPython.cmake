# The Python that osgrid-task embeds (docs/toolchain.md).
#
# osgrid_python_home(): after find_package(Python3 ... Development.Embed), sets
# in the caller's scope
#   OSGRID_PYTHON_HOME     its prefix (sys.prefix), e.g. /usr or
#                          /root/.pyenv/versions/3.11.7: the PyConfig.home of
#                          osgrid-task, and the folder the sandbox exposes
#   OSGRID_PYTHON_STDLIB   its standard library, <home>/lib/python3.11
#   OSGRID_PYTHON_VERSION  e.g. 3.11.7
# and prints which Python it found.
#
# The home is derived from the headers the build compiles against:
# <home>/include/python3.11 is where every CPython install (Debian, pyenv,
# conda, a source build) puts Python.h. It is accepted only if
# <home>/lib/python3.11/os.py exists, the landmark CPython itself looks for to
# find its standard library, and the library linked should lie under it too
# (a warning otherwise: headers and library of two different installs).

function(osgrid_python_home)
  set(version_dir "python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}")
  set(tried "")
  foreach(include_dir IN LISTS Python3_INCLUDE_DIRS)
    get_filename_component(home "${include_dir}/../.." ABSOLUTE)
    set(stdlib "${home}/lib/${version_dir}")
    if(EXISTS "${stdlib}/os.py")
      _osgrid_check_python_path("${home}")
      _osgrid_check_python_library("${home}")
      set(OSGRID_PYTHON_HOME "${home}" PARENT_SCOPE)
      set(OSGRID_PYTHON_STDLIB "${stdlib}" PARENT_SCOPE)
      set(OSGRID_PYTHON_VERSION "${Python3_VERSION}" PARENT_SCOPE)
      message(STATUS "osgrid: embedding Python ${Python3_VERSION}: ${Python3_LIBRARIES} (home ${home})")
      return()
    endif()
    string(APPEND tried "\n  ${stdlib}/os.py")
  endforeach()
  message(FATAL_ERROR
    "osgrid: found Python ${Python3_VERSION} (headers ${Python3_INCLUDE_DIRS}, library "
    "${Python3_LIBRARIES}) but not its standard library; looked for:${tried}\n"
    "Point the build at a complete Python 3.11 install, e.g. -DPython3_ROOT_DIR=/usr "
    "(Debian's python3.11-dev) or -DPython3_ROOT_DIR=$(pyenv prefix 3.11.7).")
endfunction()

# The home becomes a C string in a generated header (peer/src/python_config.h.in).
function(_osgrid_check_python_path path)
  if(path MATCHES "[\"\\\\]" OR NOT path MATCHES "^/.")
    message(FATAL_ERROR "osgrid: the Python home '${path}' must be an absolute path "
                        "other than / with no quote or backslash in it")
  endif()
endfunction()

function(_osgrid_check_python_library home)
  foreach(library IN LISTS Python3_LIBRARIES)
    string(FIND "${library}" "${home}/" at)
    if(IS_ABSOLUTE "${library}" AND NOT at EQUAL 0)
      message(WARNING "osgrid: the Python library ${library} is not under ${home}, where its "
                      "headers and standard library are: osgrid-task may embed one Python with "
                      "another's standard library. Set Python3_ROOT_DIR to one complete install.")
    endif()
  endforeach()
endfunction()
