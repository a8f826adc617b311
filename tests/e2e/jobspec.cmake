# `converge jobspec validate|create` driven through the real binary.
converge_test(jobspec_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/jobspec_cli_test.cc
  DEPS converge_testutil converge_jobspec
  LABELS e2e)
add_dependencies(jobspec_cli_test converge)
