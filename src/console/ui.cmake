# The web UI's half of src/console (included from src/console/CMakeLists.txt): login sessions,
# the UI routes, and the UI's files embedded as byte arrays by ui/embed.cmake at build time.
find_package(OpenSSL REQUIRED)
set(MXKIT_UI_FILES index.html app.js app.css icon.svg)
set(MXKIT_UI_SOURCES)
foreach(file IN LISTS MXKIT_UI_FILES)
  list(APPEND MXKIT_UI_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/ui/${file})
endforeach()
# Commas, not semicolons, between the names: a list would split the command line.
string(REPLACE ";" "," MXKIT_UI_FILE_ARG "${MXKIT_UI_FILES}")
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/ui_assets_data.cpp
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/ui_assets_data.cpp
          -DINPUT_DIR=${CMAKE_CURRENT_SOURCE_DIR}/ui -DFILES=${MXKIT_UI_FILE_ARG}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/ui/embed.cmake
  DEPENDS ${MXKIT_UI_SOURCES} ${CMAKE_CURRENT_SOURCE_DIR}/ui/embed.cmake
  COMMENT "Embedding the console's web UI"
  VERBATIM)
target_sources(mxkit_console PRIVATE sessions.cpp ui_routes.cpp ui_http.cpp
               ${CMAKE_CURRENT_BINARY_DIR}/ui_assets_data.cpp)
target_link_libraries(mxkit_console PRIVATE OpenSSL::Crypto)
