// The ctest fixture around the PostgreSQL tests: `start FILE` starts a
// cluster and leaves it running, writing its conninfo, pid and directory to
// FILE; `stop FILE` stops it and removes both. See src/store/CMakeLists.txt.
#include <cstdio>
#include <fstream>
#include <string>

#include "testing/pg_cluster.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s start|stop FILE\n", argv[0]);
    return 2;
  }
  const std::string cmd = argv[1], file = argv[2];
  if (cmd == "start") {
    auto c = vouch::testing::PgCluster::start(/*detached=*/true);
    if (!c.ok()) {
      std::fprintf(stderr, "%s\n", c.error().message.c_str());
      return 1;
    }
    std::ofstream(file) << (*c)->conninfo() << "\n" << (*c)->pid() << "\n" << (*c)->dir() << "\n";
    std::printf("postgres on port %d (pid %d, %s)\n", (*c)->port(), static_cast<int>((*c)->pid()),
                (*c)->dir().c_str());
    return 0;
  }
  if (cmd == "stop") {
    std::ifstream f(file);
    std::string conninfo, pid, dir;
    std::getline(f, conninfo);
    std::getline(f, pid);
    std::getline(f, dir);
    if (!pid.empty()) vouch::testing::PgCluster::stop_detached(std::stoi(pid), dir);
    std::remove(file.c_str());
    return 0;
  }
  std::fprintf(stderr, "unknown command %s\n", cmd.c_str());
  return 2;
}
