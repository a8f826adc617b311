# `converge sim` driven through the real binary: flags, outputs and errors on small inline
# traces (sim_cli_test), and validity of every shared trace under every queue policy
# (sim_traces_test). The same trace source builds a second binary for the `slow` lane
# (full conservative runs), selected by CONVERGE_SIM_SLOW_LANE.
converge_test(sim_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sim_cli_test.cc
  DEPS converge_testutil converge_sim nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(sim_cli_test converge)

converge_test(sim_traces_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sim_traces_test.cc
  DEPS converge_testutil converge_sim nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(sim_traces_test converge)

converge_test(sim_traces_slow_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sim_traces_test.cc
  DEPS converge_testutil converge_sim nlohmann_json::nlohmann_json
  LABELS slow)
target_compile_definitions(sim_traces_slow_test PRIVATE CONVERGE_SIM_SLOW_LANE=1)
add_dependencies(sim_traces_slow_test converge)
