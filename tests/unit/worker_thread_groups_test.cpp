// How saga-worker spreads its roles over consumer threads (workers::ThreadGroups) and names them.

#include <gtest/gtest.h>

#include "workers/worker_runtime.hpp"

namespace sagaflow::workers {
namespace {

using Groups = std::vector<std::vector<std::string>>;

TEST(WorkerThreadGroupsTest, RolesShareOneThreadButThoseNamedGetTheirOwn) {
  EXPECT_EQ(ThreadGroups({"inventory", "promotions", "points", "payment", "logistics"}, {"payment"}),
            (Groups{{"inventory", "promotions", "points", "logistics"}, {"payment"}}));
  EXPECT_EQ(ThreadGroups({"payment", "inventory"}, {"payment", "inventory"}), (Groups{{"payment"}, {"inventory"}}));
}

TEST(WorkerThreadGroupsTest, NamingNoRoleOrAnAbsentOneSharesEverything) {
  EXPECT_EQ(ThreadGroups({"inventory", "payment"}, {}), (Groups{{"inventory", "payment"}}));
  EXPECT_EQ(ThreadGroups({"inventory", "payment"}, {"none"}), (Groups{{"inventory", "payment"}}));
  EXPECT_EQ(ThreadGroups({"inventory"}, {"payment"}), (Groups{{"inventory"}}));
}

TEST(WorkerThreadGroupsTest, AProcessOfOnlyOwnThreadRolesHasNoSharedThread) {
  EXPECT_EQ(ThreadGroups({"payment"}, {"payment"}), (Groups{{"payment"}}));
}

TEST(WorkerThreadGroupsTest, RolesJoinWithCommas) {
  EXPECT_EQ(JoinRoles({"inventory", "payment"}), "inventory,payment");
  EXPECT_EQ(JoinRoles({"payment"}), "payment");
  EXPECT_EQ(JoinRoles({}), "");
}

}  // namespace
}  // namespace sagaflow::workers
