/// How a process ended, decoded from its wait status.
public enum ExitStatus: Hashable, Sendable, CustomStringConvertible {
    /// Exited with a status code.
    case exited(Int32)
    /// Killed by a signal (with a core dump when `core` is true).
    case signaled(Int32, core: Bool)

    /// systemd's "clean" exit: status 0, or death by SIGHUP, SIGINT, SIGTERM or SIGPIPE.
    public var isClean: Bool {
        switch self {
        case .exited(let code): return code == 0
        case .signaled(let signal, _): return [1, 2, 13, 15].contains(signal)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let signal, let core): return "killed by \(Signals.name(signal))" + (core ? " (core dumped)" : "")
        }
    }
}

/// Why an instance's run ended, as the restart policy sees it (systemd's rows).
public enum RunResult: Hashable, Sendable, CustomStringConvertible {
    /// Status 0 or a clean signal.
    case clean(ExitStatus)
    /// A non-zero exit status.
    case exitCode(Int32)
    /// An unclean signal (SIGKILL, SIGSEGV, SIGABRT…).
    case signal(Int32, core: Bool)
    /// It did not become ready (or stop) in time.
    case timeout
    /// It missed its watchdog deadline or asked for `WATCHDOG=trigger`.
    case watchdog
    /// It exited with status 100: a permanent failure, never restarted.
    case permanent

    /// Classifies a process's exit.
    public init(_ status: ExitStatus) {
        if status.isClean { self = .clean(status); return }
        switch status {
        case .exited(100): self = .permanent
        case .exited(let code): self = .exitCode(code)
        case .signaled(let signal, let core): self = .signal(signal, core: core)
        }
    }

    /// True for the clean row.
    public var isSuccess: Bool { if case .clean = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .clean(let status): return status.description
        case .exitCode(let code): return "exited with status \(code)"
        case .signal(let signal, let core): return ExitStatus.signaled(signal, core: core).description
        case .timeout: return "timed out"
        case .watchdog: return "watchdog timeout"
        case .permanent: return "exited with status 100 (permanent failure)"
        }
    }
}

/// systemd's `Restart=` settings, with the same names and meaning.
public enum RestartPolicy: String, CaseIterable, Sendable {
    case no, onSuccess = "on-success", onFailure = "on-failure", onAbnormal = "on-abnormal"
    case onWatchdog = "on-watchdog", onAbort = "on-abort", always

    /// Whether a run that ended with `result` is restarted (exit 100 never is).
    public func restarts(after result: RunResult) -> Bool {
        switch (self, result) {
        case (_, .permanent), (.no, _): return false
        case (.always, _): return true
        case (.onSuccess, .clean): return true
        case (.onSuccess, _): return false
        case (.onFailure, .clean): return false
        case (.onFailure, _): return true
        case (.onAbnormal, .signal), (.onAbnormal, .timeout), (.onAbnormal, .watchdog): return true
        case (.onAbnormal, _): return false
        case (.onWatchdog, .watchdog): return true
        case (.onWatchdog, _): return false
        case (.onAbort, .signal): return true
        case (.onAbort, _): return false
        }
    }

    /// The allowed spellings, for error messages.
    public static var spellings: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Exponential restart delay: `base` doubled for each earlier start inside the start-limit window, capped at `max`.
public func restartDelay(base: Duration, max: Duration, startsInWindow: Int) -> Duration {
    let doublings = Swift.max(0, Swift.min(startsInWindow - 1, 62))
    let baseNs = base.nanoseconds
    let (scaled, overflow) = baseNs.multipliedReportingOverflow(by: Int64(1) << doublings)
    let capped = overflow ? max.nanoseconds : Swift.min(scaled, max.nanoseconds)
    return .nanoseconds(Swift.max(capped, 0))
}
