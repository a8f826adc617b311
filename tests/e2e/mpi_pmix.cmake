# Issue 10 (MPI, PMIx on one node): `converge run -n4 ring_ompi` forms one MPI_COMM_WORLD with
# Debian's Open MPI through converge-shim-pmix, without mpirun. ring_ompi is compiled with
# mpicc.openmpi when it is found; the test skips (saying why) without it or without libpmix.
# Labels e2e and mpi: `ctest -L mpi` runs it with the MPICH test (mpi.cmake).
find_program(CONVERGE_MPICC_OPENMPI mpicc.openmpi)
set(ring_ompi "")
if(CONVERGE_MPICC_OPENMPI)
  set(ring_ompi ${CMAKE_CURRENT_BINARY_DIR}/mpi/ring_ompi)
  add_custom_command(OUTPUT ${ring_ompi}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/mpi
    COMMAND ${CONVERGE_MPICC_OPENMPI} -O2 -o ${ring_ompi}
            ${PROJECT_SOURCE_DIR}/tests/mpi/ring_ompi.c
    DEPENDS ${PROJECT_SOURCE_DIR}/tests/mpi/ring_ompi.c
    COMMENT "mpicc.openmpi ring_ompi")
  add_custom_target(ring_ompi ALL DEPENDS ${ring_ompi})
else()
  message(STATUS "mpicc.openmpi not found (libopenmpi-dev): the PMIx MPI test will skip")
endif()
converge_test(mpi_pmix_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/mpi_pmix_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e mpi)
target_compile_definitions(mpi_pmix_test PRIVATE CONVERGE_RING_OMPI="${ring_ompi}")
add_dependencies(mpi_pmix_test converge converge-shim)
if(CONVERGE_HAVE_PMIX)
  target_compile_definitions(mpi_pmix_test PRIVATE CONVERGE_HAVE_PMIX=1)
  add_dependencies(mpi_pmix_test converge-shim-pmix)
endif()
if(CONVERGE_MPICC_OPENMPI)
  add_dependencies(mpi_pmix_test ring_ompi)
endif()
