import Glibc

/// A failed system call: the operation, the object it was about, and the errno text.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    /// What was attempted (`spawn /x/y`).
    public var operation: String
    /// The errno value.
    public var code: Int32

    /// Captures `errno` (or the given code) for `operation`.
    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    /// `spawn /x/y: No such file or directory`.
    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// Writes all of `bytes` to `fd`, retrying on EINTR and short writes; false when the fd refuses.
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
    var array = Array(bytes)
    var offset = 0
    return array.withUnsafeMutableBytes { buffer in
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}

/// Writes a string to `fd` unbuffered (print() is block-buffered into pipes and lost on SIGKILL).
@discardableResult
public func writeAll(_ fd: Int32, _ text: String) -> Bool { writeAll(fd, Array(text.utf8)) }
