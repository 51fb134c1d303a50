# Run at build time (cmake -P) with ECSCTL (the built binary) and OUT: writes
# the manual pages and the shell completions that ecsctl prints itself
# (`ecsctl man [COMMAND]`, `ecsctl completion SHELL`), so what is installed is
# what the binary parses. The command list is read from `ecsctl --help`.
execute_process(COMMAND ${ECSCTL} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${ECSCTL} --help failed")
endif()
string(REGEX MATCHALL "\n  [a-z]+ " lines "${help}")
file(REMOVE_RECURSE ${OUT}/man1 ${OUT}/completions)
file(MAKE_DIRECTORY ${OUT}/man1 ${OUT}/completions)

function(ecsctl_write file)
  execute_process(COMMAND ${ECSCTL} ${ARGN} OUTPUT_FILE ${file} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ecsctl ${ARGN} failed")
  endif()
endfunction()

ecsctl_write(${OUT}/man1/ecsctl.1 man)
foreach(line ${lines})
  string(STRIP "${line}" cmd)
  ecsctl_write(${OUT}/man1/ecsctl-${cmd}.1 man ${cmd})
endforeach()
ecsctl_write(${OUT}/completions/ecsctl completion bash)
ecsctl_write(${OUT}/completions/_ecsctl completion zsh)
ecsctl_write(${OUT}/completions/ecsctl.fish completion fish)
file(TOUCH ${OUT}/stamp)
