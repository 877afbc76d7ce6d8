#ifndef ROSTER_CSHIMS_H
#define ROSTER_CSHIMS_H

#include <sys/types.h>
#include <stdint.h>
#include <signal.h>

/// Linux calls that Swift's Glibc module does not import (variadic, macros, or _GNU_SOURCE only).

int shim_set_child_subreaper(void);
int shim_pidfd_open(pid_t pid);
int shim_pipe2_cloexec_nonblock_read(int fds[2]);
int shim_set_nofile_max(void);

/// Block the given signals in the calling thread and return a non-blocking, close-on-exec signalfd for them.
int shim_signalfd(const int *signals, int count);
/// Read one signal number from a signalfd; 0 when none is pending, -1 on error.
int shim_signalfd_read(int fd);

int shim_epoll_create(void);
int shim_epoll_add(int epfd, int fd, uint64_t token);
int shim_epoll_del(int epfd, int fd);
/// Wait for events: fills tokens (up to max); timeout_ms -1 = forever. Returns count or -1 (errno).
int shim_epoll_wait(int epfd, uint64_t *tokens, int max, int timeout_ms);

int shim_timerfd_create(void);
/// Arm a monotonic timerfd at an absolute CLOCK_MONOTONIC time in nanoseconds; 0 disarms.
int shim_timerfd_set_abs(int fd, int64_t ns);
int64_t shim_monotonic_ns(void);

/// Prepares spawning (a reserved low descriptor and the child's stack); called by shim_spawn too.
int shim_spawn_init(void);

/// Who a spawned process runs as: set in the child before anything else of it runs.
struct shim_identity {
    uid_t uid;
    gid_t gid;
    /// Supplementary groups (group_count entries; none when 0).
    const gid_t *groups;
    int group_count;
};

/// Start a process: default signal dispositions, empty mask, PDEATHSIG (when > 0), stdin from
/// /dev/null, stdout and stderr to out_fd (or inherited when -1), every other fd closed, cwd changed.
/// group_mode: 0 = stay in the caller's process group, 1 = a new process group, 2 = a new session.
/// identity: the user and groups to switch to, then PR_SET_NO_NEW_PRIVS, so that set-user-ID
/// programs and file capabilities grant nothing (NULL keeps the caller's).
/// Returns the pid, or -1 with *error set to the errno of the failed step (exec included).
pid_t shim_spawn(const char *path, char *const argv[], char *const envp[],
                 int out_fd, const char *cwd, int pdeathsig, int group_mode,
                 const struct shim_identity *identity, int *error);

/// Gives every file under `path` (itself included, symbolic links not followed, one filesystem)
/// to uid:gid. Returns 0, or -1 with errno.
int shim_chown_tree(const char *path, uid_t uid, gid_t gid);

/// Decode a wait status.
int shim_wifexited(int status);
int shim_wexitstatus(int status);
int shim_wifsignaled(int status);
int shim_wtermsig(int status);
int shim_wcoredump(int status);

/// Create a datagram socket bound to an AF_UNIX address with SO_PASSCRED set (abstract when name starts with '@').
int shim_notify_socket(const char *name);

/// Receive one notify datagram: data into buf (cap bytes), sender credentials, closes any fds that arrive.
/// Returns the byte count, -2 when the message was truncated (dropped), -3 when it had no credentials,
/// -1 with errno (EAGAIN when nothing is pending).
ssize_t shim_notify_recv(int fd, char *buf, size_t cap, pid_t *pid, uid_t *uid, gid_t *gid);

/// Peer credentials of a connected AF_UNIX stream socket.
int shim_peer_cred(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

/// A listening AF_UNIX stream socket at path (mode 0600), non-blocking, close-on-exec.
int shim_listen_unix(const char *path);
/// A connected AF_UNIX stream socket to path (blocking), or -1 with errno.
int shim_connect_unix(const char *path);
int shim_accept(int fd);

int shim_inotify_init(void);
int shim_inotify_add(int fd, const char *path, uint32_t mask);
uint32_t shim_in_moved_to(void);
uint32_t shim_in_close_write(void);
uint32_t shim_in_modify(void);
uint32_t shim_in_create(void);

#endif
