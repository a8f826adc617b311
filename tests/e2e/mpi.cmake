# MPI through converge's PMI-1 server: a real MPICH program (tests/mpi/ring.c), built with
# Debian's mpicc.mpich when it is installed, run by `converge run -n4` on a real instance.
# Labels e2e and mpi (`ctest -L mpi` also runs the PMIx test, mpi_pmix.cmake); the tests skip
# with a message when mpicc.mpich is absent.

# converge_mpi_program(OUT_VAR COMPILER SOURCE OUTPUT): builds tests/mpi/SOURCE with the MPI
# compiler wrapper COMPILER (e.g. mpicc.mpich) into BUILD/tests/mpi/OUTPUT, as target OUTPUT.
# OUT_VAR is set to the program's path, or to "" when COMPILER is not installed.
function(converge_mpi_program out_var compiler source output)
  find_program(CONVERGE_MPICC_${output} ${compiler})
  if(NOT CONVERGE_MPICC_${output})
    message(STATUS "${compiler} not found: tests that run ${output} will skip")
    set(${out_var} "" PARENT_SCOPE)
    return()
  endif()
  set(program ${CMAKE_BINARY_DIR}/tests/mpi/${output})
  add_custom_command(OUTPUT ${program}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/tests/mpi
    COMMAND ${CONVERGE_MPICC_${output}} -O2 -o ${program} ${PROJECT_SOURCE_DIR}/tests/mpi/${source}
    DEPENDS ${PROJECT_SOURCE_DIR}/tests/mpi/${source}
    COMMENT "${compiler} tests/mpi/${source}")
  add_custom_target(${output} ALL DEPENDS ${program})
  set(${out_var} ${program} PARENT_SCOPE)
endfunction()

converge_mpi_program(converge_mpich_ring mpicc.mpich ring.c ring-mpich)
converge_test(mpi_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/mpi_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e mpi)
target_compile_definitions(mpi_e2e_test PRIVATE CONVERGE_MPICH_RING="${converge_mpich_ring}")
add_dependencies(mpi_e2e_test converge converge-shim)
if(converge_mpich_ring)
  add_dependencies(mpi_e2e_test ring-mpich)
endif()
