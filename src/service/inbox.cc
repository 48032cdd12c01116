#include "service/inbox.h"

namespace vouch::service {

core::Result<Inbox::Page> Inbox::page(Query query) {
  const size_t limit = query.limit;
  if (limit == 0) return Page{};
  query.limit = limit + 1;  // one more tells whether there is a next page
  auto mails = store_.list_mail_page(query);
  if (!mails.ok()) return mails.error();
  Page page;
  if (mails->size() > limit) {
    mails->resize(limit);
    page.next_after = mails->back().id;
  }
  page.messages = std::move(*mails);
  return page;
}

core::Status Inbox::clear(const std::optional<core::Scope>& scope) {
  auto hidden = store_.hide_mail(scope);
  if (!hidden.ok()) return hidden.error();
  return {};
}

}  // namespace vouch::service
