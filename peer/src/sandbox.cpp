// The kernel mechanisms that isolate a task process. Runs in the zygote and in
// its children (osgrid-task), never in the peer. The order of the steps, and
// why each one is there, is in zygote.cpp; the threat model in docs/security.md.
//
// [SECTION] Small helpers
// [SECTION] The mount jail (once, in the zygote)
// [SECTION] Lock-down helpers
// [SECTION] Public steps
// [SECTION] Probing what this machine allows
#include "sandbox_impl.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace osgrid::peer::sandbox {
namespace {

// ---------------------------------------------------------------------------
// [SECTION] Small helpers

/// "what: strerror(errno)", e.g. "mount /usr: Operation not permitted".
std::string Failed(const std::string& what) { return what + ": " + std::strerror(errno); }

/// Writes `text` to the file `path` (for /proc/self/uid_map and friends).
std::string WriteFile(const char* path, const std::string& text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Failed(std::string("open ") + path);
  ssize_t written = write(fd, text.data(), text.size());
  int saved = errno;
  close(fd);
  errno = saved;
  if (written != static_cast<ssize_t>(text.size())) return Failed(std::string("write ") + path);
  return "";
}

bool IsDirectory(const std::string& path) {
  struct stat info {};
  return lstat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool IsSymlink(const std::string& path) {
  struct stat info {};
  return lstat(path.c_str(), &info) == 0 && S_ISLNK(info.st_mode);
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// ---------------------------------------------------------------------------
// [SECTION] The mount jail (once, in the zygote)
//
// The new root is a small tmpfs holding only what a Python program needs:
//   /usr                      read-only bind of the host's (Python, its stdlib
//                             and the shared libraries live there)
//   <the Python home>         when the embedded Python lives outside /usr (pyenv,
//                             conda: /root/.pyenv/versions/3.11.7), a read-only
//                             bind of that one folder at the same path; the
//                             folders above it are empty (no rest of /root)
//   /bin /lib /lib64 ...      the same symlinks into usr/ as the host (merged
//                             /usr), or read-only binds where they are folders
//   /etc/{passwd,group,...}   a few harmless files, read-only; no /etc/shadow
//   /dev/{null,zero,...}      binds of the five harmless devices
//   /tmp                      a mount point: each task mounts its own tmpfs
//   /proc                     an empty folder: other processes stay invisible
// Everything else of the host (home folders, the peer's storage, /work,
// /proc, /sys, sockets in /run) does not exist in the jail.

constexpr const char* kNewRoot = "/tmp";  // where the new root is built, before pivot_root

/// Host folders that may be symlinks into /usr (merged /usr) or real folders.
constexpr const char* kTopLevelLinks[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};

/// Host files bound read-only into /etc. ld.so.cache lets extension modules
/// find their shared libraries; localtime gives time.localtime() its zone.
constexpr const char* kEtcFiles[] = {"passwd", "group", "hosts", "nsswitch.conf", "ld.so.cache", "localtime"};

constexpr const char* kDevices[] = {"null", "zero", "full", "random", "urandom"};

/// The flags of the mount holding `path` that a remount must repeat: in a user
/// namespace the kernel refuses to clear nodev, noexec or the atime flags of a
/// mount it inherited (mount(2), EPERM), as a home folder's mount may have.
unsigned long InheritedMountFlags(const std::string& path) {
  struct statvfs info {};
  if (statvfs(path.c_str(), &info) != 0) return 0;
  constexpr struct {
    unsigned long statvfs_flag, mount_flag;
  } kFlags[] = {{ST_NODEV, MS_NODEV},
                {ST_NOEXEC, MS_NOEXEC},
                {ST_NOATIME, MS_NOATIME},
                {ST_NODIRATIME, MS_NODIRATIME},
                {ST_RELATIME, MS_RELATIME}};
  unsigned long flags = 0;
  for (const auto& flag : kFlags) {
    if (info.f_flag & flag.statvfs_flag) flags |= flag.mount_flag;
  }
  return flags;
}

/// Binds host `source` read-only onto `target` (which must exist).
std::string BindReadOnly(const std::string& source, const std::string& target) {
  if (mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    return Failed("bind " + source);
  }
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | InheritedMountFlags(source);
  if (mount(nullptr, target.c_str(), nullptr, flags, nullptr) != 0) {
    return Failed("remount read-only " + target);
  }
  return "";
}

/// Makes an empty regular file at `path` to bind a file onto.
std::string Touch(const std::string& path) {
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return Failed("create " + path);
  close(fd);
  return "";
}

/// Copies host symlink `path` (e.g. /lib -> usr/lib) to `root` + path.
std::string CopySymlink(const std::string& path, const std::string& root) {
  char target[4096];
  ssize_t length = readlink(path.c_str(), target, sizeof target - 1);
  if (length < 0) return Failed("readlink " + path);
  target[length] = '\0';
  if (symlink(target, (root + path).c_str()) != 0) return Failed("symlink " + root + path);
  return "";
}

std::string PopulateUsrAndLinks(const std::string& root) {
  if (mkdir((root + "/usr").c_str(), 0755) != 0) return Failed("mkdir /usr");
  if (std::string error = BindReadOnly("/usr", root + "/usr"); !error.empty()) return error;
  for (const char* name : kTopLevelLinks) {
    std::string path = std::string("/") + name;
    if (IsSymlink(path)) {
      if (std::string error = CopySymlink(path, root); !error.empty()) return error;
    } else if (IsDirectory(path)) {
      if (mkdir((root + path).c_str(), 0755) != 0) return Failed("mkdir " + path);
      if (std::string error = BindReadOnly(path, root + path); !error.empty()) return error;
    }
  }
  return "";
}

std::string PopulateEtc(const std::string& root) {
  if (mkdir((root + "/etc").c_str(), 0755) != 0) return Failed("mkdir /etc");
  for (const char* name : kEtcFiles) {
    std::string path = std::string("/etc/") + name;
    if (IsSymlink(path)) {
      if (std::string error = CopySymlink(path, root); !error.empty()) return error;
    } else if (Exists(path)) {
      if (std::string error = Touch(root + path); !error.empty()) return error;
      if (std::string error = BindReadOnly(path, root + path); !error.empty()) return error;
    }
  }
  return "";
}

std::string PopulateDev(const std::string& root) {
  if (mkdir((root + "/dev").c_str(), 0755) != 0) return Failed("mkdir /dev");
  for (const char* name : kDevices) {
    std::string path = std::string("/dev/") + name;
    if (std::string error = Touch(root + path); !error.empty()) return error;
    if (mount(path.c_str(), (root + path).c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return Failed("bind " + path);
    }
  }
  return "";
}

/// True if `path` is `folder` or lies under it ("/usr/local" is under "/usr").
bool IsUnder(const std::string& path, const std::string& folder) {
  return path == folder || path.rfind(folder + "/", 0) == 0;
}

/// The components of absolute `path` ("/root/.pyenv" -> {"root", ".pyenv"});
/// empty if it is not absolute, is "/", or has "." or ".." components.
std::vector<std::string> PathComponents(const std::string& path) {
  std::vector<std::string> components;
  if (path.empty() || path[0] != '/') return {};
  for (std::size_t start = 1; start <= path.size();) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string component = path.substr(start, end - start);
    if (component == "." || component == "..") return {};
    if (!component.empty()) components.push_back(component);
    start = end + 1;
  }
  return components;
}

/// Binds the embedded Python's home (`home`, its sys.prefix) read-only at the
/// same path in the jail, so that its standard library, extension modules and
/// libpython are where CPython looks. Nothing to do under /usr, which is bound
/// already. Only `home` itself is bound: the folders above it are made empty
/// on the jail's tmpfs, so the rest of, say, /root stays out of sight.
std::string ExposePythonHome(const std::string& root, const std::string& home) {
  if (IsUnder(home, "/usr")) return "";
  std::vector<std::string> components = PathComponents(home);
  if (components.empty()) return "the Python home '" + home + "' is not a plain absolute path";
  std::string top = "/" + components.front();
  struct stat info {};
  if (lstat((root + top).c_str(), &info) == 0) {  // /etc, /tmp, /lib...: the jail's own
    return "the Python home " + home + " lies under " + top +
           ", which the jail provides itself; build osgrid against a Python installed elsewhere";
  }
  std::string path;
  for (const std::string& component : components) {
    path += "/" + component;
    if (mkdir((root + path).c_str(), 0755) != 0) return Failed("mkdir " + path);
  }
  return BindReadOnly(home, root + home);
}

/// Makes `root` the root: pivot_root(".", ".") stacks the old root on top of
/// the new one, and the lazy unmount then drops it (pivot_root(2), NOTES).
std::string PivotInto(const std::string& root) {
  if (chdir(root.c_str()) != 0) return Failed("chdir " + root);
  if (syscall(SYS_pivot_root, ".", ".") != 0) return Failed("pivot_root");
  if (umount2(".", MNT_DETACH) != 0) return Failed("unmount the old root");
  if (chdir("/") != 0) return Failed("chdir /");
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV;
  if (mount(nullptr, "/", nullptr, flags, nullptr) != 0) return Failed("remount / read-only");
  return "";
}

std::string BuildRoot(const std::string& python_home) {
  // Mounts made from now on stay in our namespace (no propagation to the host).
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Failed("make mounts private");
  }
  std::string root = kNewRoot;
  if (mount("osgrid-root", root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0) {
    return Failed("mount the jail's tmpfs");
  }
  for (auto step : {PopulateUsrAndLinks, PopulateEtc, PopulateDev}) {
    if (std::string error = step(root); !error.empty()) return error;
  }
  if (mkdir((root + "/tmp").c_str(), 0755) != 0) return Failed("mkdir /tmp");
  if (mkdir((root + "/proc").c_str(), 0555) != 0) return Failed("mkdir /proc");
  if (std::string error = ExposePythonHome(root, python_home); !error.empty()) return error;
  return PivotInto(root);
}

/// Unprivileged: a user namespace in which we hold capabilities, mapping our
/// own uid and gid to themselves (user_namespaces(7)).
std::string EnterUserNamespace(uid_t uid, gid_t gid) {
  if (unshare(CLONE_NEWUSER) != 0) return Failed("unshare(CLONE_NEWUSER)");
  std::string error = WriteFile("/proc/self/setgroups", "deny");
  if (error.empty()) error = WriteFile("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1");
  if (error.empty()) error = WriteFile("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1");
  return error;
}

// ---------------------------------------------------------------------------
// [SECTION] Lock-down helpers

/// Exports the BPF program of `filter` into compiled_filter (through a memfd:
/// libseccomp 2.5 exports to a file descriptor). Returns 0 or -errno.
int ExportBpf(scmp_filter_ctx filter);

/// Drops every capability of this process (capset(2)).
std::string DropCapabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &header, data) != 0) return Failed("capset");
  return "";
}

