import CShims
import Glibc

/// Waits for changes in a directory (inotify), with a deadline. Used by `roster logs -f` and tests;
/// never by the supervisor's loop.
public final class FileWatcher {
    private let fd: Int32

    /// Watches `directory` for files created, written or renamed into it.
    public convenience init(directory: String) throws(SystemError) {
        try self.init(directories: [directory])
    }

    /// Watches each of `directories` for files created, written or renamed into it.
    public init(directories: [String]) throws(SystemError) {
        fd = shim_inotify_init()
        guard fd >= 0 else { throw SystemError("inotify_init1") }
        let mask = shim_in_moved_to() | shim_in_close_write() | shim_in_modify() | shim_in_create()
        for directory in directories where shim_inotify_add(fd, directory, mask) < 0 {
            let error = SystemError("inotify_add_watch \(directory)")
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// Blocks until something changed or `timeout` seconds passed (nil = forever); true when something changed.
    @discardableResult
    public func wait(timeout: Double?) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = timeout.map { Int32(max(0, $0) * 1000) } ?? -1
        let n = poll(&poller, 1, ms)
        guard n > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 8192)
        while read(fd, &buffer, buffer.count) > 0 {}
        return true
    }
}
