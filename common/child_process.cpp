#include "common/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

extern char** environ;

namespace sagaflow {
namespace {

using Clock = std::chrono::steady_clock;

//! How often the log and the process state are polled while waiting.
constexpr std::chrono::milliseconds kPollInterval{5};

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string ErrnoText(int err) { return std::strerror(err); }

//! Frees posix_spawn's attribute and file-action objects on scope exit.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

ChildProcess::~ChildProcess() {
  if (running_) Kill();
}

Status ChildProcess::Start(const std::string& path, const std::vector<std::string>& args,
                           const std::vector<std::pair<std::string, std::string>>& extra_env,
                           const std::string& log_path) {
  if (running_ && Running()) return Status::Conflict("process " + std::to_string(pid_) + " still runs");

  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::Permanent("open " + log_path + ": " + ErrnoText(errno));
  struct stat st {};
  ::fstat(log_fd, &st);

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, log_fd, 1);
  posix_spawn_file_actions_adddup2(&setup.actions, log_fd, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Sockets and pipes of the test process (e.g. an in-process HTTP server) stay out of the child.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
#endif
  // The child starts with no blocked signals and default dispositions, whatever this thread has.
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  sigset_t default_signals;
  sigfillset(&default_signals);
  posix_spawnattr_setsigmask(&setup.attr, &empty_mask);
  posix_spawnattr_setsigdefault(&setup.attr, &default_signals);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> argv_storage;
  argv_storage.push_back(path);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view kv(*entry);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  for (const auto& [name, value] : extra_env) env[name] = value;
  std::vector<std::string> env_storage;
  env_storage.reserve(env.size());
  for (const auto& [name, value] : env) env_storage.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = path.find('/') == std::string::npos
               ? posix_spawnp(&pid, path.c_str(), &setup.actions, &setup.attr, argv.data(), envp.data())
               : posix_spawn(&pid, path.c_str(), &setup.actions, &setup.attr, argv.data(), envp.data());
  ::close(log_fd);
  if (rc != 0) return Status::Permanent("spawn " + path + ": " + ErrnoText(rc));

  pid_ = pid;
  running_ = true;
  exit_code_.reset();
  log_path_ = log_path;
  read_offset_ = static_cast<std::uint64_t>(st.st_size);
  return Status::Ok();
}

Result<int> ChildProcess::ReadListeningPort(std::chrono::milliseconds timeout) {
  auto line = ReadLineMatching(std::regex(R"(listening on [0-9.]+:(\d+))"), timeout);
  if (!line.ok()) return line.status();
  return std::stoi(line->at(1));
}

Result<std::vector<std::string>> ChildProcess::ReadLineMatching(const std::regex& pattern,
                                                               std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::uint64_t scan_start = read_offset_;
  for (;;) {
    // Whether it ran before the scan: output written before exiting is still scanned once.
    bool was_running = Running();
    std::ifstream in(log_path_, std::ios::binary);
    if (in) {
      in.seekg(static_cast<std::streamoff>(read_offset_));
      std::string line;
      while (std::getline(in, line)) {
        if (in.eof()) break;  // no '\n' yet: the line may still grow
        read_offset_ += line.size() + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::smatch match;
        if (std::regex_search(line, match, pattern)) {
          std::vector<std::string> groups;
          for (const auto& group : match) groups.push_back(group.str());
          return groups;
        }
      }
    }
    if (!was_running) {
      read_offset_ = scan_start;
      return Status::Permanent("process " + std::to_string(pid_) + " exited (code " +
                               std::to_string(exit_code_.value_or(-1)) + ") without printing the line");
    }
    if (Clock::now() >= deadline) {
      read_offset_ = scan_start;
      return Status::NotFound("no matching line in " + log_path_ + " before the deadline");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

bool ChildProcess::Running() {
  if (!running_) return false;
  return !Reap(false);
}

bool ChildProcess::WaitForExit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!Running()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

int ChildProcess::Terminate(std::chrono::milliseconds grace) {
  if (!Running()) return exit_code_.value_or(-1);
  ::kill(pid_, SIGTERM);
  if (WaitForExit(grace)) return exit_code_.value_or(-1);
  return Kill();
}

int ChildProcess::Kill() {
  if (!Running()) return exit_code_.value_or(-1);
  ::kill(pid_, SIGKILL);
  Reap(true);
  return exit_code_.value_or(-1);
}

std::string ChildProcess::ReadLog() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool ChildProcess::Reap(bool block) {
  if (!running_) return true;
  for (;;) {
    int status = 0;
    pid_t rc = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (rc == pid_) {
      running_ = false;
      exit_code_ = DecodeWaitStatus(status);
      return true;
    }
    if (rc == 0) return false;  // still running
    if (errno == EINTR) continue;
    // ECHILD: someone else reaped it (e.g. SIGCHLD ignored); it is gone either way.
    running_ = false;
    exit_code_ = -1;
    return true;
  }
}

}  // namespace sagaflow