/// System calls a task has no business making. Denied with EPERM, so Python
/// raises PermissionError: [Errno 1] Operation not permitted.
constexpr int kDeniedSyscalls[] = {
    // inspecting or controlling other processes
    SCMP_SYS(ptrace),
    SCMP_SYS(process_vm_readv),
    SCMP_SYS(process_vm_writev),
    SCMP_SYS(kcmp),
    SCMP_SYS(pidfd_getfd),
    SCMP_SYS(pidfd_send_signal),
    // new processes (threads are allowed: see the clone rule)
    SCMP_SYS(fork),
    SCMP_SYS(vfork),
    // leaving the jail: mounts and namespaces
    SCMP_SYS(mount),
    SCMP_SYS(umount2),
    SCMP_SYS(pivot_root),
    SCMP_SYS(chroot),
    SCMP_SYS(move_mount),
    SCMP_SYS(open_tree),
    SCMP_SYS(fsopen),
    SCMP_SYS(fsconfig),
    SCMP_SYS(fsmount),
    SCMP_SYS(fspick),
    SCMP_SYS(mount_setattr),
    SCMP_SYS(unshare),
    SCMP_SYS(setns),
    SCMP_SYS(open_by_handle_at),
    SCMP_SYS(name_to_handle_at),
    // the kernel itself
    SCMP_SYS(kexec_load),
    SCMP_SYS(kexec_file_load),
    SCMP_SYS(init_module),
    SCMP_SYS(finit_module),
    SCMP_SYS(delete_module),
    SCMP_SYS(reboot),
    SCMP_SYS(swapon),
    SCMP_SYS(swapoff),
    SCMP_SYS(acct),
    SCMP_SYS(syslog),
    SCMP_SYS(iopl),
    SCMP_SYS(ioperm),
    SCMP_SYS(quotactl),
    SCMP_SYS(bpf),
    SCMP_SYS(perf_event_open),
    SCMP_SYS(userfaultfd),
    SCMP_SYS(lookup_dcookie),
    SCMP_SYS(fanotify_init),
    SCMP_SYS(vhangup),
    // the machine's clock and name
    SCMP_SYS(settimeofday),
    SCMP_SYS(clock_settime),
    SCMP_SYS(clock_adjtime),
    SCMP_SYS(adjtimex),
    SCMP_SYS(sethostname),
    SCMP_SYS(setdomainname),
    // the kernel keyring
    SCMP_SYS(keyctl),
    SCMP_SYS(add_key),
    SCMP_SYS(request_key),
    // io_uring does its work outside the reach of this filter
    SCMP_SYS(io_uring_setup),
    SCMP_SYS(io_uring_enter),
    SCMP_SYS(io_uring_register),
};

