// libFuzzer target: the web UI's request side (src/console/sessions, ui_routes). The input is
// "COOKIE-HEADER\nCSRF-HEADER\nBODY": the Cookie header goes to cookie_value and to every UI
// route, the body to POST /ui/login, the pair to the /api/v1 session check. Nothing may crash,
// a refused login names its reason, and no forged cookie is ever a session.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <unistd.h>

#include "console/sessions.hpp"
#include "console/store.hpp"
#include "console/ui_routes.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace mxkit;
using mxkit::fuzzing::check;

console::Sessions& sessions() {
  // One store for the run, in a directory of its own; the right key is long and never guessed,
  // so no session is ever created and every cookie must come back "no session".
  static const auto dir = std::filesystem::temp_directory_path() /
                          ("mxkit-fuzz-console-ui-" + std::to_string(::getpid()));
  // Declared before the store, so destroyed after it: the directory goes when the run ends.
  static const struct Cleanup {
    ~Cleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup;
  static auto store = [] {
    auto opened = console::open_store(dir.string());
    check(opened.has_value());
    return std::move(*opened);
  }();
  static console::Sessions s(*store, {std::string(48, 'k')});
  return s;
}

std::string_view take_line(std::string_view& text) {
  const auto nl = text.find('\n');
  const std::string_view line = text.substr(0, nl);
  text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string cookie(take_line(text));
  const std::string csrf(take_line(text));
  const std::string body(text);
  const auto now = std::chrono::system_clock::now();

  if (const auto value = console::cookie_value(cookie, console::kSessionCookie)) {
    check(value->size() <= cookie.size());
  }
  auto& s = sessions();
  for (const char* method : {"GET", "POST"}) {
    check(s.authenticate(method, cookie, csrf, now).result ==
          console::SessionAuth::Result::no_session);
  }
  console::UiRequest request;
  request.cookie = cookie;
  request.body = body;
  // A different client each time, so the attempt limit does not turn every login into a 429.
  request.client = std::to_string(size) + cookie.substr(0, 8);
  for (const char* path : {"/ui/login", "/ui/session", "/ui/logout", "/", "/ui/app.js"}) {
    request.method = std::string_view(path) == "/ui/login" || std::string_view(path) == "/ui/logout"
                         ? "POST"
                         : "GET";
    request.path = path;
    const auto response = console::handle_ui(s, request, now);
    check(response.has_value());
    check(response->status >= 200 && response->status < 600);
    if (request.path == "/ui/login") check(response->status != 200);
    if (request.path == "/ui/session") check(response->status == 401);
  }
  return 0;
}
