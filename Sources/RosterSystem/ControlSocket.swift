import CShims
import Glibc

/// The supervisor's control socket: `AF_UNIX` stream, mode 0600, one JSON line per request and reply.
public final class ControlListener {
    /// The listening socket; watch it in the event loop.
    public let fd: Int32
    /// Its path.
    public let path: String

    /// Binds and listens at `path`. A stale socket of a dead supervisor is replaced; a live one is an error.
    public init(path: String) throws(SystemError) {
        if ControlClient.isAlive(path: path) {
            throw SystemError("control socket \(path) is in use (a supervisor is running; `roster down` stops it)", code: EADDRINUSE)
        }
        unlink(path)
        let fd = shim_listen_unix(path)
        guard fd >= 0 else { throw SystemError("listen on \(path)") }
        self.fd = fd
        self.path = path
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Accepts one pending client whose uid is ours or root's; others are closed at once.
    /// Returns nil when nothing (acceptable) is pending.
    public func accept() -> ControlConnection? {
        while true {
            let client = shim_accept(fd)
            guard client >= 0 else { return nil }
            var pid: pid_t = 0, uid: uid_t = 0, gid: gid_t = 0
            guard shim_peer_cred(client, &pid, &uid, &gid) == 0, uid == getuid() || uid == 0 else {
                close(client)
                continue
            }
            // Replies are written whole; a client that stops reading is cut off after a second.
            let flags = fcntl(client, F_GETFL)
            _ = fcntl(client, F_SETFL, flags & ~O_NONBLOCK)
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return ControlConnection(fd: client, peerPID: pid)
        }
    }
}

/// One accepted control client.
public final class ControlConnection {
    /// The socket.
    public let fd: Int32
    /// The client's pid, for logs.
    public let peerPID: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32, peerPID: Int32) {
        self.fd = fd
        self.peerPID = peerPID
    }

    deinit { close(fd) }

    /// Reads what is available; returns the request line once complete, `nil` while incomplete.
    /// Sets `closed` when the peer went away or sent more than 64 KiB without a newline.
    public func readLine(closed: inout Bool) -> String? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &chunk, chunk.count, Int32(MSG_DONTWAIT))
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { closed = true; return nil }
        if n > 0 { buffer += chunk[0..<n] }
        if let newline = buffer.firstIndex(of: 10) {
            let line = String(decoding: buffer[..<newline], as: UTF8.self)
            buffer.removeAll()
            return line
        }
        if buffer.count > 65_536 { closed = true }
        return nil
    }

    /// Sends one reply line.
    @discardableResult
    public func reply(_ line: String) -> Bool { writeAll(fd, line + "\n") }
}

/// The CLI's side of the control socket.
public enum ControlClient {
    /// True when something accepts connections at `path`.
    public static func isAlive(path: String) -> Bool {
        let fd = shim_connect_unix(path)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    /// Sends one request line and returns the reply line. `timeout` nil waits forever.
    public static func request(path: String, _ line: String, timeout: Double? = nil) throws(SystemError) -> String {
        let fd = shim_connect_unix(path)
        guard fd >= 0 else { throw SystemError("connect to \(path)") }
        defer { close(fd) }
        if let timeout {
            var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        guard writeAll(fd, line + "\n") else { throw SystemError("write to \(path)") }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read from \(path)")
            }
            if n == 0 { break }
            reply += chunk[0..<n]
            if reply.last == 10 { break }
        }
        guard !reply.isEmpty else { throw SystemError("read from \(path): the supervisor closed the connection", code: ECONNRESET) }
        if reply.last == 10 { reply.removeLast() }
        return String(decoding: reply, as: UTF8.self)
    }
}
