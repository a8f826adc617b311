# `converge resource list|export` driven through the real binary: tables, JSON, JGF export
# round trips and error reporting for missing and malformed files.
converge_test(resource_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/resource_cli_test.cc
  DEPS converge_testutil converge_resource nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(resource_cli_test converge)