/// The filter compiled to BPF once in the zygote (CompileSeccompFilter), so a
/// child installs it with one prctl instead of compiling it again.
std::vector<sock_filter> compiled_filter;

/// Builds the filter and, with `load`, loads it into this process; without,
/// exports its BPF program into compiled_filter. The rules:
///   allow by default, deny the list above, and
///   clone  without CLONE_THREAD (a new process)        -> EPERM
///   clone3 (its flags are out of a filter's reach)     -> ENOSYS, so glibc's
///          pthread_create falls back to clone, which the rule above checks
///   socket/socketpair of any family but AF_UNIX         -> EPERM
/// Syscalls of another architecture (x32, i386) kill the process (libseccomp's
/// default for a foreign architecture).
std::string BuildSeccompFilter(bool load) {
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
  if (filter == nullptr) return "seccomp_init failed";
  int error = 0;
  for (int syscall_number : kDeniedSyscalls) {
    if (error == 0) error = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), syscall_number, 0);
  }
  if (error == 0) {
    error = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  }
  if (error == 0) error = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  for (int syscall_number : {SCMP_SYS(socket), SCMP_SYS(socketpair)}) {
    if (error == 0) {
      error = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), syscall_number, 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
    }
  }
  if (error == 0 && load) error = seccomp_load(filter);
  if (error == 0 && !load) error = ExportBpf(filter);
  seccomp_release(filter);
  if (error != 0) return std::string("seccomp: ") + std::strerror(-error);
  return "";
}

