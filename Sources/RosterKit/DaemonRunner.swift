import Glibc
import RosterSystem

/// A daemon a plugin runs as its child (nginx, haproxy, mariadbd…).
public struct Daemon: Sendable {
    /// How the plugin learns that the daemon serves.
    public enum Readiness: Sendable {
        /// The daemon speaks the notify protocol itself: `NOTIFY_SOCKET` is passed through and the
        /// daemon sends `READY=1` (the role needs `notify-access: all`).
        case notify
        /// The plugin probes until the check passes, then sends `READY=1` itself.
        case probe(Probe)
    }

    /// argv; the first element is looked up on PATH.
    public var arguments: [String]
    /// Added to (or replacing) the plugin's own environment.
    public var environment: [String: String]
    public var readiness: Readiness
    /// Forwarded when the plugin is asked to stop (nginx: SIGQUIT for a graceful stop).
    public var stopSignal: Int32
    /// Sent to make the daemon re-read its configuration (nginx: SIGHUP; haproxy -Ws: SIGUSR2).
    public var reloadSignal: Int32
    /// True when the daemon itself says `READY=1` after a reload (haproxy -Ws does).
    public var reloadReportsReady: Bool
    /// Checked before each watchdog ping; by default the readiness probe (or "the daemon is alive").
    public var health: Probe?
    /// Helpers started before the daemon (argv each), e.g. a TCP relay; they die with the plugin,
    /// and the plugin fails if one exits.
    public var sidecars: [[String]] = []
    /// After a reload signal, checked (every 20 ms, up to 5 s) until the daemon really runs the new
    /// configuration, before `READY=1`: nginx reloads asynchronously, and a front tier must not be
    /// reported ready while old workers still route with the old configuration.
    public var reloadConfirmation: Probe?

    /// A daemon description.
    public init(arguments: [String], environment: [String: String] = [:], readiness: Readiness,
                stopSignal: Int32 = SIGTERM, reloadSignal: Int32 = SIGHUP, reloadReportsReady: Bool = false,
                health: Probe? = nil) {
        self.arguments = arguments
        self.environment = environment
        self.readiness = readiness
        self.stopSignal = stopSignal
        self.reloadSignal = reloadSignal
        self.reloadReportsReady = reloadReportsReady
        self.health = health
    }
}

/// Runs one daemon as the plugin's child, on the main thread, for the plugin's whole life:
/// renders and checks its configuration, starts it (it dies with the plugin, even by SIGKILL),
/// reports readiness, pings the watchdog while a health check passes, forwards stop, and on the
/// reload signal re-renders, checks and reloads it without a restart, keeping the old configuration
/// when the new one is refused. Exits 0 after a requested stop, 100 for a configuration error, 111
/// when the daemon dies on its own.
public final class DaemonRunner {
    /// Renders the configuration from discovery and options, checks it with the daemon's own check
    /// mode and installs it (see `ConfigFile`). Called before the start and on every reload.
    public typealias Prepare = () throws(PluginError) -> ConfigFile.Outcome

    private let daemon: Daemon
    private let prepare: Prepare?
    private let status: () -> String
    private var pid: Int32 = 0
    private var sidecarPIDs: [Int32] = []
    private var ready = false
    private var stopping = false
    private var reloadPending = false
    private var nextProbe: Int64?
    private var nextPing: Int64?
    private let pingInterval: Int64?
    private var nextStatus: Int64?
    private var lastStatus: String?
    private var confirmingUntil: Int64?

    /// When set, `status` is re-evaluated this often once ready and sent when it changed
    /// (for daemons whose state is worth watching: connections, replication lag).
    public var statusInterval: Duration?

    /// A runner; `status` gives the `STATUS=` text shown once ready.
    public init(_ daemon: Daemon, prepare: Prepare? = nil, status: @escaping () -> String = { "serving" }) {
        self.daemon = daemon
        self.prepare = prepare
        self.status = status
        pingInterval = Notify.watchdogInterval().map { duration in
            let (seconds, attoseconds) = duration.components
            return (seconds * 1_000_000_000 + attoseconds / 1_000_000_000) / 2
        }
    }

    /// Runs until the daemon is gone; never returns. Call from the main thread, before any other
    /// thread exists (signals are blocked and read from a signalfd).
    public func run() -> Never {
        let signals: SignalSource
        let loop: EventLoop
        do {
            signals = try SignalSource([SIGTERM, SIGINT, SIGHUP, SIGCHLD, daemon.reloadSignal])
            loop = try EventLoop()
            try loop.add(signals.fd, token: 1)
        } catch {
            fail(.temporary("\(error)"))
        }
        if let prepare {
            do { _ = try prepare() } catch { fail(error) }
        }
        start()
        var tokens: [UInt64] = []
        while true {
            loop.setDeadline([nextProbe, nextPing, nextStatus].compactMap { $0 }.min())
            loop.wait(into: &tokens)
            for token in tokens {
                if token == EventLoop.timerToken { timers() } else { handle(signals.drain()) }
            }
        }
    }

    private func start() {
        for sidecar in daemon.sidecars { sidecarPIDs.append(spawn(sidecar)) }
        pid = spawn(daemon.arguments)
        switch daemon.readiness {
        case .notify:
            // The daemon reports readiness itself; from here on we only watch it.
            Notify.send(.status(status()))
            markReady(announce: false)
        case .probe:
            nextProbe = Clocks.monotonicNanoseconds()
        }
    }

