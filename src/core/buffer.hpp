// A growable byte buffer for the per-render path. Unlike std::string its
// appends are inline and it never shrinks: cleared and reused from one
// render to the next, it stops allocating once it has grown to the largest
// output seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

/// Forces inlining of the per-byte helpers even in size-optimised (-Oz)
/// builds, where the compiler would otherwise call them: the wasm build
/// measured 3.5x slower without it.
#if defined(__GNUC__) || defined(__clang__)
#define HOOKCAST_INLINE inline __attribute__((always_inline))
#else
#define HOOKCAST_INLINE inline
#endif

namespace hookcast {

/// Append-only bytes with reusable capacity.
class Buffer {
 public:
  Buffer() = default;
  /// Takes the bytes and capacity of `other`, which is left empty.
  Buffer(Buffer&& other) noexcept
      : data_(std::move(other.data_)), size_(other.size_), capacity_(other.capacity_) {
    other.size_ = other.capacity_ = 0;
  }
  /// Takes the bytes and capacity of `other`, which is left empty.
  Buffer& operator=(Buffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.size_ = other.capacity_ = 0;
    return *this;
  }
  /// Copies the bytes (capacity is not shared).
  Buffer(const Buffer& other) { append(other.view()); }
  /// Copies the bytes.
  Buffer& operator=(const Buffer& other) {
    if (this != &other) {
      clear();
      append(other.view());
    }
    return *this;
  }

  /// Forgets the contents, keeps the capacity.
  HOOKCAST_INLINE void clear() { size_ = 0; }
  /// Number of bytes held.
  HOOKCAST_INLINE std::size_t size() const { return size_; }
  /// True when no byte is held.
  bool empty() const { return size_ == 0; }
  /// The bytes (not NUL-terminated).
  HOOKCAST_INLINE const char* data() const { return data_.get(); }
  /// The bytes as a view (valid until the next append).
  HOOKCAST_INLINE std::string_view view() const { return std::string_view(data_.get(), size_); }
  /// A copy of the bytes.
  std::string str() const { return std::string(data_.get(), size_); }
  /// The byte at `i` (< size()).
  HOOKCAST_INLINE char operator[](std::size_t i) const { return data_[i]; }

  /// Appends `n` bytes from `bytes`.
  HOOKCAST_INLINE void append(const char* bytes, std::size_t n) {
    if (n == 0) return;
    char* p = tail(n);
    // Most appends are short: inline 8-byte moves beat a memcpy call (in
    // wasm a call into the libc memcpy, which profiled at ~12% of a render).
    if (n <= 64) {
      std::size_t i = 0;
      for (; i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes + i, 8);
        std::memcpy(p + i, &word, 8);
      }
      for (; i < n; ++i) p[i] = bytes[i];
    } else {
      std::memcpy(p, bytes, n);
    }
    size_ += n;
  }
  /// Appends a string's bytes.
  HOOKCAST_INLINE void append(std::string_view text) { append(text.data(), text.size()); }
  /// Appends one byte.
  HOOKCAST_INLINE void push_back(char c) {
    if (size_ == capacity_) grow(1);
    data_[size_++] = c;
  }
  /// Makes room for `n` more bytes and returns where they go; write them,
  /// then commit(count) with the number actually written (≤ n).
  HOOKCAST_INLINE char* tail(std::size_t n) {
    if (capacity_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  /// Adds `n` bytes written through tail().
  HOOKCAST_INLINE void commit(std::size_t n) { size_ += n; }
  /// Drops bytes from the end so that size() == n (n ≤ size()).
  void truncate(std::size_t n) { size_ = n; }
  /// Removes the first `n` bytes (n ≤ size()).
  void erase_front(std::size_t n) {
    std::memmove(data_.get(), data_.get() + n, size_ - n);
    size_ -= n;
  }

 private:
  void grow(std::size_t n) {
    std::size_t cap = capacity_ ? capacity_ * 2 : 256;
    while (cap - size_ < n) cap *= 2;
    std::unique_ptr<char[]> bigger(new char[cap]);
    if (size_) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = cap;
  }

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace hookcast
