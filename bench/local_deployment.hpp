#pragma once
// A throwaway sagaflow deployment on this machine for saga-bench: a fresh database on the
// local PostgreSQL, purged queues on the local RabbitMQ, the fake payment channel, N sagad
// processes and M saga-worker processes (all roles). Everything stops with the object.
// Not thread-safe.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/child_process.hpp"
#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::bench {

struct DeploymentOptions {
  std::string admin_pg_url;  //!< a database to CREATE DATABASE from
  std::string amqp_url;
  std::string bin_dir;       //!< the CMake build folder
  std::string log_dir;
  int sagad_processes = 1;
  int worker_processes = 1;
  std::vector<std::pair<std::string, std::string>> extra_env;
  //! A shell command that closes every client connection of the broker (--chaos-broker-command,
  //! e.g. rabbitmqctl close_all_connections); empty: the broker is left alone.
  std::string broker_cut_command;
  //! A shell command that crashes the PostgreSQL server and starts it again, returning once
  //! it accepts connections (--chaos-database-restart-command); empty: the server is left alone.
  std::string database_restart_command;
};

class LocalDeployment {
 public:
  explicit LocalDeployment(DeploymentOptions options) : options_(std::move(options)) {}
  ~LocalDeployment();

  //! Creates the database, seeds `skus` products "<prefix>-0".. with `stock` units each,
  //! starts every process.
  Status Start(const std::string& sku_prefix, int skus, std::int64_t stock);
  const std::string& db_url() const { return db_url_; }
  //! Base URLs of the sagad processes.
  const std::vector<std::string>& sagad_urls() const { return sagad_urls_; }
  //! Peak resident memory (VmHWM) of sagad and of the workers, in KiB, summed per kind.
  std::pair<std::int64_t, std::int64_t> PeakRssKiB() const;
  //! A connection to the deployment's database (for statistics), opened again if the server
  //! closed the one before (--chaos restarts the server).
  Result<storage::PgConnection*> Db();

  std::size_t sagad_processes() const { return sagads_.size(); }
  std::size_t worker_processes() const { return workers_.size(); }
  //! A crash and a restart: SIGKILL sagad `index`, then start it again on the port it had
  //! (the clients and the payment channel know that address) and wait until it listens.
  Status KillAndRestartSagad(std::size_t index);
  //! The same for saga-worker `index`.
  Status KillAndRestartWorker(std::size_t index);
  //! Ends every other session on the deployment's database (pg_terminate_backend), as a
  //! PostgreSQL restart or a network cut would: sagad and the workers must reconnect.
  //! Returns how many it ended.
  Result<int> CutDatabaseConnections();
  //! Whether CutBrokerConnections can do anything (DeploymentOptions::broker_cut_command).
  bool can_cut_broker_connections() const { return !options_.broker_cut_command.empty(); }
  //! Closes every connection to the broker (sagad's, the workers', saga-bench's own), as a
  //! broker restart would, with DeploymentOptions::broker_cut_command.
  Status CutBrokerConnections();
  //! Whether RestartDatabase can do anything (DeploymentOptions::database_restart_command).
  bool can_restart_database() const { return !options_.database_restart_command.empty(); }
  //! Crashes the PostgreSQL server (every session of every database ends, nothing is shut
  //! down cleanly) and starts it again, with DeploymentOptions::database_restart_command.
  Status RestartDatabase();

 private:
  using Env = std::vector<std::pair<std::string, std::string>>;
  //! What every process gets, then `defaults` for this one, then the user's --set settings.
  Env ProcessEnv(const Env& defaults = {}) const;
  Result<int> StartAndReadPort(ChildProcess& process, const std::string& path, const std::vector<std::string>& args,
                               const std::string& log_name, const Env& defaults = {});
  //! Starts sagad `index`; `port` 0 picks a free one. Returns the port it listens on.
  Result<int> StartSagad(std::size_t index, int port);
  Status StartWorker(std::size_t index);

  const DeploymentOptions options_;
  std::string db_name_;
  std::string db_url_;
  std::string channel_url_;
  std::vector<std::string> sagad_urls_;
  std::vector<int> sagad_ports_;
  std::vector<std::string> sticky_queues_;  //!< each sagad's replies queue
  std::unique_ptr<storage::PgConnection> db_;
  // Declared last: processes stop before the connection above closes.
  std::unique_ptr<ChildProcess> channel_;
  std::vector<std::unique_ptr<ChildProcess>> sagads_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
};

}  // namespace sagaflow::bench