    private func spawn(_ arguments: [String]) -> Int32 {
        guard let path = Command.resolve(arguments[0]) else {
            fail(.permanent("\(arguments[0]): not found on PATH (is its package installed?)"))
        }
        var environment = PluginEnvironment.current()
        if case .probe = daemon.readiness { environment["NOTIFY_SOCKET"] = nil }
        environment["WATCHDOG_USEC"] = nil
        environment["WATCHDOG_PID"] = nil
        environment.merge(daemon.environment) { _, new in new }
        var request = Spawner.Request(path: path, arguments: arguments,
                                      environment: environment.map { "\($0.key)=\($0.value)" },
                                      directory: Files.currentDirectory(), output: -1)
        request.group = .inherit
        request.parentDeathSignal = SIGKILL
        do {
            return try Spawner.spawn(request)
        } catch {
            fail(error.code == ENOENT || error.code == EACCES ? .permanent("\(error)") : .temporary("\(error)"))
        }
    }

    private func markReady(announce: Bool) {
        ready = true
        nextProbe = nil
        if announce {
            lastStatus = status()
            Notify.send(.ready, .status(lastStatus ?? ""))
        }
        if let pingInterval { nextPing = Clocks.monotonicNanoseconds() + pingInterval }
        if statusInterval != nil { nextStatus = Clocks.monotonicNanoseconds() }
        if reloadPending {
            reloadPending = false
            reload()
        }
    }

    private func timers() {
        let now = Clocks.monotonicNanoseconds()
        if let until = confirmingUntil, let due = nextProbe, due <= now, let confirmation = daemon.reloadConfirmation {
            if confirmation.check(timeout: .milliseconds(500)) || now > until {
                confirmingUntil = nil
                nextProbe = nil
                Notify.send(.ready, .status(now > until ? "reload not confirmed within 5 s: \(confirmation)" : status()))
            } else {
                nextProbe = Clocks.monotonicNanoseconds() + 20_000_000
            }
            return
        }
        if let due = nextProbe, due <= now, case .probe(let probe) = daemon.readiness {
            if probe.check(timeout: .milliseconds(500)) {
                markReady(announce: true)
            } else {
                nextProbe = Clocks.monotonicNanoseconds() + 50_000_000
            }
        }
        if let due = nextStatus, due <= now, let interval = statusInterval {
            let text = status()
            if text != lastStatus {
                lastStatus = text
                Notify.send(.status(text))
            }
            let (seconds, attoseconds) = interval.components
            nextStatus = Clocks.monotonicNanoseconds() + seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        }
        if let due = nextPing, due <= now, let pingInterval {
            if healthy() {
                Notify.send(.watchdog)
            } else {
                Notify.send(.status("health check failed: \(healthProbe.map { "\($0)" } ?? "daemon gone")"))
            }
            nextPing = Clocks.monotonicNanoseconds() + pingInterval
        }
    }

    private var healthProbe: Probe? {
        if let health = daemon.health { return health }
        if case .probe(let probe) = daemon.readiness { return probe }
        return nil
    }

    private func healthy() -> Bool {
        guard !stopping, kill(pid, 0) == 0 else { return false }
        return healthProbe?.check(timeout: .seconds(1)) ?? true
    }

    private func handle(_ received: [Int32]) {
        for number in received {
            switch number {
            case SIGCHLD:
                for (child, status) in Reaper.reap() where child == pid || sidecarPIDs.contains(child) {
                    if stopping && child == pid { exit(PluginExit.clean) }
                    if stopping { continue }
                    let text: String
                    switch status {
                    case .exited(let code): text = "exited with status \(code)"
                    case .signaled(let signal, _): text = "killed by signal \(signal)"
                    }
                    let name = child == pid ? daemon.arguments[0] : "sidecar \(daemon.sidecars[sidecarPIDs.firstIndex(of: child)!][0])"
                    fail(.temporary("\(name) \(text)"))
                }
            case SIGTERM, SIGINT:
                guard !stopping else { continue }
                stopping = true
                nextProbe = nil
                nextPing = nil
                nextStatus = nil
                Notify.send(.stopping)
                kill(pid, daemon.stopSignal)
            default:
                // SIGHUP, or the daemon's reload signal sent to us: reload.
                if stopping { continue }
                if ready { reload() } else { reloadPending = true }
            }
        }
    }

    private func reload() {
        Notify.send(.reloading)
        let outcome: ConfigFile.Outcome
        do {
            outcome = try prepare?() ?? .installed
        } catch {
            log("reload refused: \(error.message)")
            Notify.send(.ready, .status(error.message))
            return
        }
        guard outcome == .installed else {
            // Nothing new to apply. A reload still being confirmed may have installed this very
            // configuration already: READY=1 waits for it, since the old one is still serving.
            if confirmingUntil == nil { Notify.send(.ready, .status(status())) }
            return
        }
        if daemon.reloadReportsReady { Notify.send(.status(status())) }
        kill(pid, daemon.reloadSignal)
        log("configuration reloaded (\(Signals.name(daemon.reloadSignal)) to pid \(pid))")
        if daemon.reloadConfirmation != nil {
            confirmingUntil = Clocks.monotonicNanoseconds() + 5_000_000_000
            nextProbe = Clocks.monotonicNanoseconds()
        } else if !daemon.reloadReportsReady {
            Notify.send(.ready, .status(status()))
        }
    }

    private func fail(_ error: PluginError) -> Never {
        log(error.message)
        Notify.send(.status(error.message))
        if pid > 0 { kill(pid, SIGKILL) }
        for sidecar in sidecarPIDs { kill(sidecar, SIGKILL) }
        exit(error.exitCode)
    }

    private func log(_ text: String) { writeAll(2, "roster-kit: \(text)\n") }
}

/// Signal names for log lines.
enum Signals {
    static func name(_ number: Int32) -> String {
        let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 10: "SIGUSR1", 12: "SIGUSR2", 15: "SIGTERM"]
        return names[number] ?? "signal \(number)"
    }
}
