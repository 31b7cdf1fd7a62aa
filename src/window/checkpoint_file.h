#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stockpulse {

// Replaces the file at path with bytes so that a crash at any moment leaves either the old
// content or the new one, never a mix: write a temporary file in the same directory, fsync it,
// rename it over path, fsync the directory. Returns false (and leaves path untouched) on any
// I/O error; the temporary file is removed on failure.
bool write_file_atomically(const std::string& path, std::string_view bytes);

// The whole content of the file at path, or nullopt if it does not exist or cannot be read.
std::optional<std::string> read_file(const std::string& path);

}  // namespace stockpulse
