# A running instance (`converge start`) driven through the real binary and its HTTP API:
# the job CLI, the API's answers to bad requests, users, and kill -9 crash recovery.
converge_test(instance_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/instance_cli_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(instance_cli_test converge converge-shim)
converge_test(instance_api_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/instance_api_test.cc
  DEPS converge_testutil converge_api converge_instance yaml-cpp nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(instance_api_test converge converge-shim)
converge_test(instance_crash_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/instance_crash_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(instance_crash_test converge converge-shim)
converge_test(workload_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/workload_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e)
target_compile_definitions(workload_e2e_test PRIVATE
  CONVERGE_ML_BIN="$<TARGET_FILE:converge-ml>"
  CONVERGE_BIN_DIR="$<TARGET_FILE_DIR:converge>")
add_dependencies(workload_e2e_test converge converge-shim converge-ml)
converge_test(security_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/security_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(security_test converge converge-shim)
converge_test(api_limits_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/api_limits_test.cc
  DEPS converge_testutil converge_api converge_instance nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(api_limits_test converge converge-shim)
converge_test(workload_hardening_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/workload_hardening_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e)
target_compile_definitions(workload_hardening_e2e_test PRIVATE
  CONVERGE_ML_BIN="$<TARGET_FILE:converge-ml>")
add_dependencies(workload_hardening_e2e_test converge converge-shim converge-ml)
# Issue 9: limits on what one request may multiply, NUL bytes, recovery of unplannable jobs.
converge_test(instance_limits_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/instance_limits_test.cc
  DEPS converge_testutil converge_api converge_store nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(instance_limits_test converge converge-shim)
# Issue 9 (items 8, 10): damaged and missing stores, full disks (the disk-full test needs root:
# label `root`; it skips with a message otherwise).
converge_test(instance_store_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/instance_store_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e root)
add_dependencies(instance_store_test converge converge-shim)
converge_test(metrics_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/metrics_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e prometheus)
add_dependencies(metrics_e2e_test converge converge-shim)
converge_test(events_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/events_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e)
add_dependencies(events_e2e_test converge converge-shim)
