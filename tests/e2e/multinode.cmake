# Issue 10: a multi-node instance (converge start --nodes, converge agent) with the leader and
# its agents in network namespaces of their own when run as root (label `netns`); without root
# the same tests run on loopback.
converge_test(multinode_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/multinode_test.cc
  DEPS converge_testutil nlohmann_json::nlohmann_json
  LABELS e2e netns)
add_dependencies(multinode_e2e_test converge converge-shim)
