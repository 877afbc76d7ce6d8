import CShims
import Glibc

/// Small file operations the runtime needs, with errors that name the path.
public enum Files {
    /// Replaces `path` atomically: write `path.tmp`, fsync, rename over `path`, fsync the directory.
    /// Readers see the old file or the new one, never a mix. `durable: false` skips both fsyncs:
    /// still atomic for readers, but a power cut may bring back an older version (right for files
    /// that are rewritten at every start anyway, such as discovery.json).
    public static func writeAtomically(_ path: String, _ text: String, mode: mode_t = 0o644, durable: Bool = true) throws(SystemError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError("open \(temporary)") }
        guard writeAll(fd, text) else {
            let error = SystemError("write \(temporary)")
            close(fd)
            throw error
        }
        if durable { fsync(fd) }
        close(fd)
        guard rename(temporary, path) == 0 else { throw SystemError("rename \(temporary) to \(path)") }
        guard durable else { return }
        let directory = parent(of: path)
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// The whole file as text, or nil when it cannot be read.
    public static func read(_ path: String) -> String? {
        guard let bytes = readBytes(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The whole file as bytes, or nil when it cannot be read.
    public static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            result += chunk[0..<n]
        }
        return result
    }

    /// Creates `path` and its parents (like `mkdir -p`) with `mode` for the ones it creates.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST { throw SystemError("mkdir \(current)") }
        }
    }

    /// Gives `path` and everything under it (symbolic links themselves, not their targets; one
    /// filesystem) to `uid`:`gid`.
    public static func changeOwner(_ path: String, uid: uid_t, gid: gid_t, recursive: Bool) throws(SystemError) {
        let status = recursive ? shim_chown_tree(path, uid, gid) : lchown(path, uid, gid)
        guard status == 0 else { throw SystemError("chown \(path)") }
    }

    /// The owner of `path` (not following a symbolic link) and its permission bits, or nil when it does not exist.
    public static func owner(of path: String) -> (uid: uid_t, gid: gid_t, mode: mode_t)? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return (info.st_uid, info.st_gid, info.st_mode & 0o7777)
    }

    /// Removes a file; a missing file is not an error.
    public static func remove(_ path: String) { unlink(path) }

    /// True when `path` exists.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// True when `path` is a regular file the caller may execute.
    public static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    /// True when `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Entry names of a directory (without `.` and `..`), sorted; empty when unreadable.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The directory part of a path.
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `path` made absolute against the working directory and cleaned of `.` and `..`.
    public static func absolute(_ path: String, relativeTo base: String? = nil) -> String {
        var full = path
        if !path.hasPrefix("/") {
            let root = base ?? currentDirectory()
            full = root + "/" + path
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The working directory.
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The running executable's path (`/proc/self/exe`).
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
