#include "serve/static_files.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "serve/api_query.h"

namespace stockpulse {

std::string_view StaticFiles::content_type_for(std::string_view ext) {
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".webmanifest") return "application/manifest+json";
  return "application/octet-stream";
}

Result<StaticFile, StaticFileError> StaticFiles::load(std::string_view target_path) const {
  namespace fs = std::filesystem;
  const auto decoded = percent_decode(target_path, /*plus_is_space=*/false);
  if (!decoded || decoded->empty() || decoded->front() != '/')
    return Err(StaticFileError::kBadPath);
  std::string rel = decoded->substr(1);
  if (rel.empty()) rel = "index.html";
  // Check every segment of the decoded path: decoding once and checking after means "%2e%2e"
  // and "..%2f" are caught as "..", and nothing is decoded twice.
  size_t start = 0;
  while (true) {
    const size_t slash = rel.find('/', start);
    const std::string_view seg = std::string_view(rel).substr(
        start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg.empty() || seg == "." || seg == ".." || seg.find('\\') != std::string_view::npos) {
      return Err(StaticFileError::kBadPath);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::error_code ec;
  const fs::path root = fs::canonical(root_, ec);
  if (ec) return Err(StaticFileError::kNoRoot);
  const fs::path file = fs::canonical(root / rel, ec);
  if (ec) return Err(StaticFileError::kNotFound);
  // canonical() followed every symlink: a link pointing outside the root is refused here.
  const auto [root_end, file_it] =
      std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (root_end != root.end()) return Err(StaticFileError::kBadPath);
  if (!fs::is_regular_file(file, ec)) return Err(StaticFileError::kNotFound);
  const auto size = fs::file_size(file, ec);
  if (ec || size > kMaxFileBytes) return Err(StaticFileError::kNotFound);
  std::ifstream in(file, std::ios::binary);
  if (!in) return Err(StaticFileError::kNotFound);
  StaticFile out;
  out.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  out.content_type = std::string(content_type_for(file.extension().string()));
  return out;
}

}  // namespace stockpulse
