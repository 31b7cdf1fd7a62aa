#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace stockpulse {

// Wraps an error value so that Result<T, E> can be built from it even when T and E convert.
// A constructor rather than an aggregate: clang 14 (the fuzz build) lacks C++20's parenthesized
// aggregate initialization, and `Err(message)` is how every caller writes it.
template <class E>
struct Err {
  explicit Err(E e) : error(std::move(e)) {}
  E error;
};
template <class E>
Err(E) -> Err<E>;

// Result<T, E> is either a value or an error: expected failures at the edges (a bad record, a late
// event, a full queue) are returned, never thrown. Exceptions are kept for start-up errors and
// broken invariants.
template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  template <class G>
  Result(Err<G> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const E& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, E> v_;
};

}  // namespace stockpulse
