# Test registration. Every test is found by its place in tests/, so adding a
# test file needs no edit here.

# Debian's python3 carries boto3/botocore/awscli; a pyenv python3 first on PATH does not.
find_program(ECSCTL_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
set(ECSCTL_TEST_ENV
    "ECSCTL=$<TARGET_FILE:ecsctl>"
    "ECSCTL_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
    "ECSCTL_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
    "PYTHONDONTWRITEBYTECODE=1")
if(TARGET ecs-local)
  list(APPEND ECSCTL_TEST_ENV "ECS_LOCAL=$<TARGET_FILE:ecs-local>")
endif()

# A portable build (cmake/portable.cmake) runs only tests/portable/: the
# packaging tests of its static binaries; the normal build runs the rest.
if(ECSCTL_PORTABLE)
  set(ECSCTL_PY_KINDS portable)
else()
  set(ECSCTL_PY_KINDS conformance e2e)
endif()

# Unit tests: tests/unit/<module>/*.c is one cmocka executable per module.
if(CMOCKA_FOUND AND NOT ECSCTL_PORTABLE)
  file(GLOB unit_dirs LIST_DIRECTORIES true ${CMAKE_SOURCE_DIR}/tests/unit/*)
  foreach(dir ${unit_dirs})
    if(IS_DIRECTORY ${dir})
      get_filename_component(mod ${dir} NAME)
      file(GLOB srcs CONFIGURE_DEPENDS ${dir}/*.c)
      if(srcs)
        add_executable(test_${mod} ${srcs})
        target_include_directories(test_${mod} PRIVATE ${CMAKE_SOURCE_DIR}/util
                                   ${CMAKE_SOURCE_DIR}/${mod} ${CMAKE_SOURCE_DIR}/tests/unit)
        target_link_libraries(test_${mod} PRIVATE ecsctl_lib PkgConfig::CMOCKA PkgConfig::MHD)
        if(TARGET ecslocal_lib)
          target_link_libraries(test_${mod} PRIVATE ecslocal_lib)
        endif()
        add_test(NAME unit_${mod} COMMAND test_${mod}
                 WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
        set_tests_properties(unit_${mod} PROPERTIES LABELS unit
                             ENVIRONMENT "${ECSCTL_TEST_ENV}")
      endif()
    endif()
  endforeach()
endif()

# Python tests: conformance (boto3/awscli vs ecs-local) and e2e (ecsctl vs ecs-local).
foreach(kind ${ECSCTL_PY_KINDS})
  file(GLOB pys CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/${kind}/test_*.py)
  foreach(py ${pys})
    get_filename_component(name ${py} NAME_WE)
    add_test(NAME ${kind}_${name} COMMAND ${ECSCTL_PYTHON} ${py}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/${kind})
    set_tests_properties(${kind}_${name} PROPERTIES LABELS ${kind} TIMEOUT 600
                         ENVIRONMENT "${ECSCTL_TEST_ENV}")
  endforeach()
endforeach()

# Fuzz targets: tests/fuzz/<name>/fuzz_<name>.c, each with a corpus/ beside it.
if(ECSCTL_FUZZ)
  file(GLOB fuzzers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/*/fuzz_*.c)
  foreach(src ${fuzzers})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/util)
    target_link_libraries(${name} PRIVATE ecsctl_lib)
    if(TARGET ecslocal_lib)
      target_link_libraries(${name} PRIVATE ecslocal_lib)
    endif()
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  endforeach()
endif()

# libecsctl serves no HTTP: the watch listener (libmicrohttpd) is its own
# library, linked by the ecsctl binary only.
find_program(ECSCTL_NM NAMES nm)
if(ECSCTL_NM AND NOT ECSCTL_PORTABLE)
  add_test(NAME layout_lib_without_http_server
           COMMAND sh -c "! '${ECSCTL_NM}' -u \"$1\" | grep -E '\\bMHD_'" sh
                   $<TARGET_FILE:ecsctl_lib>)
  set_tests_properties(layout_lib_without_http_server PROPERTIES LABELS unit)
endif()

# Every C file is as clang-format leaves it (scripts/format.sh fixes them).
find_program(ECSCTL_CLANG_FORMAT NAMES clang-format)
if(ECSCTL_CLANG_FORMAT AND NOT ECSCTL_PORTABLE)
  add_test(NAME style_clang_format COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/format.sh --check)
  set_tests_properties(style_clang_format PROPERTIES LABELS unit)
endif()
