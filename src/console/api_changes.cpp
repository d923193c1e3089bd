// Saving: one record (POST/PUT/DELETE /records) or several (POST /changes) go through apply(),
// which validates the zone as it would be, bumps the serial, commits in one transaction and
// publishes. Writers on one zone take its lock in turn; a conflict from the store (another
// primary on a shared PostgreSQL store) is re-read, re-validated and retried.
#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "console/api.hpp"
#include "console/api_json.hpp"
#include "console/records.hpp"

namespace mxkit::console {

struct Api::Proposal {
  Change::Kind kind = Change::Kind::add;
  std::int64_t id = 0;
  RecordDraft draft;
};

namespace {

using api_json::error;
using api_json::json;
using api_json::respond;

// A finding's identity across two checks of the zone: the same code at the same record.
std::string finding_key(const Finding& f) {
  return f.code + "|" + (f.record ? record_line(*f.record) : f.message);
}

// Only what the change brings counts against it: a zone imported with a warning does not make
// every later save repeat "accept_warnings".
std::vector<Finding> new_only(std::vector<Finding> found, const std::set<std::string>& before,
                              const std::vector<std::optional<std::size_t>>& origin) {
  std::vector<Finding> out;
  for (auto& f : found) {
    if (before.contains(finding_key(f))) continue;
    if (f.index && *f.index < origin.size()) f.change = origin[*f.index];
    out.push_back(std::move(f));
  }
  return out;
}

json rrsets(std::vector<Record> records) {
  std::stable_sort(records.begin(), records.end(), [](const Record& a, const Record& b) {
    return std::tie(a.name, a.type) < std::tie(b.name, b.type);
  });
  json out = json::array();
  for (const auto& r : records) {
    if (out.empty() || out.back()["name"] != r.name || out.back()["type"] != r.type)
      out.push_back(
          {{"name", r.name}, {"type", r.type}, {"ttl", r.ttl}, {"records", json::array()}});
    out.back()["records"].push_back(api_json::record(r));
  }
  return out;
}

json without_id(const Record& r) {
  json j = api_json::record(r);
  j.erase("id");
  return j;
}

}  // namespace

ApiResponse Api::apply(const std::string& zone, std::vector<Proposal> proposals, bool dry_run,
                       bool accept_warnings, const Principal& who, int ok_status,
                       std::optional<std::size_t> single) {
  const auto origin_name = *parse_zone_name(zone);
  // Outside targets looked up once per request, kept across conflict retries, and before the
  // zone's lock is taken: a slow name server must not hold up the other writers of the zone.
  TargetAddresses looked_up;
  if (options_.look_up_targets) {
    std::vector<Record> drafts;
    for (const auto& p : proposals)
      if (p.kind != Change::Kind::remove)
        if (auto r = check_draft(p.draft, origin_name)) drafts.push_back(std::move(*r));
    if (auto wanted = outside_targets(origin_name, drafts); !wanted.empty())
      for (auto& [name, found] : options_.look_up_targets(wanted))
        looked_up.insert_or_assign(name, std::move(found));
  }
  const auto lock = zone_lock(zone);
  std::lock_guard guard(*lock);
  for (int attempt = 0; attempt <= options_.conflict_retries; ++attempt) {
    auto z = store_.get_zone(zone);
    if (!z) return store_error(z.error());
    auto current = store_.records(zone);
    if (!current) return store_error(current.error());

    // Each record on its own: ranges, name, type, the value through the zone parser.
    Findings drafts;
    std::vector<Record> normal(proposals.size());
    for (std::size_t i = 0; i < proposals.size(); ++i) {
      if (proposals[i].kind == Change::Kind::remove) continue;
      auto r = check_draft(proposals[i].draft, origin_name);
      if (r) {
        normal[i] = *r;
        continue;
      }
      r.error().change = i;
      drafts.errors.push_back(r.error());
    }
    if (!drafts.errors.empty()) {
      ++refused_;
      return api_json::refused(drafts);
    }

    // The zone as it would be, each record remembering the change that brought it.
    std::vector<Record> proposed = *current;
    std::vector<std::optional<std::size_t>> origin(proposed.size());
    json added = json::array(), updated = json::array(), deleted = json::array();
    std::vector<Change> changes;
    for (std::size_t i = 0; i < proposals.size(); ++i) {
      const auto& p = proposals[i];
      if (p.kind == Change::Kind::add) {
        if (normal[i].type == "SOA")
          return error(400, "a zone has one SOA record: update it instead of adding one", "type");
        normal[i].id = 0;
        proposed.push_back(normal[i]);
        origin.push_back(i);
        added.push_back(without_id(normal[i]));
        changes.push_back(Change{Change::Kind::add, normal[i]});
        continue;
      }
      const auto at = std::find_if(proposed.begin(), proposed.end(),
                                   [&](const Record& r) { return r.id == p.id; });
      if (at == proposed.end())
        return error(404, fmt::format("no record {} in zone {}", p.id, zone), "id");
      const auto index = static_cast<std::size_t>(at - proposed.begin());
      if (p.kind == Change::Kind::remove) {
        if (at->type == "SOA") return error(400, "the SOA record cannot be deleted", "id");
        deleted.push_back(api_json::record(*at));
        changes.push_back(Change{Change::Kind::remove, *at});
        proposed.erase(at);
        origin.erase(origin.begin() + static_cast<std::ptrdiff_t>(index));
        continue;
      }
      if ((at->type == "SOA") != (normal[i].type == "SOA"))
        return error(400, "a record cannot become or stop being the SOA", "type");
      normal[i].id = p.id;
      updated.push_back(
          {{"before", api_json::record(*at)}, {"after", api_json::record(normal[i])}});
      *at = normal[i];
      origin[index] = i;
      changes.push_back(Change{Change::Kind::update, normal[i]});
    }

    // Targets outside the zone that the change brings, looked up at the edge (only when serve
    // has a resolver); the records already saved are not looked up again on every edit.
    const TargetAddresses* targets = nullptr;
    if (options_.look_up_targets) {
      std::vector<Record> brought;
      for (std::size_t i = 0; i < proposed.size(); ++i)
        if (origin[i]) brought.push_back(proposed[i]);
      std::vector<std::string> wanted;
      for (auto& t : outside_targets(origin_name, brought))
        if (!looked_up.contains(t)) wanted.push_back(std::move(t));
      if (!wanted.empty())
        for (auto& [name, found] : options_.look_up_targets(wanted))
          looked_up.insert_or_assign(name, std::move(found));
      targets = &looked_up;
    }

    // The zone's rules over the whole result; only what this change brings can block it.
    std::set<std::string> before;
    {
      const auto old = check_zone_records(origin_name, *current, targets);
      for (const auto* l : {&old.errors, &old.warnings, &old.notices})
        for (const auto& f : *l) before.insert(finding_key(f));
    }
    auto all = check_zone_records(origin_name, proposed, targets);
    Findings found{new_only(std::move(all.errors), before, origin),
                   new_only(std::move(all.warnings), before, origin),
                   new_only(std::move(all.notices), before, origin)};
    if (!found.errors.empty() || (!found.warnings.empty() && !accept_warnings)) {
      ++refused_;
      return api_json::refused(found);
    }

    // RFC 1982 / RFC 1912 §2.2: the serial moves forward with every saved change.
    const std::uint32_t serial = next_serial(z->serial, options_.today());
    const auto soa = std::find_if(proposed.begin(), proposed.end(),
                                  [](const Record& r) { return r.type == "SOA"; });
    if (soa != proposed.end()) {
      soa->value = soa_with_serial(soa->value, serial);
      const auto mine = std::find_if(changes.begin(), changes.end(), [&](const Change& c) {
        return c.kind == Change::Kind::update && c.record.id == soa->id;
      });
      if (mine != changes.end())
        mine->record.value = soa->value;
      else
        changes.push_back(Change{Change::Kind::update, *soa});
    }
    json body = {{"zone", zone},
                 {"serial", dry_run ? z->serial : serial},
                 {"warnings", api_json::findings(found.warnings)},
                 {"notices", api_json::findings(found.notices)}};
    if (dry_run) {
      body["dry_run"] = true;
      body["next_serial"] = serial;
      body["errors"] = json::array();
      body["rrsets"] = rrsets(proposed);
      return respond(200, body);
    }

    const json detail = {{"added", added}, {"updated", updated}, {"deleted", deleted}};
    AuditEntry audit{0, zone, {}, who.actor, "change", z->serial, serial, detail.dump()};
    auto ids = store_.commit(zone, z->serial, serial, changes, audit);
    if (!ids) {
      if (ids.error().kind == StoreFailure::conflict) {
        ++conflicts_;
        // Another primary committed first. Back off for a random while that grows with each
        // loss, so writers of two primaries do not keep colliding and none starves.
        thread_local std::minstd_rand jitter{std::random_device{}()};
        const int cap_ms = std::min(50, 1 << std::min(attempt, 6));
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(1, cap_ms)(jitter)));
        continue;
      }
      return store_error(ids.error(), "id");
    }
    ++commits_;
    Zone saved = *z;
    saved.serial = serial;
    publish(saved);
    body["added_ids"] = *ids;
    if (single) {
      Record r = normal[*single];
      if (proposals[*single].kind == Change::Kind::add && !ids->empty()) r.id = ids->front();
      if (proposals[*single].kind == Change::Kind::remove)
        body["deleted"] = proposals[*single].id;
      else
        body["record"] = api_json::record(r);
    }
    return respond(ok_status, body);
  }
  return error(409, fmt::format("zone {} kept changing under this request; try again", zone));
}

