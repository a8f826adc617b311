# Issue 14: provenance records of real runs (show, diff, blessed queues) and read-only SQL
# over the store (`converge query`), including another user's rows and refused writes.
converge_test(provenance_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/provenance_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(provenance_e2e_test converge converge-shim)
