// ReservedRegion on Linux: mmap(MAP_NORESERVE), MADV_HUGEPAGE, and MADV_POPULATE_WRITE from a
// helper thread once a region grows large.
#include "core/reserved_region.hpp"

#include <sys/mman.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <new>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace mxkit::core {

namespace {
// A region that grows past this gets a populator: small ones (most of them) never start one.
constexpr std::size_t kPopulateFrom = std::size_t{8} << 20;
// How far ahead of the used size the populator keeps pages faulted in.
constexpr std::size_t kPopulateAhead = std::size_t{8} << 20;
}  // namespace

// Faulting a fresh page in means the kernel zeroes it, and on a virtual machine the host
// backs it too: for a million-record zone that is a third of the load time. A thread that
// asks for the pages ahead of use (MADV_POPULATE_WRITE commits pages without writing to them,
// so it never races with the owner's writes) moves that work to another core.
struct ReservedRegion::Populator {
  std::uint8_t* base;
  std::size_t capacity;
  std::mutex mutex;
  std::condition_variable wake;
  std::size_t wanted = 0;  // populate [0, wanted)
  bool stop = false;
  std::thread thread;

  Populator(std::uint8_t* b, std::size_t c) : base(b), capacity(c) {
    thread = std::thread([this] { run(); });
  }
  ~Populator() {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    wake.notify_one();
    thread.join();
  }
  void request(std::size_t upto) {
    {
      std::lock_guard lock(mutex);
      wanted = std::min(upto, capacity);
    }
    wake.notify_one();
  }
  void run() {
    std::size_t done = 0;
    for (;;) {
      std::size_t target;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stop || wanted > done; });
        if (stop) return;
        target = wanted;
      }
      // Whole huge pages at a time; an error (an old kernel without the advice) ends the help.
      std::size_t from = done - done % kHugePage;
      std::size_t to = std::min(capacity, (target + kHugePage - 1) / kHugePage * kHugePage);
      if (to > from && ::madvise(base + from, to - from, MADV_POPULATE_WRITE) != 0) return;
      done = to;
    }
  }
};

ReservedRegion::ReservedRegion(std::size_t max_bytes) : capacity_(max_bytes) {
  next_populate_ = kPopulateFrom;
  if (max_bytes == 0) return;
  // One huge page more than asked, so the base can start on a huge-page boundary: only whole,
  // aligned 2 MiB pages can be huge.
  mapping_size_ = max_bytes + kHugePage;
  void* p = ::mmap(nullptr, mapping_size_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  mapping_ = static_cast<std::uint8_t*>(p);
  auto address = reinterpret_cast<std::uintptr_t>(p);
  base_ = mapping_ + (kHugePage - address % kHugePage) % kHugePage;
  // Advice only: without transparent huge pages the region still works with 4 KiB pages.
  ::madvise(base_, max_bytes, MADV_HUGEPAGE);
}

void ReservedRegion::release() {
  populator_.reset();  // joins the thread before the memory goes
  if (mapping_) ::munmap(mapping_, mapping_size_);
  mapping_ = nullptr;
}

ReservedRegion::~ReservedRegion() { release(); }

ReservedRegion::ReservedRegion(ReservedRegion&& other) noexcept
    : mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_size_(std::exchange(other.mapping_size_, 0)),
      base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      next_populate_(std::exchange(other.next_populate_, kPopulateFrom)),
      populator_(std::move(other.populator_)) {}

ReservedRegion& ReservedRegion::operator=(ReservedRegion&& other) noexcept {
  if (this != &other) {
    release();
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapping_size_ = std::exchange(other.mapping_size_, 0);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    next_populate_ = std::exchange(other.next_populate_, kPopulateFrom);
    populator_ = std::move(other.populator_);
  }
  return *this;
}

void ReservedRegion::throw_full() { throw std::length_error("reserved memory region is full"); }

void ReservedRegion::populate_more() {
  if (!populator_) {
    try {
      populator_ = std::make_unique<Populator>(base_, capacity_);
    } catch (const std::system_error&) {
      next_populate_ = capacity_ + 1;  // no thread to be had: fault pages in as they come
      return;
    }
  }
  populator_->request(size_ + kPopulateAhead);
  next_populate_ = size_ + kPopulateAhead / 2;
}

}  // namespace mxkit::core
