/// The watchdog loop for plugins that are servers themselves (async code): pings `WATCHDOG=1` at
/// half the supervisor's interval, only while `health` passes, so a hung server is caught, not
/// only a dead one.
public enum Watchdog {
    /// Runs until cancelled; returns at once when no watchdog is configured.
    public static func run(health: @Sendable () async -> Bool) async {
        guard let interval = Notify.watchdogInterval() else { return }
        let period = interval / 2
        while !Task.isCancelled {
            if await health() {
                Notify.send(.watchdog)
            } else {
                Notify.send(.status("health check failed"))
            }
            do { try await Task.sleep(for: period) } catch { return }
        }
    }
}
