import Glibc

/// An append-only log file rotated by size: `x.log` → `x.log.1` → … → `x.log.<keep>` (dropped).
public final class LogFile {
    /// The current file's path.
    public let path: String
    private let maxBytes: Int
    private let keep: Int
    private var fd: Int32
    private var size: Int

    /// Opens (or creates) `path` for appending.
    public init(path: String, maxBytes: Int = 4 << 20, keep: Int = 3) throws(SystemError) {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = keep
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw SystemError("open log \(path)") }
        var info = stat()
        size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    deinit { close(fd) }

    /// Appends bytes, rotating first when they would push the file past its size limit.
    public func append(_ bytes: [UInt8]) {
        if size > 0, size + bytes.count > maxBytes { rotate() }
        if writeAll(fd, bytes) { size += bytes.count }
    }

    private func rotate() {
        for index in stride(from: keep - 1, through: 1, by: -1) {
            rename("\(path).\(index)", "\(path).\(index + 1)")
        }
        rename(path, "\(path).1")
        let reopened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        if reopened >= 0 {
            close(fd)
            fd = reopened
            size = 0
        }
    }
}
