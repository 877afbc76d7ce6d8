import CShims
import Glibc

/// One epoll set with a single monotonic deadline: the supervisor's only place to wait.
/// No threads and no periodic wake-ups: it sleeps until an fd is readable or the deadline passes.
public final class EventLoop {
    private let epoll: Int32
    private let timer: Int32
    private var armed: Int64?
    /// The token that `wait` returns when the deadline passed.
    public static let timerToken: UInt64 = 0

    /// Creates the epoll set and its timerfd.
    public init() throws(SystemError) {
        epoll = shim_epoll_create()
        guard epoll >= 0 else { throw SystemError("epoll_create1") }
        timer = shim_timerfd_create()
        guard timer >= 0 else { throw SystemError("timerfd_create") }
        guard shim_epoll_add(epoll, timer, Self.timerToken) == 0 else { throw SystemError("epoll_ctl timerfd") }
    }

    deinit {
        close(timer)
        close(epoll)
    }

    /// Watches `fd` for input; `wait` reports `token` when it is readable (or hung up).
    public func add(_ fd: Int32, token: UInt64) throws(SystemError) {
        guard shim_epoll_add(epoll, fd, token) == 0 else { throw SystemError("epoll_ctl add fd \(fd)") }
    }

    /// Stops watching `fd` (closing it does the same).
    public func remove(_ fd: Int32) { _ = shim_epoll_del(epoll, fd) }

    /// Sets the one deadline, in CLOCK_MONOTONIC nanoseconds (nil = none). Cheap when unchanged.
    public func setDeadline(_ deadline: Int64?) {
        guard deadline != armed else { return }
        armed = deadline
        var draining: UInt64 = 0
        _ = read(timer, &draining, 8)
        _ = shim_timerfd_set_abs(timer, deadline.map { max($0, 1) } ?? 0)
    }

    /// Blocks until something is ready (or, with `block: false`, only looks); returns the tokens
    /// (the deadline as `timerToken`).
    public func wait(into tokens: inout [UInt64], block: Bool = true) {
        tokens.removeAll(keepingCapacity: true)
        var buffer = [UInt64](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBufferPointer { shim_epoll_wait(epoll, $0.baseAddress, 256, block ? -1 : 0) }
        guard n > 0 else { return }
        for i in 0..<Int(n) {
            if buffer[i] == Self.timerToken {
                var expirations: UInt64 = 0
                _ = read(timer, &expirations, 8)
                armed = nil
            }
            tokens.append(buffer[i])
        }
    }
}
