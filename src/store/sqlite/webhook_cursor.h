// Webhook delivery by cursor on SQLite: the statements store/webhook_cursor.h
// runs, over the writer's connection.
#pragma once

#include <memory>

#include "store/sqlite/db.h"
#include "store/webhook_cursor.h"

namespace vouch::store::sqlite {

std::unique_ptr<CursorOps> cursor_ops(Conn& c);

}  // namespace vouch::store::sqlite
