# MPI through converge's PMI-1 server: a real MPICH program (tests/mpi/ring.c), built with
# Debian's mpicc.mpich when it is installed, run by `converge run -n4` on a real instance.
# Labels e2e and mpi (converge_test's gtest_discover_tests keeps only the first of several
# labels today, as for `e2e root`: select it with `ctest -R MpiTest`); the tests skip with a
# message when mpicc.mpich is absent.
find_program(CONVERGE_MPICC_MPICH mpicc.mpich)
set(converge_mpich_ring "")
if(CONVERGE_MPICC_MPICH)
  set(converge_mpich_ring ${CMAKE_BINARY_DIR}/tests/mpi/ring-mpich)
  add_custom_command(OUTPUT ${converge_mpich_ring}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/tests/mpi
    COMMAND ${CONVERGE_MPICC_MPICH} -O2 -o ${converge_mpich_ring}
            ${PROJECT_SOURCE_DIR}/tests/mpi/ring.c
    DEPENDS ${PROJECT_SOURCE_DIR}/tests/mpi/ring.c
    COMMENT "mpicc.mpich tests/mpi/ring.c")
  add_custom_target(mpich_ring ALL DEPENDS ${converge_mpich_ring})
endif()
converge_test(mpi_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/mpi_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e mpi)
target_compile_definitions(mpi_e2e_test PRIVATE CONVERGE_MPICH_RING="${converge_mpich_ring}")
add_dependencies(mpi_e2e_test converge converge-shim)
if(CONVERGE_MPICC_MPICH)
  add_dependencies(mpi_e2e_test mpich_ring)
endif()