ApiResponse Api::record_write(const ApiRequest& request, const Principal& who,
                              const std::string& zone, const std::string& method,
                              std::optional<std::int64_t> id) {
  Proposal p;
  bool dry_run = false, accept = false;
  const bool remove = method == "DELETE";
  if (!remove || !request.body.empty()) {
    auto body = api_json::parse_object(request.body);
    if (!body) return body.error();
    if (remove) {
      if (auto bad = api_json::unknown_field(*body, {"accept_warnings", "dry_run"})) return *bad;
    } else {
      auto d = api_json::draft(
          *body, {"id", "name", "ttl", "type", "priority", "value", "accept_warnings", "dry_run"});
      if (!d) return d.error();
      if (d->id != 0 && (!id || d->id != *id))
        return error(400, "\"id\" is given by the path, not the body", "id");
      p.draft = *d;
    }
    auto a = api_json::bool_field(*body, "accept_warnings");
    if (!a) return a.error();
    auto r = api_json::bool_field(*body, "dry_run");
    if (!r) return r.error();
    accept = *a;
    dry_run = *r;
  }
  if (auto q = request.query.find("accept_warnings"); q != request.query.end())
    accept = accept || q->second == "true" || q->second == "1";
  p.kind = method == "POST" ? Change::Kind::add
           : remove         ? Change::Kind::remove
                            : Change::Kind::update;
  p.id = id.value_or(0);
  p.draft.id = p.id;
  std::vector<Proposal> one{p};
  return apply(zone, std::move(one), dry_run, accept, who, method == "POST" ? 201 : 200, 0);
}

