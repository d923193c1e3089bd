// ReservedRegion on Linux: heap blocks while small, then mmap(MAP_NORESERVE) grown by mremap,
// MADV_HUGEPAGE and MADV_POPULATE_WRITE from a helper thread once a region is large.
#include "core/reserved_region.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <sys/mman.h>

namespace mxkit::core {

namespace {
// A region that grows past this gets a populator: small ones (most of them) never start one.
constexpr std::size_t kPopulateFrom = std::size_t{8} << 20;
// How far ahead of the used size the populator keeps pages faulted in.
constexpr std::size_t kPopulateAhead = std::size_t{8} << 20;
constexpr std::size_t kPage = 4096;

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// Address space for `size` octets (a multiple of kPage), on a huge-page boundary when it is
// big enough for huge pages: only whole, aligned 2 MiB pages can be huge. nullptr on failure.
std::uint8_t* map_region(std::size_t size) {
  const std::size_t align = size >= ReservedRegion::kHugeFrom ? ReservedRegion::kHugePage : 0;
  void* p = ::mmap(nullptr, size + align, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = align ? round_up(start, align) : start;
  if (aligned > start) ::munmap(p, aligned - start);
  const std::uintptr_t end = start + size + align;
  if (end > aligned + size)
    ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  return reinterpret_cast<std::uint8_t*>(aligned);
}
}  // namespace

// Faulting a fresh page in means the kernel zeroes it, and on a virtual machine the host
// backs it too: for a million-record zone that is a third of the load time. A thread that
// asks for the pages ahead of use (MADV_POPULATE_WRITE commits pages without writing to them,
// so it never races with the owner's writes) moves that work to another core. It is stopped
// before the region moves and started again after.
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
      std::size_t to = std::min(capacity, round_up(target, kHugePage));
      if (to > from && ::madvise(base + from, to - from, MADV_POPULATE_WRITE) != 0) return;
      done = to;
    }
  }
};

ReservedRegion::ReservedRegion(std::size_t max_bytes, std::size_t reserve_bytes)
    : max_(max_bytes), next_populate_(kPopulateFrom) {
  if (reserve_bytes > 0) reserve(reserve_bytes);
}

void ReservedRegion::reserve(std::size_t bytes) {
  bytes = std::min(bytes, max_);
  if (bytes > reserved_) resize_to(bytes);
}

void ReservedRegion::shrink_to_fit() {
  if (on_heap_) {
    if (size_ == reserved_ || size_ == 0) return;
    if (void* p = std::realloc(base_, size_)) {  // shrinking in place, as glibc does
      base_ = static_cast<std::uint8_t*>(p);
      reserved_ = size_;
    }
    return;
  }
  if (!base_) return;
  // The populator may have committed pages up to 8 MiB ahead; past the last used huge page
  // they go back to the kernel (the address space stays, and reads as zeros if used again).
  populator_.reset();
  next_populate_ = std::max(kPopulateFrom, size_);
  const std::size_t keep = round_up(size_, huge_ ? kHugePage : kPage);
  if (keep < reserved_) ::madvise(base_ + keep, reserved_ - keep, MADV_DONTNEED);
}

void ReservedRegion::grow(std::size_t n) {
  if (n > max_ - size_) throw std::length_error("reserved memory region is full");
  // Doubling: a region that grows to N octets has moved about log2(N) times, each move a
  // page-table update (mremap) or, while small, a copy of at most kHeapLimit octets.
  resize_to(std::min(max_, std::max({size_ + n, reserved_ * 2, std::size_t{256}})));
}

void ReservedRegion::resize_to(std::size_t bytes) {
  if (bytes <= kHeapLimit) {
    void* p = on_heap_ ? std::realloc(base_, bytes) : std::malloc(bytes);
    if (!p) throw std::bad_alloc();
    base_ = static_cast<std::uint8_t*>(p);
    std::memset(base_ + size_, 0, bytes - size_);  // extend() hands out zeroed bytes
    on_heap_ = true;
    reserved_ = bytes;
    return;
  }
  bytes = round_up(bytes, kPage);
  std::uint8_t* fresh = map_region(bytes);
  if (!fresh) throw std::bad_alloc();
  if (on_heap_) {
    std::memcpy(fresh, base_, size_);
    std::free(base_);
    on_heap_ = false;
  } else if (base_) {
    populator_.reset();  // joins the thread: nothing touches the old pages while they move
    // The old pages move onto the new aligned address space, replacing it; nothing is copied.
    if (::mremap(base_, reserved_, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, fresh) == MAP_FAILED) {
      ::munmap(fresh, bytes);
      throw std::bad_alloc();
    }
    next_populate_ = std::max(kPopulateFrom, size_);
  }
  base_ = fresh;
  reserved_ = bytes;
  // Advice only: without transparent huge pages the region still works with 4 KiB pages.
  huge_ = bytes >= kHugeFrom && ::madvise(base_, bytes, MADV_HUGEPAGE) == 0;
}

void ReservedRegion::release() {
  populator_.reset();  // joins the thread before the memory goes
  if (on_heap_)
    std::free(base_);
  else if (base_)
    ::munmap(base_, reserved_);
  base_ = nullptr;
  on_heap_ = false;
}

ReservedRegion::~ReservedRegion() { release(); }

ReservedRegion::ReservedRegion(ReservedRegion&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      reserved_(std::exchange(other.reserved_, 0)),
      max_(other.max_),
      on_heap_(std::exchange(other.on_heap_, false)),
      huge_(std::exchange(other.huge_, false)),
      next_populate_(std::exchange(other.next_populate_, kPopulateFrom)),
      populator_(std::move(other.populator_)) {}

ReservedRegion& ReservedRegion::operator=(ReservedRegion&& other) noexcept {
  if (this != &other) {
    release();
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    reserved_ = std::exchange(other.reserved_, 0);
    max_ = other.max_;
    on_heap_ = std::exchange(other.on_heap_, false);
    huge_ = std::exchange(other.huge_, false);
    next_populate_ = std::exchange(other.next_populate_, kPopulateFrom);
    populator_ = std::move(other.populator_);
  }
  return *this;
}

void ReservedRegion::populate_more() {
  if (on_heap_ || !huge_) {  // small regions fault their few pages in as they come
    next_populate_ = reserved_ + 1;
    return;
  }
  if (!populator_) {
    try {
      populator_ = std::make_unique<Populator>(base_, reserved_);
    } catch (const std::system_error&) {
      next_populate_ = max_ + 1;  // no thread to be had: fault pages in as they come
      return;
    }
  }
  populator_->request(size_ + kPopulateAhead);
  next_populate_ = size_ + kPopulateAhead / 2;
}

}  // namespace mxkit::core
