import CShims
import Glibc

/// The clocks the runtime reads (the pure core never does).
public enum Clocks {
    /// CLOCK_MONOTONIC now, in nanoseconds.
    public static func monotonicNanoseconds() -> Int64 { shim_monotonic_ns() }

    /// Wall-clock seconds since 1970.
    public static func wall() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
