#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stockpulse {

// The classes of the learned finance model, in weight order.
enum class ModelClass : uint8_t { kBearish = 0, kNeutral = 1, kBullish = 2 };
inline constexpr size_t kModelClasses = 3;

// Dense features computed per post next to the hashed ones: the finance lexicon scorer's compound,
// pos and neg (finance_scorer.h).
inline constexpr size_t kDenseFeatures = 3;

// Why a model file was refused.
enum class ModelError : uint8_t {
  kTooShort,         // fewer bytes than the header or than the header says
  kBadMagic,         // not a stockpulse finance model
  kBadVersion,       // a file format this build does not read
  kFeatureMismatch,  // trained on another feature definition (FeatureHasher::kFeatureVersion)
  kBadShape,         // bucket bits or class/dense counts out of range
  kBadChecksum,      // the bytes were altered or truncated after writing
  kNotFinite,        // a weight is NaN or infinite
  kIo,               // the file could not be read
};
const char* model_error_name(ModelError e);

// A multinomial logistic-regression model over hashed features (FeatureHasher) plus
// kDenseFeatures dense ones. Weights of bucket b for class c live at hashed[b * 3 + c], so one
// feature's three weights share a cache line.
//
// File format (little-endian): "SPFINMDL" magic, u32 format version, u32 feature version,
// u32 bucket bits, u32 classes, u32 dense features, u32 reserved (0), then the weights as
// IEEE float16 (hashed, then dense [d * 3 + c], then bias [c]), then the CRC-32 (IEEE) of all
// preceding bytes. float16 halves the file (2^bits * 6 bytes); the rounding (< 0.05% relative)
// is far below what changes a ranking, and the model in memory is the one read back from bytes,
// so a trained model and a loaded one score identically.
//
// A plain value; not synchronised (build it, then share it read-only).
struct LearnedModel {
  static constexpr uint32_t kFormatVersion = 1;
  static constexpr std::string_view kMagic = "SPFINMDL";

  uint32_t bits = 0;
  std::vector<float> hashed;                                  // 2^bits * kModelClasses
  std::array<float, kDenseFeatures * kModelClasses> dense{};  // [d * 3 + c]
  std::array<float, kModelClasses> bias{};

  // Serialises to the file format above.
  std::string serialize() const;
  // Parses and validates a serialised model (magic, versions, shape, checksum, finite weights).
  static Result<LearnedModel, ModelError> parse(std::string_view bytes);
  // Reads and parses a model file; the error text names the file and the reason.
  static Result<LearnedModel, std::string> load_file(const std::string& path);
  // Writes serialize() to `path` (through a temporary file renamed into place, so a reader never
  // sees half a model); returns the error text on failure.
  std::optional<std::string> save_file(const std::string& path) const;
  // Rounds every weight through float16 (what serialize() stores), in place.
  void round_to_stored_precision();
};

// IEEE float16 conversions (round to nearest even; overflow to infinity).
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);
// CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of bytes.
uint32_t crc32(std::string_view bytes);

}  // namespace stockpulse
