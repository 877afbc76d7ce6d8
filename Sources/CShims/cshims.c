#define _GNU_SOURCE
#include "cshims.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

int shim_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL); }
int shim_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int shim_pipe2_cloexec_nonblock_read(int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    int flags = fcntl(fds[0], F_GETFL);
    return fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
}

int shim_set_nofile_max(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    rl.rlim_cur = rl.rlim_max;
    return setrlimit(RLIMIT_NOFILE, &rl);
}

int shim_signalfd(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int shim_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && errno == EAGAIN) return 0;
    return -1;
}

int shim_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int shim_epoll_add(int epfd, int fd, uint64_t token) {
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = token };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int shim_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int shim_epoll_wait(int epfd, uint64_t *tokens, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) tokens[i] = evs[i].data.u64;
    return n;
}

int shim_timerfd_create(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

int shim_timerfd_set_abs(int fd, int64_t ns) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    if (ns > 0) {
        spec.it_value.tv_sec = ns / 1000000000LL;
        spec.it_value.tv_nsec = ns % 1000000000LL;
    }
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

int64_t shim_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The spawn child runs on its own small stack, sharing memory and the fd table with the suspended
 * parent (CLONE_VM | CLONE_VFORK | CLONE_FILES). Its first act unshares the fd table keeping only the
 * fds below `reserved + 1`, so a supervisor holding thousands of descriptors pays nothing for them:
 * no copy of the whole table, no close of each entry. */
#define SPAWN_STACK_SIZE (256 * 1024)
static char *spawn_stack;
static int reserved_fd = -1;

struct spawn_args {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *cwd;
    const struct shim_identity *identity;
    int pdeathsig, group_mode, has_output;
    pid_t parent;
    volatile int error;
};

int shim_spawn_init(void) {
    if (reserved_fd >= 0) return 0;
    spawn_stack = malloc(SPAWN_STACK_SIZE);
    if (!spawn_stack) return -1;
    reserved_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return reserved_fd >= 0 ? 0 : -1;
}

static int spawn_child(void *raw) {
    struct spawn_args *a = raw;
    /* Private fd table holding only 0..reserved_fd (reserved_fd carries the output pipe). */
    if (syscall(SYS_close_range, (unsigned)reserved_fd + 1, ~0U, CLOSE_RANGE_UNSHARE) != 0) {
        if (syscall(SYS_unshare, CLONE_FILES) != 0) { a->error = errno; _exit(127); }
        syscall(SYS_close_range, (unsigned)reserved_fd + 1, ~0U, 0U);
    }
    if (reserved_fd > 3) syscall(SYS_close_range, 3U, (unsigned)reserved_fd - 1, 0U);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
    if (a->group_mode == 2 && setsid() < 0) { a->error = errno; _exit(127); }
    if (a->group_mode == 1 && setpgid(0, 0) != 0) { a->error = errno; _exit(127); }
    /* Raw system calls, not glibc's setuid family: those broadcast the change to every thread of
     * what glibc believes is this process, and with CLONE_VM that would be the supervisor's threads.
     * The kernel clears PDEATHSIG when credentials change, so this comes before it is set. */
    const struct shim_identity *id = a->identity;
    if (id) {
        if (syscall(SYS_setgroups, (size_t)id->group_count, id->groups) != 0) { a->error = errno; _exit(127); }
        if (syscall(SYS_setresgid, id->gid, id->gid, id->gid) != 0) { a->error = errno; _exit(127); }
        if (syscall(SYS_setresuid, id->uid, id->uid, id->uid) != 0) { a->error = errno; _exit(127); }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0) { a->error = errno; _exit(127); }
    }
    if (a->pdeathsig > 0) {
        if (prctl(PR_SET_PDEATHSIG, (unsigned long)a->pdeathsig, 0UL, 0UL, 0UL) != 0) { a->error = errno; _exit(127); }
        if (getppid() != a->parent) _exit(127);
    }
    if (a->has_output && (dup2(reserved_fd, 1) < 0 || dup2(reserved_fd, 2) < 0)) { a->error = errno; _exit(127); }
    close(reserved_fd);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0) { a->error = errno; _exit(127); }
    if (devnull > 2) close(devnull);
    if (a->cwd && chdir(a->cwd) != 0) { a->error = errno; _exit(127); }
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(a->path, a->argv, a->envp);
    a->error = errno ? errno : ENOEXEC;
    _exit(127);
}