/// Installs compiled_filter. Needs no_new_privs (or CAP_SYS_ADMIN).
std::string InstallCompiledFilter() {
  sock_fprog program{static_cast<unsigned short>(compiled_filter.size()), compiled_filter.data()};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) return Failed("PR_SET_SECCOMP");
  return "";
}

int ExportBpf(scmp_filter_ctx filter) {
  int fd = memfd_create("osgrid-seccomp", MFD_CLOEXEC);
  if (fd < 0) return -errno;
  int error = seccomp_export_bpf(filter, fd);
  off_t size = error == 0 ? lseek(fd, 0, SEEK_END) : 0;
  if (error == 0 && (size <= 0 || size % sizeof(sock_filter) != 0)) error = -EINVAL;
  if (error == 0) {
    compiled_filter.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
    if (pread(fd, compiled_filter.data(), static_cast<std::size_t>(size), 0) != size) error = -EIO;
  }
  close(fd);
  if (error != 0) compiled_filter.clear();
  return error;
}

}  // namespace

// ---------------------------------------------------------------------------
// [SECTION] Public steps

void Report::Missing(std::uint32_t layer, const std::string& why) {
  layers &= ~layer;
  if (!problems.empty()) problems += "; ";
  problems += why;
}

void BuildJail(Report& report, const std::string& python_home) {
  if (geteuid() != 0) {
    if (std::string error = EnterUserNamespace(geteuid(), getegid()); !error.empty()) {
      report.Missing(kMountJail | kPidNamespace | kNetNamespace | kIpcNamespace,
                     "no user namespace (" + error + "): no namespaces and no mount jail");
      return;
    }
  }
  if (unshare(CLONE_NEWNS) != 0) {
    report.Missing(kMountJail, Failed("mount jail: unshare(CLONE_NEWNS)"));
    return;
  }
  if (std::string error = BuildRoot(python_home); !error.empty()) {
    report.Missing(kMountJail, "mount jail: " + error);
  }
}

