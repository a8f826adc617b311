# Issue 13: the dashboard in Debian's headless Chromium (chromedriver over WebDriver) against a
# real instance through `converge ui`; screenshots in BUILD/test-artifacts/dashboard/. Label
# `browser`: it skips with a message where chromium or chromium-driver is missing.
converge_test(dashboard_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dashboard_test.cc ${CMAKE_CURRENT_LIST_DIR}/browser.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e browser)
add_dependencies(dashboard_e2e_test converge converge-shim)
