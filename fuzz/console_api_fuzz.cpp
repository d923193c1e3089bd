// libFuzzer target: any bytes as the JSON body of the console API's writing endpoints, over a
// real SQLite store in a temporary folder. The first byte picks the endpoint. Whatever comes in,
// the answer is a 2xx/4xx with a JSON body (never a 5xx, a crash or a hang), and the zone stays
// one the checks accept: its serial moves only forward.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "console/api.hpp"
#include "console/sqlite_store.hpp"
#include "fuzz_check.hpp"

using mxkit::fuzzing::check;
using namespace mxkit::console;

namespace {

struct World {
  std::unique_ptr<Store> store;
  std::unique_ptr<Api> api;
  std::uint32_t serial = 0;
  std::size_t runs = 0;
};

ApiResponse call(Api& api, std::string method, std::string path, std::string body) {
  ApiRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.headers["x-api-key"] = "fuzz";
  return api.handle(r);
}

void reset_zone(World& w) {
  call(*w.api, "DELETE", "/api/v1/zones/example.test", {});
  auto made = call(
      *w.api, "POST", "/api/v1/zones",
      R"({"name":"example.test","zone_text":"@ 3600 IN SOA ns1 hm 1 3600 900 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\nmail IN A 192.0.2.25\n@ IN MX 10 mail\n"})");
  check(made.status == 201);
  w.serial = 1;
}

World& world() {
  static World w = [] {
    World made;
    const auto dir = std::filesystem::temp_directory_path() /
                     ("mxkit-fuzz-console-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    made.store = std::move(*open_sqlite_store(dir));
    ApiOptions options;
    options.api_keys = {"fuzz"};
    made.api = std::make_unique<Api>(*made.store, nullptr, options);
    return made;
  }();
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& w = world();
  // A fresh zone now and then, so the store stays small and the runs stay fast.
  if (w.runs++ % 500 == 0) reset_zone(w);
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  static const char* const kEndpoints[][2] = {
      {"POST", "/api/v1/zones/example.test/records"},
      {"PUT", "/api/v1/zones/example.test/records/"},
      {"DELETE", "/api/v1/zones/example.test/records/"},
      {"POST", "/api/v1/zones/example.test/changes"},
      {"POST", "/api/v1/zones"},
  };
  const auto& [method, path_template] = kEndpoints[data[0] % 5];
  std::string path = path_template;
  if (path.find("/records/") != std::string::npos) {
    // An id the zone holds now, picked by the rest of the first byte.
    auto records = w.store->records("example.test.");
    check(records.has_value() && !records->empty());
    const auto& r = (*records)[static_cast<std::size_t>(data[0] / 5) % records->size()];
    path = "/api/v1/zones/example.test/records/" + std::to_string(r.id);
  }
  const auto response = call(*w.api, method, path, body);
  check(response.status >= 200 && response.status < 500);
  check(!nlohmann::json::parse(response.body, nullptr, false).is_discarded());
  auto zone = w.store->get_zone("example.test.");
  check(zone.has_value());
  check(zone->serial >= w.serial);
  w.serial = zone->serial;
  // A zone the fuzzer made is dropped again, so names do not pile up.
  if (data[0] % 5 == 4 && response.status == 201) {
    const auto name = nlohmann::json::parse(response.body)["zone"]["name"].get<std::string>();
    if (name != "example.test.") call(*w.api, "DELETE", "/api/v1/zones/" + name, {});
  }
  return 0;
}