pid_t shim_spawn(const char *path, char *const argv[], char *const envp[],
                 int out_fd, const char *cwd, int pdeathsig, int group_mode,
                 const struct shim_identity *identity, int *error) {
    if (shim_spawn_init() != 0) { *error = errno; return -1; }
    struct spawn_args args = {
        .path = path, .argv = argv, .envp = envp, .cwd = cwd, .identity = identity, .pdeathsig = pdeathsig,
        .group_mode = group_mode, .has_output = out_fd >= 0, .parent = getpid(), .error = 0,
    };
    /* The output pipe rides in the reserved low slot; without one, stdout/stderr stay as inherited. */
    if (out_fd >= 0 && dup2(out_fd, reserved_fd) < 0) { *error = errno; return -1; }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(spawn_child, spawn_stack + SPAWN_STACK_SIZE,
                      CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &args);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    /* Point the reserved slot back at /dev/null so no pipe is held open by it. */
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) { dup3(devnull, reserved_fd, O_CLOEXEC); close(devnull); }
    if (pid < 0) { *error = saved; return -1; }
    if (args.error != 0) { *error = args.error; return -1; }
    *error = 0;
    return pid;
}

/* nftw offers no context argument; the supervisor changes owners from its one thread. */
static __thread uid_t chown_uid;
static __thread gid_t chown_gid;

static int chown_entry(const char *path, const struct stat *info, int type, struct FTW *where) {
    (void)type; (void)where;
    if (info->st_uid == chown_uid && info->st_gid == chown_gid) return 0;
    return lchown(path, chown_uid, chown_gid) == 0 ? 0 : -1;
}

int shim_chown_tree(const char *path, uid_t uid, gid_t gid) {
    chown_uid = uid;
    chown_gid = gid;
    return nftw(path, chown_entry, 32, FTW_PHYS | FTW_MOUNT);
}

int shim_wifexited(int status) { return WIFEXITED(status); }
int shim_wexitstatus(int status) { return WEXITSTATUS(status); }
int shim_wifsignaled(int status) { return WIFSIGNALED(status); }
int shim_wtermsig(int status) { return WTERMSIG(status); }
int shim_wcoredump(int status) { return WCOREDUMP(status); }

static socklen_t fill_addr(struct sockaddr_un *addr, const char *name) {
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    size_t len = strlen(name);
    if (len >= sizeof addr->sun_path) { errno = ENAMETOOLONG; return 0; }
    memcpy(addr->sun_path, name, len);
    if (name[0] == '@') {
        addr->sun_path[0] = '\0';
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    }
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

int shim_notify_socket(const char *name) {
    struct sockaddr_un addr;
    socklen_t len = fill_addr(&addr, name);
    if (len == 0) return -1;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&addr, len) != 0) {
        int e = errno; close(fd); errno = e; return -1;
    }
    return fd;
}

ssize_t shim_notify_recv(int fd, char *buf, size_t cap, pid_t *pid, uid_t *uid, gid_t *gid) {
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 253)];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = cap };
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) return -1;
    int have_cred = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            *pid = cred.pid; *uid = cred.uid; *gid = cred.gid;
            have_cred = 1;
        } else if (c->cmsg_type == SCM_RIGHTS) {
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int *fds = (int *)CMSG_DATA(c);
            for (size_t i = 0; i < count; i++) close(fds[i]);
        }
    }
    if ((msg.msg_flags & MSG_TRUNC) || (size_t)n > cap) return -2;
    if (!have_cred) return -3;
    return n;
}

int shim_peer_cred(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *pid = cred.pid; *uid = cred.uid; *gid = cred.gid;
    return 0;
}

int shim_listen_unix(const char *path) {
    struct sockaddr_un addr;
    socklen_t len = fill_addr(&addr, path);
    if (len == 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    mode_t old = umask(0177);
    int rc = bind(fd, (struct sockaddr *)&addr, len);
    umask(old);
    if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 64) != 0) { int e = errno; close(fd); errno = e; return -1; }
    return fd;
}

int shim_connect_unix(const char *path) {
    struct sockaddr_un addr;
    socklen_t len = fill_addr(&addr, path);
    if (len == 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, len) != 0) { int e = errno; close(fd); errno = e; return -1; }
    return fd;
}

int shim_accept(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK); }

int shim_inotify_init(void) { return inotify_init1(IN_CLOEXEC | IN_NONBLOCK); }
int shim_inotify_add(int fd, const char *path, uint32_t mask) { return inotify_add_watch(fd, path, mask); }
uint32_t shim_in_moved_to(void) { return IN_MOVED_TO; }
uint32_t shim_in_close_write(void) { return IN_CLOSE_WRITE; }
uint32_t shim_in_modify(void) { return IN_MODIFY; }
uint32_t shim_in_create(void) { return IN_CREATE; }
