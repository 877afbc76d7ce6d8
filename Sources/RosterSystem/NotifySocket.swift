import CShims
import Glibc

/// The receiving end of one instance's `NOTIFY_SOCKET`: an abstract `AF_UNIX` datagram socket with
/// `SO_PASSCRED`, so every message carries its sender's pid and uid (SCM_CREDENTIALS).
public final class NotifySocket {
    /// The socket; watch it in the event loop.
    public let fd: Int32
    /// The value for `NOTIFY_SOCKET` (`@roster/…` is abstract: no file, scoped to the network namespace).
    public let address: String

    /// The largest datagram accepted (systemd's limit); larger ones are dropped.
    public static let maxSize = 4096

    /// One received datagram.
    public enum Received {
        /// A message whose sender the kernel vouched for.
        case message([UInt8], pid: Int32, uid: UInt32)
        /// Refused before parsing (why).
        case dropped(String)
    }

    /// Binds `address` (a leading `@` means the abstract namespace).
    public init(address: String) throws(SystemError) {
        let fd = shim_notify_socket(address)
        guard fd >= 0 else { throw SystemError("bind notify socket \(address)") }
        self.fd = fd
        self.address = address
    }

    private var closed = false

    deinit { close() }

    /// Closes the socket (idempotent); its name is free again.
    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// The next datagram waiting on the socket, or nil when there is none. File descriptors that
    /// arrive are closed at once (`systemd-notify` waits for that, and exits), oversized or truncated
    /// datagrams are dropped. Handle each message before receiving the next: the barrier that
    /// follows a message releases its sender, which must still exist to be authenticated.
    public func receive() -> Received? {
        // The datagram's room is on the stack: nothing to allocate per message, nothing kept per socket.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: NotifySocket.maxSize + 1) { buffer in
            while true {
                var pid: pid_t = 0, uid: uid_t = 0, gid: gid_t = 0
                let n = shim_notify_recv(fd, buffer.baseAddress, NotifySocket.maxSize + 1, &pid, &uid, &gid)
                switch n {
                case -1 where errno == EINTR: continue
                case -1: return nil
                case -2: return .dropped("message over \(NotifySocket.maxSize) bytes or truncated")
                case -3: return .dropped("message without sender credentials")
                default:
                    if n > NotifySocket.maxSize { return .dropped("message over \(NotifySocket.maxSize) bytes") }
                    return .message(buffer[0..<n].map { UInt8(bitPattern: $0) }, pid: pid, uid: uid)
                }
            }
        }
    }
}
