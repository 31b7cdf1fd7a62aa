#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "sink/http_client.h"
#include "sink/tests/clickhouse_server.h"  // free_port()

namespace stockpulse::testing {

// A single-node, in-memory Ceph cluster with an S3 gateway (Debian's ceph-mon, ceph-osd,
// radosgw; DESIGN.md §10): one monitor on msgr v1 only, one memstore OSD, pools of size 1, auth
// none inside the cluster, radosgw's beast frontend on a free port of 127.0.0.1, and one S3 user
// with fixed keys. Start-up takes ~15 s, so a test suite shares one.
// Lifecycle: start() once; the destructor kills the daemons (by their pid files).
// Thread-safety: none.
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
    namespace fs = std::filesystem;
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "run");
    fs::create_directories(dir_ / "mon.a");
    fs::create_directories(dir_ / "osd0");
    mon_port_ = free_port();
    rgw_port_ = free_port();
    const std::string fsid = "7c6f2b7e-1d3a-4c55-9a11-5e3b2f1c0a01";
    const std::string osd_uuid = "0b0e5a52-6d8e-4a1b-8c3f-2f4d6a7b9c10";
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
    if (!run("timeout 30 ceph" + conf + " osd new " + osd_uuid)) return fail("ceph osd new failed");
    if (!run("ceph-osd" + conf + " -i 0 --mkfs --osd-uuid " + osd_uuid)) {
      return fail("ceph-osd --mkfs failed");
    }
    if (!run("ceph-osd" + conf + " -i 0")) return fail("ceph-osd did not start");
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
  // The reason, with the end of the set-up output (the folder is removed with the test's).
  std::optional<std::string> fail(const std::string& what) {
    stop();
    std::ifstream in(dir_ / "setup.log");
    std::string log((std::istreambuf_iterator<char>(in)), {});
    if (log.size() > 2000) log = log.substr(log.size() - 2000);
    return what + "; set-up output:\n" + log;
  }
  std::filesystem::path dir_;
  int mon_port_ = 0;
  int rgw_port_ = 0;
};

}  // namespace stockpulse::testing
