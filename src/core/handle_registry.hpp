// Objects the api hands out by number (a handle), so the JavaScript side
// holds a plain integer rather than an object to delete: compiled webhooks
// (api_handles.cpp) and compiled cohorts (cohort_api.cpp) alike.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace hookcast::api {

/// Owns `T`s by handle. A handle packs a slot index (low 20 bits, +1 so 0 is
/// never valid) and the slot's generation (high 12 bits), so a released
/// handle stays invalid after its slot is reused.
template <typename T>
class HandleRegistry {
 public:
  /// Stores `item`; returns its handle, or 0 when every slot is taken
  /// (`item` is then dropped).
  std::uint32_t add(std::unique_ptr<T> item) {
    std::uint32_t index;
    if (!free_list_.empty()) {
      index = free_list_.back();
      free_list_.pop_back();
    } else {
      if (slots_.size() >= kIndexMask) return 0;
      index = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
      generations_.push_back(0);
    }
    slots_[index] = std::move(item);
    ++live_;
    return (generations_[index] << kIndexBits) | (index + 1);
  }

  /// The item of `handle`, or null when it was released or never existed.
  const T* get(std::uint32_t handle) const {
    const std::uint32_t index = handle & kIndexMask;
    if (index == 0 || index > slots_.size()) return nullptr;
    if (generations_[index - 1] != (handle >> kIndexBits)) return nullptr;
    return slots_[index - 1].get();
  }

  /// Frees the item of `handle`; unknown or released handles are ignored.
  void remove(std::uint32_t handle) {
    if (!get(handle)) return;
    const std::uint32_t index = (handle & kIndexMask) - 1;
    slots_[index].reset();
    generations_[index] = (generations_[index] + 1) & kGenerationMask;
    free_list_.push_back(index);
    --live_;
  }

  /// Number of live items.
  std::uint32_t live() const { return live_; }

 private:
  static constexpr std::uint32_t kIndexBits = 20;
  static constexpr std::uint32_t kIndexMask = (1u << kIndexBits) - 1;
  static constexpr std::uint32_t kGenerationMask = (1u << (32 - kIndexBits)) - 1;

  std::vector<std::unique_ptr<T>> slots_;
  std::vector<std::uint32_t> generations_;
  std::vector<std::uint32_t> free_list_;
  std::uint32_t live_ = 0;
};

}  // namespace hookcast::api
