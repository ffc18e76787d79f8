# SPDX-License-Identifier: MIT
# Build helpers shared by every directory.

set(HVSIM_WARNINGS -Wall -Wextra -Wmissing-prototypes -Werror)
# __FILE__ relative to the source tree: reports name hv/x86.c, not a build machine's path.
add_compile_options(-fmacro-prefix-map=${PROJECT_SOURCE_DIR}/=)

# Flags for code that is not instrumented: sim/, tools/, tests, bench.
function(hvsim_host_flags target)
  target_compile_options(${target} PRIVATE ${HVSIM_WARNINGS})
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  if(HVSIM_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# Compile SOURCES with the thread-sanitizer instrumentation, without libtsan
# (sim/tsan.c is the runtime), into a static library NAME. The objects are
# combined with ld -r and their writable data renamed into the sections
# hvsim_data and hvsim_bss, which the engine restores from a pristine copy at
# every machine reset, so every schedule starts from the same state. Their
# code goes into hvsim_text, so a fault there is told from a simulator bug.
function(hvsim_add_instrumented name)
  add_library(${name}_obj OBJECT ${ARGN})
  target_include_directories(${name}_obj PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(${name}_obj PRIVATE ${HVSIM_WARNINGS} -fsanitize=thread)
  target_compile_definitions(${name}_obj PRIVATE _GNU_SOURCE)
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    # gcc warns that libtsan does not model fences; our runtime does.
    target_compile_options(${name}_obj PRIVATE --param=tsan-distinguish-volatile=1 -Wno-tsan)
  else()
    # clang drops the read of a read-modify-write in one basic block
    # (counter++ would be one step, and no lost update could be seen).
    target_compile_options(${name}_obj PRIVATE
      "SHELL:-mllvm -tsan-distinguish-volatile=1"
      "SHELL:-mllvm -tsan-instrument-read-before-write=1")
  endif()
  set(combined ${CMAKE_CURRENT_BINARY_DIR}/${name}.o)
  add_custom_command(
    OUTPUT ${combined}
    COMMAND ${CMAKE_LINKER} -r -o ${combined}.tmp $<TARGET_OBJECTS:${name}_obj>
    COMMAND ${CMAKE_OBJCOPY}
      --rename-section .text=hvsim_text
      --rename-section .text.unlikely=hvsim_text
      --rename-section .text.hot=hvsim_text
      --rename-section .data=hvsim_data
      --rename-section .data.rel=hvsim_data
      --rename-section .data.rel.local=hvsim_data
      --rename-section .bss=hvsim_bss
      ${combined}.tmp ${combined}
    DEPENDS $<TARGET_OBJECTS:${name}_obj>
    COMMAND_EXPAND_LISTS
    COMMENT "Combining instrumented objects of ${name}")
  add_library(${name} STATIC ${combined})
  add_dependencies(${name} ${name}_obj)
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  # The __tsan_* runtime (engine), the kernel API and the instructions.
  target_link_libraries(${name} INTERFACE hvsim)
endfunction()

# A Criterion suite, registered with CTest. Criterion forks a child per test;
# --jobs=1 keeps it from starting its own workers while CTest runs suites in
# parallel. Every test also carries its own .timeout.
function(hvsim_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${name} ${T_SOURCES})
  hvsim_host_flags(${name})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/sim)
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CRITERION)
  add_test(NAME ${name} COMMAND ${name} --jobs=1)
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT})
endfunction()
