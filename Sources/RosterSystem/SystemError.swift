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
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += n
    }
    return true
}

/// Writes all of `bytes` to `fd` (see the pointer form).
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { writeAll(fd, $0) }
}

/// Writes all of `bytes` to `fd` (see the pointer form).
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
    bytes.withUnsafeBytes { writeAll(fd, $0) }
}

/// Writes a string to `fd` unbuffered and without copying it (print() is block-buffered into
/// pipes and lost on SIGKILL).
@discardableResult
public func writeAll(_ fd: Int32, _ text: String) -> Bool {
    var text = text
    return text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
}
