#pragma once

#include <string>

#include "app/config.h"
#include "serve/dashboard_service.h"

namespace stockpulse {

// The dashboard's options from the [serve] section: listen address (`listen`, which `process`
// takes from its own flag), web root, allowed hosts and connection limits; the token from
// STOCKPULSE_TOKEN.
DashboardOptions dashboard_options(const Config& c, const std::string& listen);

}  // namespace stockpulse
