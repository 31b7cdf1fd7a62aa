#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace stockpulse {

// A value of type T that cannot be mixed up with another NamedType of the same T:
// EventTime and ProcessingTime are both int64 milliseconds, but the compiler keeps them apart.
template <class T, class Tag>
class NamedType {
 public:
  using value_type = T;
  constexpr NamedType() = default;
  constexpr explicit NamedType(T v) : value_(v) {}
  constexpr T value() const { return value_; }
  constexpr auto operator<=>(const NamedType&) const = default;

 private:
  T value_{};
};

// Milliseconds since the Unix epoch, taken from the record itself.
using EventTime = NamedType<int64_t, struct EventTimeTag>;
// Milliseconds since the Unix epoch, read from a Clock when something happens in the pipeline.
using ProcessingTime = NamedType<int64_t, struct ProcessingTimeTag>;
// An input partition: a Kafka partition, or one input file / generator in embedded mode.
using PartitionId = NamedType<int32_t, struct PartitionIdTag>;
// Position of a record inside its partition (Kafka offset, or record number in a file).
using Offset = NamedType<int64_t, struct OffsetTag>;

}  // namespace stockpulse

template <class T, class Tag>
struct std::hash<stockpulse::NamedType<T, Tag>> {
  size_t operator()(const stockpulse::NamedType<T, Tag>& v) const noexcept {
    return std::hash<T>{}(v.value());
  }
};
