// GET|HEAD /_vouch/ui/[file]: the web console's static files, unsigned (they
// hold no data; the page signs its own API calls), with a strict CSP.
#pragma once

#include <string_view>

#include "http/message.h"

namespace vouch::api::ui {

inline constexpr std::string_view kUiRoot = "/_vouch/ui/";

bool owns(std::string_view path);  // /_vouch/ui and everything under /_vouch/ui/
http::Response serve(const http::Request& req);

}  // namespace vouch::api::ui
