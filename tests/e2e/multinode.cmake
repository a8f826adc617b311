# Issue 10: a multi-node instance (converge start --nodes, converge agent) with the leader and
# its agents in network namespaces of their own when run as root (label `netns`); without root
# the same tests run on loopback.
converge_test(multinode_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/multinode_test.cc
  DEPS converge_testutil nlohmann_json::nlohmann_json
  LABELS e2e netns)
add_dependencies(multinode_e2e_test converge converge-shim)
# MPI across the two nodes: the MPICH and Open MPI ring programs (mpi.cmake, mpi_pmix.cmake).
target_compile_definitions(multinode_e2e_test PRIVATE
  CONVERGE_MPICH_RING="${converge_mpich_ring}" CONVERGE_RING_OMPI="${ring_ompi}")
if(CONVERGE_HAVE_PMIX)
  target_compile_definitions(multinode_e2e_test PRIVATE CONVERGE_HAVE_PMIX=1)
  add_dependencies(multinode_e2e_test converge-shim-pmix)
endif()
foreach(program ring-mpich ring_ompi)
  if(TARGET ${program})
    add_dependencies(multinode_e2e_test ${program})
  endif()
endforeach()
