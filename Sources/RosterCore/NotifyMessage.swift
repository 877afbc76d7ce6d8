/// One datagram of the systemd notify protocol, parsed. Unknown keys are kept but ignored.
public struct NotifyMessage: Equatable, Sendable {
    /// `READY=1`.
    public var ready = false
    /// `RELOADING=1`.
    public var reloading = false
    /// `STOPPING=1`.
    public var stopping = false
    /// `WATCHDOG=1`.
    public var watchdogPing = false
    /// `WATCHDOG=trigger`.
    public var watchdogTrigger = false
    /// `STATUS=…`.
    public var status: String?
    /// `ERRNO=…`.
    public var errno: Int32?
    /// `MAINPID=…`.
    public var mainPID: Int32?
    /// `WATCHDOG_USEC=…` (a new watchdog interval).
    public var watchdogUsec: Int64?
    /// `EXTEND_TIMEOUT_USEC=…`.
    public var extendTimeoutUsec: Int64?
    /// `MONOTONIC_USEC=…` (sent with `RELOADING=1`).
    public var monotonicUsec: Int64?
    /// `BARRIER=1` (systemd-notify's sync; the fd it carries is closed on receipt).
    public var barrier = false

    /// An empty message.
    public init() {}

    /// True for systemd-notify's `BARRIER=1` sync message alone, which carries no state.
    public var isBarrierOnly: Bool {
        var bare = NotifyMessage()
        bare.barrier = true
        return self == bare
    }

    /// The most a datagram may hold; larger ones are dropped.
    public static let maxSize = 4096

    /// Why a datagram was refused.
    public enum ParseError: Error, Equatable, Sendable {
        case tooLong(Int), containsNUL, notUTF8
    }

    /// Parses newline-separated `KEY=VALUE` lines. Malformed lines and unknown keys are ignored,
    /// as systemd does; oversized, NUL-containing or non-UTF-8 datagrams are refused whole.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> NotifyMessage {
        guard bytes.count <= maxSize else { throw .tooLong(bytes.count) }
        guard !bytes.contains(0) else { throw .containsNUL }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8 }
        var message = NotifyMessage()
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq]
            let value = String(line[line.index(after: eq)...])
            switch key {
            case "READY": message.ready = value == "1"
            case "RELOADING": message.reloading = value == "1"
            case "STOPPING": message.stopping = value == "1"
            case "WATCHDOG":
                if value == "1" { message.watchdogPing = true }
                if value == "trigger" { message.watchdogTrigger = true }
            case "STATUS": message.status = value
            case "ERRNO": message.errno = Int32(value)
            case "MAINPID": message.mainPID = Int32(value).flatMap { $0 > 0 ? $0 : nil }
            case "WATCHDOG_USEC": message.watchdogUsec = Int64(value).flatMap { $0 > 0 ? $0 : nil }
            case "EXTEND_TIMEOUT_USEC": message.extendTimeoutUsec = Int64(value).flatMap { $0 >= 0 ? $0 : nil }
            case "MONOTONIC_USEC": message.monotonicUsec = Int64(value)
            case "BARRIER": message.barrier = value == "1"
            default: continue
            }
        }
        return message
    }
}
