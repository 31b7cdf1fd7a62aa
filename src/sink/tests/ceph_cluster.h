#pragma once

#include <signal.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "sink/http_client.h"
#include "sink/tests/clickhouse_server.h"  // free_port()

namespace stockpulse::testing {

// A single-node, in-memory Ceph cluster with an S3 gateway (Debian's ceph-mon, ceph-osd,
// radosgw; docs/design.md §10): one monitor on msgr v1 only, one memstore OSD, pools of size 1,
// auth none inside the cluster, radosgw's beast frontend on a free port of 127.0.0.1, and one S3
// user with fixed keys. Start-up takes ~15 s, so a test suite shares one. Every cluster has its own
// fsid and OSD uuid, and every path a daemon writes (data, logs, sockets, pid files, crash
// reports, the cluster log) is inside `dir`, so clusters never meet, in series or in parallel.
//
// Why the OSD runs with --no-mon-config: otherwise it fetches its configuration from the
// monitor first, and the MonClient it then opens for its own session starts from the monitor
// addresses learnt by that fetch, with an all-zero fsid, until the monitor's monmap arrives. The
// OSD's first command ("osd crush set-device-class", sent right after authentication) can leave
// before that monmap and is refused: the monitor logs "handle_command on fsid 0000... != <fsid>",
// the OSD "mon_cmd_maybe_osd_create fail: 'wrong fsid'" and exits. That race was the flaky
// start (9 of 30 OSD starts against one monitor; 0 of 30 with --no-mon-config). Without the
// fetch the MonClient builds its monmap from ceph.conf, fsid included. We keep no configuration
// in the monitor, so nothing is lost.
//
// Lifecycle: start() once; the destructor kills the daemons (by their pid files).
// Thread-safety: none; distinct instances (distinct dirs) may start concurrently.
class CephCluster {
 public:
  static constexpr const char* kAccessKey = "SPTESTACCESSKEY00001";
  static constexpr const char* kSecretKey = "sptestsecretkey0000000000000000000000001";

  explicit CephCluster(std::filesystem::path dir) : dir_(std::move(dir)) {}
  ~CephCluster() { stop(); }
  CephCluster(const CephCluster&) = delete;
  CephCluster& operator=(const CephCluster&) = delete;

  // Brings the cluster up; an error message (with the log to read) when it cannot.
  std::optional<std::string> start() {
    std::optional<std::string> error;
    for (int attempt = 1; attempt <= 3; ++attempt) {
      error = start_once();
      // free_port() releases the port before the daemon binds it, so another process can take
      // it in between (inherent to choosing ports up front: a monitor must be registered in the
      // monmap with its address before it starts). Only that failure is retried, on new ports.
      if (!error || !port_taken()) return error;
    }
    return error;
  }

