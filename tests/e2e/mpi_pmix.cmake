# Issue 10 (MPI, PMIx on one node): `converge run -n4 ring_ompi` forms one MPI_COMM_WORLD with
# Debian's Open MPI through converge-shim-pmix, without mpirun. ring_ompi is compiled with
# mpicc.openmpi when it is found (converge_mpi_program, mpi.cmake); the test skips (saying
# why) without it or without libpmix.
# Labels e2e and mpi: `ctest -L mpi` runs it with the MPICH test (mpi.cmake).
converge_mpi_program(ring_ompi mpicc.openmpi ring_ompi.c ring_ompi)
converge_test(mpi_pmix_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/mpi_pmix_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e mpi)
# The MPICH ring (mpi.cmake, included first) for the batch test's mpiexec.
target_compile_definitions(mpi_pmix_test PRIVATE CONVERGE_RING_OMPI="${ring_ompi}"
                                                 CONVERGE_MPICH_RING="${converge_mpich_ring}")
add_dependencies(mpi_pmix_test converge converge-shim)
if(CONVERGE_HAVE_PMIX)
  target_compile_definitions(mpi_pmix_test PRIVATE CONVERGE_HAVE_PMIX=1)
  add_dependencies(mpi_pmix_test converge-shim-pmix)
endif()
if(ring_ompi)
  add_dependencies(mpi_pmix_test ring_ompi)
endif()
if(converge_mpich_ring)
  add_dependencies(mpi_pmix_test ring-mpich)
endif()
