/*
 * tiny: the smallest notify-ready service, for Roster's core benchmark.
 * First thing in main() it takes CLOCK_REALTIME, appends "<instance> <pid> <ns>\n" to $TINY_LOG
 * with one O_APPEND write, sends READY=1 to $NOTIFY_SOCKET, then pause()s until a signal kills it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    const char *log = getenv("TINY_LOG"), *id = getenv("ROSTER_INSTANCE"), *path = getenv("NOTIFY_SOCKET");
    if (log && id) {
        char line[256];
        int n = snprintf(line, sizeof line, "%s %d %lld\n", id, (int)getpid(), ns);
        int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) { (void)!write(fd, line, (size_t)n); close(fd); }
    }
    if (path && *path) {
        struct sockaddr_un sa;
        size_t len = strlen(path);
        if (len < sizeof sa.sun_path) {
            memset(&sa, 0, sizeof sa);
            sa.sun_family = AF_UNIX;
            memcpy(sa.sun_path, path, len);
            if (path[0] == '@') sa.sun_path[0] = '\0';
            socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1));
            int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd >= 0) { sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa, salen); close(fd); }
        }
    }
    for (;;) pause();
}