std::string EnterTaskNamespaces(std::uint32_t layers, uid_t owner, std::uint64_t tmp_bytes) {
  int flags = 0;
  if (layers & kPidNamespace) flags |= CLONE_NEWPID;
  if (layers & kNetNamespace) flags |= CLONE_NEWNET;
  if (layers & kIpcNamespace) flags |= CLONE_NEWIPC | CLONE_NEWUTS;
  if (layers & kMountJail) flags |= CLONE_NEWNS;
  if (flags != 0 && unshare(flags) != 0) return Failed("unshare");
  if (layers & kNetNamespace) sethostname("osgrid-task", 11);
  if (layers & kMountJail) {
    std::string options = "size=" + std::to_string(tmp_bytes) + ",mode=0700,uid=" + std::to_string(owner) +
                          ",gid=" + std::to_string(owner);
    if (mount("osgrid-scratch", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      return Failed("mount the task's /tmp");
    }
  }
  return "";
}

std::string LockDown(std::uint32_t layers, uid_t task_uid) {
  if (layers & kNoPrivileges) {
    if (geteuid() == 0) {  // root on the host: become the task's own uid
      if (setgroups(0, nullptr) != 0) return Failed("setgroups");
      if (setresgid(task_uid, task_uid, task_uid) != 0) return Failed("setresgid");
      if (setresuid(task_uid, task_uid, task_uid) != 0) return Failed("setresuid");
    }
    if (std::string error = DropCapabilities(); !error.empty()) return error;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Failed("PR_SET_NO_NEW_PRIVS");
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // no core files, no /proc peeking
  }
  if (layers & kSeccomp) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Failed("PR_SET_NO_NEW_PRIVS");
    std::string error = compiled_filter.empty() ? BuildSeccompFilter(/*load=*/true) : InstallCompiledFilter();
    if (!error.empty()) return error;
  }
  return "";
}

std::string CompileSeccompFilter() { return BuildSeccompFilter(/*load=*/false); }

std::string ApplyLimits(std::uint32_t layers, const TaskLimits& limits) {
  if (!(layers & kRlimits)) return "";
  struct Limit {
    int resource;
    const char* name;
    std::uint64_t value;
  };
  const Limit table[] = {
      {RLIMIT_AS, "RLIMIT_AS", limits.memory_bytes},     {RLIMIT_CPU, "RLIMIT_CPU", limits.cpu_seconds},
      {RLIMIT_FSIZE, "RLIMIT_FSIZE", limits.file_bytes}, {RLIMIT_NOFILE, "RLIMIT_NOFILE", limits.open_files},
      {RLIMIT_NPROC, "RLIMIT_NPROC", limits.threads},    {RLIMIT_CORE, "RLIMIT_CORE", 0},
  };
  for (const Limit& limit : table) {
    rlimit value{limit.value, limit.value};  // soft = hard: the hard CPU limit is SIGKILL
    if (setrlimit(limit.resource, &value) != 0) return Failed(std::string("setrlimit ") + limit.name);
  }
  // Past RLIMIT_FSIZE a write fails with EFBIG ("File too large") instead of
  // killing the process with SIGXFSZ.
  signal(SIGXFSZ, SIG_IGN);
  return "";
}

// ---------------------------------------------------------------------------
// [SECTION] Probing what this machine allows

void ProbeChildLayers(Report& report) {
  struct Probe {
    std::uint32_t layer;
    const char* name;
  };
  const Probe probes[] = {
      {kPidNamespace, "pid namespace"}, {kNetNamespace, "network namespace"}, {kIpcNamespace, "ipc namespace"}};
  for (const Probe& probe : probes) {
    if (!(report.layers & probe.layer)) continue;
    pid_t child = fork();
    if (child == 0)
      _exit(unshare(probe.layer == kPidNamespace   ? CLONE_NEWPID
                    : probe.layer == kNetNamespace ? CLONE_NEWNET
                                                   : CLONE_NEWIPC | CLONE_NEWUTS) == 0
                ? 0
                : 1);
    int status = 0;
    bool works = child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!works) report.Missing(probe.layer, std::string(probe.name) + ": not permitted here");
  }
  // seccomp: load the real filter in a throwaway child.
  pid_t child = fork();
  if (child == 0) _exit(BuildSeccompFilter(/*load=*/true).empty() ? 0 : 1);
  int status = 0;
  bool works = child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!works) report.Missing(kSeccomp, "seccomp filter: cannot be loaded here");
}

}  // namespace osgrid::peer::sandbox
