// The sent-mail inbox (GET/DELETE /_aws/ses): pages of verification mail, and
// hiding what was delivered. Who may read which scope is api/mail's choice.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/mail.h"
#include "core/store.h"

namespace vouch::service {

class Inbox {
 public:
  using Query = core::Store::MailQuery;
  struct Page {
    std::vector<core::Mail> messages;
    std::optional<int64_t> next_after;  // the after_id of the next page, if there is one
  };

  explicit Inbox(core::Store& store) : store_(store) {}

  // Up to query.limit messages after query.after_id.
  core::Result<Page> page(Query query);
  // Hides delivered and failed mail (of `scope`, or all); queued mail is still delivered.
  core::Status clear(const std::optional<core::Scope>& scope);

 private:
  core::Store& store_;
};

}  // namespace vouch::service
