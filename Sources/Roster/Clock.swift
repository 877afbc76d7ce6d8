import RosterCore
import RosterSystem

extension Clocks {
    /// CLOCK_MONOTONIC now, as the pure core's `Instant`.
    static func now() -> Instant { Instant(nanoseconds: monotonicNanoseconds()) }
}

extension ExitStatus {
    /// The core's view of a reaped child's status.
    init(_ status: Reaper.WaitStatus) {
        switch status {
        case .exited(let code): self = .exited(code)
        case .signaled(let signal, let core): self = .signaled(signal, core: core)
        }
    }
}