ApiResponse Api::post_changes(const ApiRequest& request, const Principal& who,
                              const std::string& zone) {
  auto body = api_json::parse_object(request.body);
  if (!body) return body.error();
  if (auto bad = api_json::unknown_field(*body, {"changes", "dry_run", "accept_warnings"}))
    return *bad;
  auto dry_run = api_json::bool_field(*body, "dry_run");
  if (!dry_run) return dry_run.error();
  auto accept = api_json::bool_field(*body, "accept_warnings");
  if (!accept) return accept.error();
  const auto list = body->find("changes");
  if (list == body->end() || !list->is_array() || list->empty())
    return error(400, "\"changes\" must be a non-empty array", "changes");
  constexpr std::size_t kMaxChanges = 1000;
  if (list->size() > kMaxChanges)
    return error(400, fmt::format("at most {} changes in one request", kMaxChanges), "changes");
  std::vector<Proposal> proposals;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& c = (*list)[i];
    const auto where = fmt::format("changes[{}]", i);
    if (!c.is_object()) return error(400, where + " must be an object", where);
    auto op = api_json::string_field(c, "op");
    if (!op) return op.error();
    Proposal p;
    if (*op == "add") {
      p.kind = Change::Kind::add;
    } else if (*op == "update") {
      p.kind = Change::Kind::update;
    } else if (*op == "delete") {
      p.kind = Change::Kind::remove;
    } else {
      return error(400, where + ".op must be \"add\", \"update\" or \"delete\"", where + ".op");
    }
    if (p.kind == Change::Kind::remove) {
      if (auto bad = api_json::unknown_field(c, {"op", "id"})) return *bad;
    } else {
      auto d = p.kind == Change::Kind::add
                   ? api_json::draft(c, {"op", "name", "ttl", "type", "priority", "value"})
                   : api_json::draft(c, {"op", "id", "name", "ttl", "type", "priority", "value"});
      if (!d) return d.error();
      p.draft = *d;
    }
    if (p.kind != Change::Kind::add) {
      auto id = api_json::integer_field(c, "id");
      if (!id) return id.error();
      if (!*id) return error(400, where + ".id is missing", where + ".id");
      p.id = **id;
    }
    proposals.push_back(std::move(p));
  }
  return apply(zone, std::move(proposals), *dry_run, *accept, who, 200, std::nullopt);
}

}  // namespace mxkit::console
