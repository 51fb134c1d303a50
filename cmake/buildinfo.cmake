# Run at every build (cmake -P): writes OUT, the commit and build date that
# `ecsctl version` prints, only when they changed, so an unchanged tree
# relinks nothing. The build date is SOURCE_DATE_EPOCH when set, else the
# commit's date: two builds of one commit are the same bytes.
set(commit "unknown")
set(date "")
find_program(GIT git)
if(GIT)
  execute_process(COMMAND ${GIT} -C ${SRC} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE rc ERROR_QUIET)
  if(NOT rc EQUAL 0 OR commit STREQUAL "")
    set(commit "unknown")
  else()
    execute_process(COMMAND ${GIT} -C ${SRC} status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT dirty STREQUAL "")
      string(APPEND commit "-dirty")
    endif()
    execute_process(COMMAND ${GIT} -C ${SRC} log -1 --format=%ct
                    OUTPUT_VARIABLE epoch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
endif()
if(DEFINED ENV{SOURCE_DATE_EPOCH})
  set(epoch "$ENV{SOURCE_DATE_EPOCH}")
endif()
if(NOT "${epoch}" STREQUAL "")
  set(saved "$ENV{SOURCE_DATE_EPOCH}")
  set(ENV{SOURCE_DATE_EPOCH} "${epoch}")
  string(TIMESTAMP date "%Y-%m-%dT%H:%M:%SZ" UTC)
  set(ENV{SOURCE_DATE_EPOCH} "${saved}")
endif()
string(CONCAT text "/* Written by cmake/buildinfo.cmake. */\n#include \"buildinfo.h\"\n\n"
         "const char ecsctl_build_commit[] = \"${commit}\";\n"
         "const char ecsctl_build_date[] = \"${date}\";\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
