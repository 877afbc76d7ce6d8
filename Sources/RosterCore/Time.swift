/// A point on the monotonic clock, in nanoseconds. The pure core never reads a clock: callers pass `now`.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since an arbitrary origin (CLOCK_MONOTONIC in the runtime).
    public var nanoseconds: Int64

    /// Creates an instant from nanoseconds since the clock's origin.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The instant `duration` after this one.
    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    /// The time from `rhs` to `lhs`.
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(lhs.nanoseconds - rhs.nanoseconds)
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public var description: String { "t+\(Double(nanoseconds) / 1e9)s" }
}

extension Duration {
    /// The duration as whole nanoseconds (saturating).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : ns &+ attoseconds / 1_000_000_000
    }

    /// The duration as whole microseconds, as systemd's `*_USEC` variables carry it.
    public var microseconds: Int64 { nanoseconds / 1000 }

    /// Seconds as a floating-point number, for display.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Parses a stack-file duration: a non-negative number of seconds (`5`, `0.5`) or a number
    /// with one unit of `us ms s m h` (`250ms`, `10s`, `1m`). Returns nil when malformed.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        let units: [(String, Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(trimmed)
        var scale = 1.0
        if let digitEnd = trimmed.lastIndex(where: { $0.isNumber || $0 == "." }) {
            let suffix = String(trimmed[trimmed.index(after: digitEnd)...])
            if !suffix.isEmpty {
                guard let unit = units.first(where: { $0.0 == suffix }) else { return nil }
                scale = unit.1
                number = trimmed[...digitEnd]
            }
        } else {
            return nil
        }
        guard number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              number.filter({ $0 == "." }).count <= 1, number.first != ".", number.last != ".",
              let value = Double(number) else { return nil }
        let ns = value * scale * 1e9
        guard ns.isFinite, ns < 9e18 else { return nil }
        return .nanoseconds(Int64(ns.rounded()))
    }

    /// A short human form: `250ms`, `10s`, `1500ms`, `2m`.
    public var shortDescription: String {
        let ns = nanoseconds
        if ns == 0 { return "0" }
        if ns % 60_000_000_000 == 0 { return "\(ns / 60_000_000_000)m" }
        if ns % 1_000_000_000 == 0 { return "\(ns / 1_000_000_000)s" }
        if ns % 1_000_000 == 0 { return "\(ns / 1_000_000)ms" }
        if ns % 1000 == 0 { return "\(ns / 1000)us" }
        return "\(ns)ns"
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