  void stop() {
    for (const char* name : {"client.rgw", "osd.0", "mon.a"}) {
      std::ifstream pid_file(dir_ / "run" / (std::string(name) + ".pid"));
      pid_t pid = 0;
      if (pid_file >> pid && pid > 0) {
        ::kill(pid, SIGKILL);
        // Daemons are not our children: wait until the pid is gone, so the next cluster (ctest
        // runs each test in its own process) does not meet this one's ports.
        for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_ / "run", ec);
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(rgw_port_); }

 private:
  // One attempt in a fresh folder with fresh ports and ids.
  std::optional<std::string> start_once() {
    namespace fs = std::filesystem;
    stop();
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "run");
    fs::create_directories(dir_ / "mon.a");
    fs::create_directories(dir_ / "osd0");
    mon_port_ = free_port();
    rgw_port_ = free_port();
    while (rgw_port_ == mon_port_) rgw_port_ = free_port();
    const std::string fsid = random_uuid();
    const std::string osd_uuid = random_uuid();
    const std::string d = dir_.string();
    std::ofstream(dir_ / "ceph.conf")
        << "[global]\n"
        << "fsid = " << fsid << "\n"
        << "mon_host = v1:127.0.0.1:" << mon_port_ << "\n"
        << "mon_initial_members = a\n"
        << "auth_cluster_required = none\nauth_service_required = none\n"
        << "auth_client_required = none\n"
        << "ms_bind_msgr2 = false\nms_bind_ipv6 = false\npublic_addr = 127.0.0.1\n"
        << "osd_pool_default_size = 1\nosd_pool_default_min_size = 1\n"
        << "osd_pool_default_pg_num = 8\nosd_pool_default_pgp_num = 8\n"
        << "mon_allow_pool_size_one = true\nmon_warn_on_pool_no_redundancy = false\n"
        << "mon_max_pg_per_osd = 1000\nosd_crush_chooseleaf_type = 0\n"
        << "osd_objectstore = memstore\nmemstore_device_bytes = 1073741824\n"
        << "osd_max_object_name_len = 256\nosd_max_object_namespace_len = 64\n"
        << "run_dir = " << d << "/run\n"
        << "admin_socket = " << d << "/run/$name.asok\n"
        << "log_file = " << d << "/$name.log\n"
        << "pid_file = " << d << "/run/$name.pid\n"
        << "mon_data = " << d << "/mon.$id\n"
        << "osd_data = " << d << "/osd$id\n"
        << "osd_journal = " << d << "/osd$id/journal\n"
        << "mon_cluster_log_file = " << d << "/cluster.log\n"
        << "crash_dir = " << d << "/crash\n"
        << "keyring = /dev/null\n"
        << "rgw_frontends = beast endpoint=127.0.0.1:" << rgw_port_ << "\n"
        << "rgw_data = " << d << "/rgw\n";
    const std::string conf = " -c " + d + "/ceph.conf";
    const std::string quiet = " >>" + d + "/setup.log 2>&1";
    auto run = [&](const std::string& cmd) { return std::system((cmd + quiet).c_str()) == 0; };
    if (!run("monmaptool --create --fsid " + fsid +
             " --addv a '[v1:127.0.0.1:" + std::to_string(mon_port_) + "]' " + d + "/monmap")) {
      return fail("monmaptool failed (is Debian's ceph-mon installed?)");
    }
    if (!run("ceph-mon" + conf + " --mkfs -i a --monmap " + d + "/monmap")) {
      return fail("ceph-mon --mkfs failed");
    }
    if (!run("ceph-mon" + conf + " -i a")) return fail("ceph-mon did not start");
    // The OSD's uuid must be the one registered, or the monitor ignores its boot message.
    // The ceph CLI (librados) has the same race as the OSD and no --no-mon-config: its first
    // command can leave with a zero fsid and come back EPERM ("problem getting command
    // descriptions from mon"; seen in 3 of 21 starts of ctest -j2 -L s3). Only that answer is
    // retried; `osd new` with the same uuid is idempotent.
    bool registered = false;
    const std::string osd_new =
        "timeout 30 ceph" + conf + " osd new " + osd_uuid + " >" + d + "/osd_new.out 2>&1";
    for (int attempt = 1; attempt <= 5 && !registered; ++attempt) {
      registered = std::system(osd_new.c_str()) == 0;
      std::ifstream out(dir_ / "osd_new.out");
      std::ofstream(dir_ / "setup.log", std::ios::app) << out.rdbuf();
      if (!registered && !file_contains(dir_ / "osd_new.out", "EPERM")) break;
      if (!registered) {
        // Said on stderr (kept in CTest's LastTest.log) so a retry is never silent.
        std::fprintf(stderr, "CephCluster: `ceph osd new` refused (EPERM), retrying;%s\n",
                     monitor_refusals().c_str());
      }
    }
    if (!registered) return fail("ceph osd new failed");
    // --no-mon-config: see the class comment (the "wrong fsid" race).
    const std::string osd = "ceph-osd" + conf + " --no-mon-config -i 0";
    if (!run(osd + " --mkfs --osd-uuid " + osd_uuid)) return fail("ceph-osd --mkfs failed");
    if (!run(osd)) return fail("ceph-osd did not start (see " + d + "/osd.0.log)");
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {
      up = std::system(
               ("timeout 5 ceph" + conf + " osd stat 2>/dev/null | grep -q ' 1 up'").c_str()) == 0;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    if (!up) return fail("the OSD did not come up (see " + d + "/osd.0.log)");
    if (!run("radosgw" + conf + " -n client.rgw")) return fail("radosgw did not start");
    HttpClient http;
    bool answering = false;
    for (int i = 0; i < 200 && !answering; ++i) {
      HttpRequest req;
      req.url = endpoint() + "/";
      req.timeout_ms = 1000;
      auto r = http.send(req);
      answering = r.ok() && r.value().status == 200;
      if (!answering) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (!answering) return fail("radosgw does not answer on " + endpoint());
    if (!run("timeout 60 radosgw-admin" + conf +
             " user create --uid=sptest --display-name=sptest --access-key=" + kAccessKey +
             " --secret-key=" + kSecretKey)) {
      return fail("radosgw-admin user create failed");
    }
    return std::nullopt;
  }

  // The monitor's refusals, which name their cause ("handle_command on fsid ... != ...").
  std::string monitor_refusals() const {
    std::string out;
    std::ifstream mon_log(dir_ / "mon.a.log");
    for (std::string line; std::getline(mon_log, line);) {
      if (line.find("on fsid") != std::string::npos) out += "\nmon.a.log: " + line;
    }
    return out;
  }
  static bool file_contains(const std::filesystem::path& file, std::string_view what) {
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    return text.find(what) != std::string::npos;
  }
  // Whether a daemon failed because its port was taken (the monitor's or radosgw's log).
  bool port_taken() const {
    return file_contains(dir_ / "mon.a.log", "Address already in use") ||
           file_contains(dir_ / "client.rgw.log", "Address already in use");
  }
  // A random (version 4) UUID: a fresh fsid per cluster, so a daemon or client that reached
  // another cluster by mistake is refused instead of joining it.
  static std::string random_uuid() {
    std::random_device rd;
    std::array<unsigned char, 16> b{};
    for (auto& x : b) x = static_cast<unsigned char>(rd());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    std::string out;
    static const char* kHex = "0123456789abcdef";
    for (size_t i = 0; i < b.size(); ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
      out += kHex[b[i] >> 4];
      out += kHex[b[i] & 0x0f];
    }
    return out;
  }
  // The reason, with the end of the set-up output (the folder is removed with the test's).
  std::optional<std::string> fail(const std::string& what) {
    stop();
    std::ifstream in(dir_ / "setup.log");
    std::string log((std::istreambuf_iterator<char>(in)), {});
    if (log.size() > 2000) log = log.substr(log.size() - 2000);
    return what + "; set-up output:\n" + log + monitor_refusals();
  }
  std::filesystem::path dir_;
  int mon_port_ = 0;
  int rgw_port_ = 0;
};

}  // namespace stockpulse::testing
