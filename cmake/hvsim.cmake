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
      --rename-section .rodata=hvsim_rodata
      --rename-section .rodata.str1.1=hvsim_rodata
      --rename-section .rodata.str1.8=hvsim_rodata
      --rename-section .rodata.cst8=hvsim_rodata
      --rename-section .rodata.cst16=hvsim_rodata
      --rename-section .data.rel.ro=hvsim_rodata
      --rename-section .data.rel.ro.local=hvsim_rodata
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
# NO_CTEST: build the suite only; its caller registers its CTest tests
# (one per test, with --filter).
function(hvsim_add_test name)
  cmake_parse_arguments(T "NO_CTEST" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${name} ${T_SOURCES})
  hvsim_host_flags(${name})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/sim)
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CRITERION)
  if(NOT T_NO_CTEST)
    add_test(NAME ${name} COMMAND ${name} --jobs=1)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT})
  endif()
endfunction()

# What test_floors needs besides docs/design.md, written at generate time to
# OUT: every target CMake defines (its type, sources, include directories as
# the compiler sees them, and the archive of a static library), and the
# library files behind each name the floor table's "external" column may use.
# Call it last, once every target exists. Lines are "key value"; lists are
# CMake lists.
function(hvsim_floor_manifest out)
  set(text "source_dir ${PROJECT_SOURCE_DIR}\nbinary_dir ${PROJECT_BINARY_DIR}\n")
  set(dirs ${PROJECT_SOURCE_DIR})
  while(dirs)
    list(POP_FRONT dirs dir)
    get_property(sub DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    list(APPEND dirs ${sub})
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(t IN LISTS targets)
      get_target_property(type ${t} TYPE)
      if(NOT type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
        continue()
      endif()
      get_target_property(sources ${t} SOURCES)
      get_target_property(sdir ${t} SOURCE_DIR)
      string(APPEND text "target ${t} ${type} ${sdir}\n" "sources ${sources}\n"
        "includes $<TARGET_PROPERTY:${t},INCLUDE_DIRECTORIES>\n")
      if(type STREQUAL "STATIC_LIBRARY")
        string(APPEND text "file $<TARGET_FILE:${t}>\n")
      endif()
    endforeach()
  endwhile()

  # c: what gcc and clang link into every program: the C library (with its
  # static part and the dynamic loader), libm and libgcc. dl: glibc 2.34
  # moved dlopen and friends into libc; libdl.so.2 keeps the old versions.
  # elf: libelf, dw: libdw (DWARF, for reports' file:line), jansson: the
  # exporter's JSON (tools/perfetto.c), sdl2 and zlib: the timeline image's
  # surface and PNG (tools/render.c, tools/png.c), as pkg-config found them.
  set(names_c libc.so.6 libc_nonshared.a libm.so.6 libgcc.a libgcc_s.so.1 ld-linux-x86-64.so.2)
  set(names_dl libdl.so.2 libc.so.6)
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    set(names_sanitizer libasan.so libubsan.so)
  else()
    set(names_sanitizer libclang_rt.asan-x86_64.a libclang_rt.ubsan_standalone-x86_64.a)
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-runtime-dir
      OUTPUT_VARIABLE rtdir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  foreach(kind c dl sanitizer)
    set(files_${kind})
    foreach(n IN LISTS names_${kind})
      execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=${n}
        OUTPUT_VARIABLE f OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      if(NOT IS_ABSOLUTE "${f}" AND rtdir)
        set(f ${rtdir}/${n})
      endif()
      if(IS_ABSOLUTE "${f}" AND EXISTS "${f}")
        get_filename_component(f "${f}" REALPATH)
        list(APPEND files_${kind} ${f})
      endif()
    endforeach()
  endforeach()
  string(APPEND text "external c ${files_c}\n" "external dl ${files_dl}\n"
    "external elf ${LIBELF_LINK_LIBRARIES}\n" "external dw ${LIBDW_LINK_LIBRARIES}\n"
    "external jansson ${JANSSON_LINK_LIBRARIES}\n"
    "external sdl2 ${SDL2_LINK_LIBRARIES}\n" "external zlib ${ZLIB_LINK_LIBRARIES}\n")
  if(HVSIM_SANITIZE)
    string(APPEND text "sanitizer ${files_sanitizer}\n")
  endif()
  file(GENERATE OUTPUT ${out} CONTENT "${text}")
endfunction()
