import Testing
import RosterCore

/// `restart-sec` doubling with each start inside the start-limit window, capped at `restart-max-sec`.
@Suite struct BackoffTests {
    let base = Duration.milliseconds(100)
    let cap = Duration.seconds(10)

    @Test("After the first start the delay is restart-sec")
    func firstDelayIsBase() {
        #expect(restartDelay(base: base, max: cap, startsInWindow: 1) == .milliseconds(100))
    }

    @Test("The delay doubles with each further start inside the window")
    func delayDoubles() {
        let delays = (1...7).map { restartDelay(base: base, max: cap, startsInWindow: $0) }
        #expect(delays == [100, 200, 400, 800, 1600, 3200, 6400].map { Duration.milliseconds($0) })
    }

    @Test("The delay never exceeds restart-max-sec")
    func delayIsCapped() {
        #expect(restartDelay(base: base, max: cap, startsInWindow: 8) == .seconds(10))
        #expect(restartDelay(base: base, max: cap, startsInWindow: 20) == .seconds(10))
    }

    @Test("A huge number of starts saturates at the cap instead of overflowing")
    func hugeCountsSaturate() {
        #expect(restartDelay(base: base, max: cap, startsInWindow: 10_000) == .seconds(10))
        #expect(restartDelay(base: .seconds(3600), max: .seconds(86_400), startsInWindow: 200) == .seconds(86_400))
    }

    @Test("With no start in the window the delay is restart-sec")
    func noStartsIsBase() {
        #expect(restartDelay(base: base, max: cap, startsInWindow: 0) == .milliseconds(100))
    }

    @Test("A restart-sec above restart-max-sec is cut to restart-max-sec")
    func baseAboveCap() {
        #expect(restartDelay(base: .seconds(30), max: cap, startsInWindow: 1) == .seconds(10))
    }

    @Test("restart-sec 0 restarts at once however many starts there were")
    func zeroBase() {
        #expect(restartDelay(base: .zero, max: cap, startsInWindow: 1) == .zero)
        #expect(restartDelay(base: .zero, max: cap, startsInWindow: 9) == .zero)
    }
}
